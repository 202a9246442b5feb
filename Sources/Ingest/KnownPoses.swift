import Dataset
import Foundation
import Geometry

/// Known poses for a video: a transforms.json (Orbit, nerfstudio, instant-ngp; frames matched to video frames
/// by the number in their file name, else by order) or a COLMAP text model (matched by image name).
struct KnownPoses: CustomStringConvertible {
    var poses: [Int: Matrix4]
    var intrinsics: (fx: Double, fy: Double, cx: Double, cy: Double, width: Int, height: Int)
    var description: String

    static func read(_ url: URL) throws -> KnownPoses {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw IngestError(.posesMissing(path: url.path))
        }
        if isFolder.boolValue {
            let model = try COLMAPModel.read(folder: url)
            guard let first = model.images.first, let k = model.cameras[first.camera] else { throw IngestError("\(url.path): the COLMAP model has no images") }
            var poses: [Int: Matrix4] = [:]
            let normalization = PoseNormalization.estimate(cameras: model.images.map(COLMAPModel.cameraToWorld), points: model.points)
            for image in model.images {
                if let index = VideoDataset.frameIndex(image.name) { poses[index] = normalization.pose(COLMAPModel.cameraToWorld(image)) }
            }
            return KnownPoses(poses: poses, intrinsics: (k.fx, k.fy, k.cx, k.cy, k.width, k.height), description: "COLMAP text model \(url.path)")
        }
        let document = try TransformsDocument.read(url)
        let k = document.intrinsics
        guard let w = k.width, let h = k.height else { throw DatasetError(file: url.path, message: "w, h: missing image size") }
        guard k.fx != nil || k.angleX != nil else { throw DatasetError(file: url.path, message: "fl_x: missing focal length (fl_x or camera_angle_x)") }
        var poses: [Int: Matrix4] = [:]
        var camera: Camera? = nil
        for frame in document.frames {
            let checked = try k.camera(pose: frame.pose, file: url, field: "frames[\(frame.index)]")
            camera = camera ?? checked
            poses[frame.filePath.flatMap(VideoDataset.frameIndex) ?? frame.index] = frame.pose
        }
        guard let first = camera else { throw DatasetError(file: url.path, message: "frames: no cameras") }
        return KnownPoses(poses: poses, intrinsics: (first.fx, first.fy, first.cx, first.cy, w, h),
                          description: "transforms.json \(url.path)")
    }

    /// The camera of video frame `index` for images of `width` × `height` (intrinsics scaled to that size).
    func camera(_ index: Int, width: Int, height: Int) -> Camera? {
        guard let pose = poses[index] else { return nil }
        let sx = Double(width) / Double(intrinsics.width), sy = Double(height) / Double(intrinsics.height)
        return Camera(width: width, height: height, fx: intrinsics.fx * sx, fy: intrinsics.fy * sy, cx: intrinsics.cx * sx, cy: intrinsics.cy * sy,
                      cameraToWorld: pose)
    }
}
