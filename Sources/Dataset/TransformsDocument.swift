import FileSafety
import Foundation
import Geometry

/// One camera file of a dataset folder, read strictly and typed: a `transforms.json` (Orbit, nerfstudio,
/// instant-ngp) or a NeRF-synthetic `transforms_<split>.json`. The one reader of these files: the dataset
/// reader, known poses for videos and the consistency protocol all go through it. Nothing here reads images.
///
/// Camera matrices are camera-to-world in OpenGL axes (docs/conventions.md); each is checked to be rigid (to
/// 10⁻³) and kept as written (`orthonormalized` removes the file's rounding where a caller needs exact rotations).
public struct TransformsDocument: Sendable {
    /// Intrinsics as a file gives them; any may be missing (a frame's own fields override the file's).
    public struct Intrinsics: Sendable, Equatable {
        /// Focal lengths and principal point, pixels (`fl_x`, `fl_y`, `cx`, `cy`).
        public var fx: Double?, fy: Double?, cx: Double?, cy: Double?
        /// Horizontal field of view, radians (NeRF-synthetic's `camera_angle_x`).
        public var angleX: Double?
        /// Image size, pixels (`w`, `h`).
        public var width: Int?, height: Int?
        /// The lens model (`camera_model`: PINHOLE, SIMPLE_PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV, OPENCV_FISHEYE) and its
        /// coefficients (`k1` … `k4`, `p1`, `p2`); instant-ngp's `is_fisheye` means OPENCV_FISHEYE.
        public var model: String?
        public var k1: Double?, k2: Double?, k3: Double?, k4: Double?, p1: Double?, p2: Double?
        public var isFisheye: Bool?
        /// The defaults.
        public init() {}

        /// The lens these fields describe. With no `camera_model`, coefficients mean OPENCV (fisheye with
        /// `is_fisheye`); all zero is an ideal pinhole.
        public func lens(file: URL, field: String) throws -> LensDistortion {
            let name = model ?? (isFisheye == true ? "OPENCV_FISHEYE" : "OPENCV")
            let (k1, k2, k3, k4, p1, p2) = (k1 ?? 0, k2 ?? 0, k3 ?? 0, k4 ?? 0, p1 ?? 0, p2 ?? 0)
            func refuse(_ keys: [(String, Double)]) throws {
                for (key, v) in keys where v != 0 {
                    throw DatasetError(file: file.path, message: "\(field)\(key): the \(name) model has no \(key) (it is \(v)); remove it or name the model that has it in camera_model")
                }
            }
            switch name {
            case "PINHOLE", "SIMPLE_PINHOLE":
                try refuse([("k1", k1), ("k2", k2), ("k3", k3), ("k4", k4), ("p1", p1), ("p2", p2)])
                return .none
            case "SIMPLE_RADIAL", "RADIAL":
                try refuse([("k3", k3), ("k4", k4), ("p1", p1), ("p2", p2)] + (name == "SIMPLE_RADIAL" ? [("k2", k2)] : []))
                let lens = LensDistortion.radial(k1: k1, k2: k2)
                return lens.isIdentity ? .none : lens
            case "OPENCV":
                try refuse([("k3", k3), ("k4", k4)])
                let lens = LensDistortion.opencv(k1: k1, k2: k2, p1: p1, p2: p2)
                return lens.isIdentity ? .none : lens
            case "OPENCV_FISHEYE":
                try refuse([("p1", p1), ("p2", p2)])
                return .fisheye(k1: k1, k2: k2, k3: k3, k4: k4)
            default:
                throw DatasetError(file: file.path, message: "\(field)camera_model: \"\(name)\" is not a lens model Orbit reads (PINHOLE, SIMPLE_PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV, OPENCV_FISHEYE); undistort the images first (e.g. colmap image_undistorter)")
            }
        }

        /// The horizontal focal length in pixels, from `fl_x` or from `camera_angle_x` and the width.
        public func focalX(file: URL) throws -> Double {
            if let fx { return fx }
            if let angleX, let width { return Double(width) / 2 / tan(angleX / 2) }
            throw DatasetError(file: file.path, message: "no intrinsics: give fl_x (pixels) or camera_angle_x (radians)")
        }

        /// These intrinsics with the fields set in `other` replacing them.
        public func overridden(by other: Intrinsics) -> Intrinsics {
            var out = self
            out.fx = other.fx ?? fx; out.fy = other.fy ?? fy; out.cx = other.cx ?? cx; out.cy = other.cy ?? cy
            out.angleX = other.angleX ?? angleX; out.width = other.width ?? width; out.height = other.height ?? height
            out.model = other.model ?? model; out.isFisheye = other.isFisheye ?? isFisheye
            out.k1 = other.k1 ?? k1; out.k2 = other.k2 ?? k2; out.k3 = other.k3 ?? k3; out.k4 = other.k4 ?? k4
            out.p1 = other.p1 ?? p1; out.p2 = other.p2 ?? p2
            return out
        }

