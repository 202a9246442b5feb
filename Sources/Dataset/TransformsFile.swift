import FileSafety
import Foundation
import Geometry

/// One frame of a dataset folder.
public struct DatasetFrame: Sendable {
    /// File stem, e.g. `frame_00012`.
    public var stem: String
    /// "train", "val" or "test"; nil when the rig has no splits.
    public var split: String?
    /// The camera of the frame.
    public var camera: Camera
    /// A frame named `stem` of `split`.
    public init(stem: String, split: String?, camera: Camera) { self.stem = stem; self.split = split; self.camera = camera }
}

/// The dataset folder's layout and its camera files. See docs/dataset.md.
public enum DatasetLayout {
    /// Colour frames, 8-bit sRGB RGBA PNG.
    public static let images = "images"
    /// Z-depth, 16-bit millimetres.
    public static let depth = "depth"
    /// World-space normals, 16-bit RGB.
    public static let normals = "normals"
    /// Coverage, 8-bit.
    public static let masks = "masks"
    /// Instance ids, 16-bit.
    public static let instances = "instances"

    /// The relative path of frame `stem` in `folder`.
    public static func path(_ folder: String, _ stem: String) -> String { "\(folder)/\(stem).png" }

    /// `transforms.json` as nerfstudio and instant-ngp read it: shared intrinsics, camera-to-world matrices in
    /// OpenGL axes, file paths with extensions, and split lists when the rig has splits. `groundTruth` lists the
    /// depth, mask, normal and instance images of each frame (rendered datasets have them; videos do not).
    /// The lens is the first camera's: OPENCV's k1, k2, p1, p2 (zero for an ideal pinhole; a radial lens is OPENCV
    /// without tangential terms), or OPENCV_FISHEYE's k1 … k4.
    public static func transforms(frames: [DatasetFrame], groundTruth: Bool = true) -> JSONOutput {
        precondition(!frames.isEmpty)
        let c = frames[0].camera
        var members: [(String, JSONOutput)] = [
            ("camera_model", .string(c.distortion.isFisheye ? "OPENCV_FISHEYE" : "OPENCV")),
            ("camera_angle_x", .number(c.fovX)),
            ("fl_x", .number(c.fx)), ("fl_y", .number(c.fy)),
            ("cx", .number(c.cx)), ("cy", .number(c.cy)),
            ("w", .integer(c.width)), ("h", .integer(c.height)),
        ]
        members += c.distortion.coefficients.map { ($0.0, .number($0.1)) }
        members.append(("frames", .array(frames.map { f in
            var entry: [(String, JSONOutput)] = [("file_path", .string(path(images, f.stem))), ("transform_matrix", matrix(f.camera.cameraToWorld))]
            if groundTruth {
                entry += [("depth_file_path", .string(path(depth, f.stem))), ("mask_path", .string(path(masks, f.stem))),
                          ("normal_file_path", .string(path(normals, f.stem))), ("instance_file_path", .string(path(instances, f.stem)))]
            }
            return .object(entry)
        })))
        for (split, subset) in splits(frames) {
            members.append(("\(split)_filenames", .array(subset.map { JSONOutput.string(path(images, $0.stem)) })))
        }
        return .object(members)
    }

    /// The frames of each split, when the rig has splits. nerfstudio refuses a dataset that lists some splits
    /// but not the one it asks for (it evaluates on "val"), so all three are always present: a rig with only a
    /// test split uses it as the validation split too, and vice versa.
    public static func splits(_ frames: [DatasetFrame]) -> [(String, [DatasetFrame])] {
        guard frames.contains(where: { $0.split != nil }) else { return [] }
        let train = frames.filter { $0.split == "train" }
        var val = frames.filter { $0.split == "val" }, test = frames.filter { $0.split == "test" }
        if val.isEmpty { val = test }
        if test.isEmpty { test = val }
        return [("train", train), ("val", val), ("test", test)]
    }

    /// NeRF-synthetic style `transforms_<split>.json`: `camera_angle_x` and `file_path` without extension.
    public static func nerfSyntheticTransforms(frames: [DatasetFrame]) -> JSONOutput {
        .object([
            ("camera_angle_x", .number(frames[0].camera.fovX)),
            ("frames", .array(frames.map { f in
                .object([
                    ("file_path", .string("./\(images)/\(f.stem)")),
                    ("rotation", .number(0)),
                    ("transform_matrix", matrix(f.camera.cameraToWorld)),
                ])
            })),
        ])
    }

    /// A 4×4 matrix as nested JSON arrays, rounded to 12 decimals.
    public static func matrix(_ m: Matrix4) -> JSONOutput {
        .array(m.rows.map { row in .array(row.map { .number(($0 * 1e12).rounded() / 1e12) }) })
    }
}