        /// A complete camera for `pose`, with the principal point defaulting to the image centre and `fl_y` to
        /// `fl_x`; its range is checked (`CameraLimits`), naming `field` of `file` when out of range.
        public func camera(pose: Matrix4, file: URL, field: String) throws -> Camera {
            guard let w = width, let h = height else { throw DatasetError(file: file.path, message: "\(field): no image size; give w and h") }
            let fx = try focalX(file: file), fy = fy ?? fx
            let cx = cx ?? Double(w) / 2, cy = cy ?? Double(h) / 2
            try CameraLimits.check(width: w, height: h, fx: fx, fy: fy, cx: cx, cy: cy, origin: Vec3d(pose[0, 3], pose[1, 3], pose[2, 3]),
                                   file: file.path, field: field)
            let camera = Camera(width: w, height: h, fx: fx, fy: fy, cx: cx, cy: cy, cameraToWorld: pose,
                                distortion: try lens(file: file, field: field.isEmpty ? "" : field + "."))
            try CameraLimits.checkLens(camera, file: file.path, field: field)
            return camera
        }
    }

    /// One entry of `frames`.
    public struct Frame: Sendable {
        /// Index in the file's `frames`.
        public var index: Int
        /// `file_path` as written (nil when the frame has none).
        public var filePath: String?
        /// Camera-to-world as written, rigid to 10⁻³.
        public var pose: Matrix4
        /// The frame's own intrinsic fields (usually none).
        public var own: Intrinsics
    }

    /// The file read.
    public var file: URL
    /// The file-wide intrinsics.
    public var intrinsics: Intrinsics
    /// The frames, in file order.
    public var frames: [Frame]
    /// `train_filenames`, `val_filenames`, `test_filenames` as written; empty when the file has none.
    public var splitLists: [DatasetSplit: [String]]

    /// The intrinsics of frame `i`: the file's, overridden by the frame's own.
    public func intrinsics(of frame: Frame) -> Intrinsics { intrinsics.overridden(by: frame.own) }

    /// Reads and checks `file`. Errors are `DatasetError`s naming the file and the JSON field.
    public static func read(_ file: URL) throws -> TransformsDocument {
        let root = try loadObject(file)
        let intrinsics = try parseIntrinsics(root, file: file, field: "")
        guard let list = root["frames"] as? [Any] else { throw DatasetError(file: file.path, message: "frames: missing or not an array") }
        var frames: [Frame] = []
        for (i, element) in list.enumerated() {
            guard let frame = element as? [String: Any] else { throw DatasetError(file: file.path, message: "frames[\(i)]: expected an object") }
            var path: String? = nil
            if let value = frame["file_path"] {
                guard let text = value as? String else { throw DatasetError(file: file.path, message: "frames[\(i)].file_path: expected a string") }
                path = text
            }
            frames.append(Frame(index: i, filePath: path, pose: try pose(frame, file: file, index: i),
                                own: try parseIntrinsics(frame, file: file, field: "frames[\(i)].")))
        }
        var lists: [DatasetSplit: [String]] = [:]
        for split in DatasetSplit.allCases {
            guard let value = root["\(split.rawValue)_filenames"] else { continue }
            guard let names = value as? [String] else {
                throw DatasetError(file: file.path, message: "\(split.rawValue)_filenames: expected an array of file paths")
            }
            lists[split] = names
        }
        return TransformsDocument(file: file, intrinsics: intrinsics, frames: frames, splitLists: lists)
    }

    /// The document as a `transforms.json` Orbit and nerfstudio read: the file-wide intrinsics, each frame's
    /// `file_path`, `transform_matrix` and own intrinsics, and the split lists.
    public func json() -> JSONOutput {
        var members = Self.members(intrinsics)
        members.append(("frames", .array(frames.map { f in
            var entry: [(String, JSONOutput)] = []
            if let path = f.filePath { entry.append(("file_path", .string(path))) }
            entry.append(("transform_matrix", DatasetLayout.matrix(f.pose)))
            return .object(entry + Self.members(f.own))
        })))
        for split in DatasetSplit.allCases {
            if let names = splitLists[split] { members.append(("\(split.rawValue)_filenames", .array(names.map(JSONOutput.string)))) }
        }
        return .object(members)
    }

    static func members(_ k: Intrinsics) -> [(String, JSONOutput)] {
        var out: [(String, JSONOutput)] = []
        if let v = k.angleX { out.append(("camera_angle_x", .number(v))) }
        if let v = k.fx { out.append(("fl_x", .number(v))) }
        if let v = k.fy { out.append(("fl_y", .number(v))) }
        if let v = k.cx { out.append(("cx", .number(v))) }
        if let v = k.cy { out.append(("cy", .number(v))) }
        if let v = k.width { out.append(("w", .integer(v))) }
        if let v = k.height { out.append(("h", .integer(v))) }
        if let v = k.model { out.append(("camera_model", .string(v))) }
        if let v = k.isFisheye { out.append(("is_fisheye", .bool(v))) }
        for (key, value) in [("k1", k.k1), ("k2", k.k2), ("k3", k.k3), ("k4", k.k4), ("p1", k.p1), ("p2", k.p2)] {
            if let value { out.append((key, .number(value))) }
        }
        return out
    }

    // MARK: fields

    /// The top-level object of a strict JSON file.
    static func loadObject(_ url: URL) throws -> [String: Any] {
        let tree: JSONTree
        do { tree = try StrictJSON.read(url) } catch let e as JSONSyntaxError {
            throw DatasetError(file: url.path, message: "malformed JSON at line \(e.line), column \(e.column): \(e.message)")
        }
        guard let dict = tree.foundation as? [String: Any] else { throw DatasetError(file: url.path, message: "expected a JSON object at the top level") }
        return dict
    }

    /// The intrinsic fields of `dict`; `field` names `dict` in messages.
    static func parseIntrinsics(_ dict: [String: Any], file: URL, field: String) throws -> Intrinsics {
        var out = Intrinsics()
        func number(_ key: String) throws -> Double? {
            guard let value = dict[key] else { return nil }
            guard let n = value as? NSNumber else { throw DatasetError(file: file.path, message: "\(field)\(key): expected a number") }
            return n.doubleValue
        }
        func side(_ key: String) throws -> Int? {
            guard let d = try number(key) else { return nil }
            guard let v = CameraLimits.sideValue(d) else {
                throw DatasetError(file: file.path, message: "\(field)\(key): expected an image side of 1...65536 pixels, got \(d)")
            }
            return v
        }
        out.fx = try number("fl_x")
        out.fy = try number("fl_y")
        out.cx = try number("cx")
        out.cy = try number("cy")
        if let angle = try number("camera_angle_x") {
            guard angle.isFinite, angle > 1e-4, angle < Double.pi - 1e-4 else {
                throw DatasetError(file: file.path, message: "\(field)camera_angle_x: expected a field of view in radians in (0, π), got \(angle)")
            }
            out.angleX = angle
        }
        out.width = try side("w")
        out.height = try side("h")
        for key in ["k1", "k2", "k3", "k4", "p1", "p2"] {
            guard let v = try number(key) else { continue }
            guard v.isFinite, abs(v) <= 100 else {
                throw DatasetError(file: file.path, message: "\(field)\(key): expected a distortion coefficient in -100...100, got \(v)")
            }
            switch key {
            case "k1": out.k1 = v
            case "k2": out.k2 = v
            case "k3": out.k3 = v
            case "k4": out.k4 = v
            case "p1": out.p1 = v
            default: out.p2 = v
            }
        }
        if let value = dict["camera_model"] {
            guard let name = value as? String else { throw DatasetError(file: file.path, message: "\(field)camera_model: expected a string") }
            out.model = name
        }
        if let value = dict["is_fisheye"] {
            guard let flag = value as? Bool else { throw DatasetError(file: file.path, message: "\(field)is_fisheye: expected true or false") }
            out.isFisheye = flag
        }
        return out
    }

    /// A camera-to-world matrix: 3×4 or 4×4, finite, with an orthonormal right-handed rotation.
    static func pose(_ frame: [String: Any], file: URL, index: Int) throws -> Matrix4 {
        let where_ = "frames[\(index)].transform_matrix"
        guard let rows = frame["transform_matrix"] as? [[Any]], rows.count == 4 || rows.count == 3, rows.allSatisfy({ $0.count == 4 }) else {
            throw DatasetError(file: file.path, message: "\(where_): expected a 4x4 matrix")
        }
        var m = Matrix4.identity
        for r in 0..<rows.count {
            for c in 0..<4 {
                guard let v = (rows[r][c] as? NSNumber)?.doubleValue, v.isFinite else {
                    throw DatasetError(file: file.path, message: "\(where_): non-finite or non-numeric entry at [\(r)][\(c)]")
                }
                m[r, c] = v
            }
        }
        let x = Vec3d(m[0, 0], m[1, 0], m[2, 0]), y = Vec3d(m[0, 1], m[1, 1], m[2, 1]), z = Vec3d(m[0, 2], m[1, 2], m[2, 2])
        let tolerance = 1e-3
        guard abs(length(x) - 1) < tolerance, abs(length(y) - 1) < tolerance, abs(length(z) - 1) < tolerance,
              abs(dot(x, y)) < tolerance, abs(dot(y, z)) < tolerance, abs(dot(x, z)) < tolerance, m.linearDeterminant > 0,
              rows.count == 3 || (m[3, 0] == 0 && m[3, 1] == 0 && m[3, 2] == 0 && m[3, 3] == 1) else {
            throw DatasetError(file: file.path, message: "\(where_): not a rigid camera-to-world transform (rotation must be orthonormal with determinant 1)")
        }
        return m
    }

    /// `m` with its rotation made exactly orthonormal (z kept, then y, then x), the file's rounding removed.
    public static func orthonormalized(_ m: Matrix4) -> Matrix4 {
        var m = m
        let y = Vec3d(m[0, 1], m[1, 1], m[2, 1]), z = Vec3d(m[0, 2], m[1, 2], m[2, 2])
        let zn = normalize(z), xn = normalize(cross(y, zn)), yn = cross(zn, xn)
        for r in 0..<3 { m[r, 0] = xn[r]; m[r, 1] = yn[r]; m[r, 2] = zn[r] }
        return m
    }
}
