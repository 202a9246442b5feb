import Dataset
import FileSafety
import Foundation
import Geometry
import Media

/// Settings of `orbit process-video`.
public struct VideoSettings: Sendable {
    /// Frames to keep, spread over the clip (the sharpest of each stretch). Default 60.
    public var frames = 60
    /// Take every frame of a shorter clip instead of failing (when the count was not asked for explicitly).
    public var fewerAllowed = false
    public enum Matching: String, Sendable, CaseIterable { case sequential, exhaustive }
    /// COLMAP's matching: neighbours in time (fast; videos) or every pair (slower; sparse or shuffled views).
    public var matching: Matching = .sequential
    /// Known poses instead of COLMAP: a transforms.json or a COLMAP text model folder.
    public var poses: URL? = nil
    /// COLMAP's camera model, shared by all frames. SIMPLE_PINHOLE (one focal length, the default) is what
    /// Orbit's reconstruction models; SIMPLE_RADIAL and OPENCV also fit lens distortion, written to
    /// transforms.json for tools that undistort (Orbit's reconstruction ignores it).
    public enum CameraModel: String, Sendable, CaseIterable {
        case simplePinhole = "simple-pinhole", simpleRadial = "simple-radial", opencv
        var colmapName: String { self == .simplePinhole ? "SIMPLE_PINHOLE" : self == .simpleRadial ? "SIMPLE_RADIAL" : "OPENCV" }
    }
    public var cameraModel: CameraModel = .simplePinhole
    /// Longest image side written; nil keeps the video's size.
    public var maxSide: Int? = nil
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public init() {}
}

/// What `VideoDataset.process` made.
public struct VideoSummary: Sendable {
    public var decodedFrames: Int
    public var selected: [Int]
    public var registered: [Int]
    public var unregistered: [Int]
    /// Fewer than half of the selected frames have poses: the folder is kept and labelled "partial".
    public var partial: Bool
    public var poseSource: String
    public var output: URL
    public var seconds: Double
}

/// Video → dataset folder: decode, pick sharp frames spread over the clip, recover poses with COLMAP (or take
/// known ones), and write `images/frame_<video index>.png`, `transforms.json` and `metadata.json`
/// (docs/video.md). The folder is staged and renamed into place; COLMAP's workspace stays in `colmap/`.
public enum VideoDataset {
    public static func process(video: URL, output: URL, overwrite: Bool, settings: VideoSettings,
                               progress: (String) -> Void = { _ in }) throws -> VideoSummary {
        let start = DispatchTime.now()
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        let reader = try VideoReader(url: video)
        // known poses are read first: a bad file fails before any decoding
        var known: KnownPoses? = nil
        if let poses = settings.poses { known = try KnownPoses.read(poses) }
        let colmap = known == nil ? try COLMAP.locate() : nil

        let folder = try StagedFolder(destination: output, overwrite: overwrite)
        var committed = false
        defer { if !committed { folder.discard() } }

        // pass 1: sharpness of every frame, on a small copy
        progress("scoring frames")
        var scores: [Double] = []
        try reader.forEachFrame(maxSide: 480) { _, image in scores.append(FrameSelection.sharpness(image)); return true }
        let decoded = scores.count
        let damagedNote = reader.damaged ? " (the file seems damaged or truncated: decoding stopped there)" : ""
        guard decoded > 0 else { throw IngestError("\(video.path): no frame could be decoded\(damagedNote)") }
        var candidates = Array(0..<decoded)
        if let known { candidates = candidates.filter { known.poses[$0] != nil } }
        let wanted = settings.fewerAllowed ? min(settings.frames, candidates.count) : settings.frames
        guard candidates.count >= 2 else {
            let what = known == nil ? "frames" : "frames with poses in \(settings.poses!.path)"
            throw IngestError("\(video.path): the clip has \(candidates.count) \(what)\(damagedNote); at least 2 are needed to recover cameras")
        }
        guard candidates.count >= wanted, wanted >= 2 else {
            if known != nil {
                throw IngestError(.fewerPosedFrames(video: video.path, posed: candidates.count, decoded: decoded, poses: settings.poses!.path))
            }
            throw IngestError(.fewerFrames(video: video.path, decoded: decoded, asked: settings.frames, note: damagedNote))
        }
        let picks = FrameSelection.select(scores: candidates.map { scores[$0] }, count: wanted).map { candidates[$0] }
        let chosen = Set(picks)

        try folder.makeFolder(DatasetLayout.images)
        func stem(_ index: Int) -> String { String(format: "frame_%05d", index) }

        // pass 2: the chosen frames at full size (or --max-side)
        var size = (0, 0)
        var written = 0
        try reader.forEachFrame(maxSide: settings.maxSide) { index, image in
            guard chosen.contains(index) else { return true }
            try PNG.write(image, to: folder.url(DatasetLayout.path(DatasetLayout.images, stem(index))))
            size = (image.width, image.height)
            written += 1
            progress("writing frames [\(written)/\(picks.count)]")
            return written < picks.count
        }
        guard written == picks.count else { throw IngestError("\(video.path): decoding gave different frames on the second pass; the file may be damaged") }

        // poses
        var cameras: [Int: Camera] = [:]
        var source: String
        var normalization = PoseNormalization.identity
        var colmapVersion: String? = nil
        var distortion = [0.0, 0, 0, 0]
        if let known {
            source = known.description
            for index in picks { if let c = known.camera(index, width: size.0, height: size.1) { cameras[index] = c } }
        } else {
            let colmap = colmap!
            colmapVersion = colmap.version()
            let workspace = folder.url("colmap")
            try FileManager.default.createDirectory(at: workspace.appendingPathComponent("sparse"), withIntermediateDirectories: true)
            let database = workspace.appendingPathComponent("database.db").path
            let images = folder.url(DatasetLayout.images).path
            let threads = String(settings.threads)
            progress("COLMAP: features")
            try colmap.run(["feature_extractor", "--database_path", database, "--image_path", images, "--ImageReader.single_camera", "1",
                            "--ImageReader.camera_model", settings.cameraModel.colmapName, "--SiftExtraction.use_gpu", "0", "--SiftExtraction.num_threads", threads],
                           log: workspace.appendingPathComponent("features.log")) { progress("COLMAP: features \($0)") }
            progress("COLMAP: matching")
            try colmap.run(["\(settings.matching.rawValue)_matcher", "--database_path", database, "--SiftMatching.use_gpu", "0",
                            "--SiftMatching.num_threads", threads],
                           log: workspace.appendingPathComponent("matching.log")) { progress("COLMAP: matching \($0)") }
            progress("COLMAP: mapping")
            try colmap.run(["mapper", "--database_path", database, "--image_path", images, "--output_path", workspace.appendingPathComponent("sparse").path,
                            "--Mapper.num_threads", threads],
                           log: workspace.appendingPathComponent("mapping.log")) { progress("COLMAP: mapping \($0)") }
            // the largest of the models the mapper made
            let models = ((try? FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("sparse").path)) ?? []).sorted()
            var best: COLMAPModel? = nil
            for name in models {
                let text = workspace.appendingPathComponent("text-\(name)")
                try FileManager.default.createDirectory(at: text, withIntermediateDirectories: true)
                try colmap.run(["model_converter", "--input_path", workspace.appendingPathComponent("sparse/\(name)").path, "--output_path", text.path,
                                "--output_type", "TXT"], log: workspace.appendingPathComponent("convert.log"))
                let model = try COLMAPModel.read(folder: text)
                if model.images.count > (best?.images.count ?? -1) { best = model }
            }
            source = "\(colmapVersion ?? "COLMAP"), \(settings.matching.rawValue) matching, one shared \(settings.cameraModel.colmapName) camera"
            if let model = best {
                var poses: [Int: (Matrix4, COLMAPModel.Intrinsics)] = [:]
                for image in model.images {
                    guard let index = frameIndex(image.name), chosen.contains(index), let intrinsics = model.cameras[image.camera] else { continue }
                    poses[index] = (COLMAPModel.cameraToWorld(image), intrinsics)
                }
                normalization = PoseNormalization.estimate(cameras: poses.values.map(\.0), points: model.points)
                for (index, (pose, k)) in poses {
                    cameras[index] = Camera(width: size.0, height: size.1, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy, cameraToWorld: normalization.pose(pose))
                    distortion = k.distortion
                }
            }
        }

        let registered = picks.filter { cameras[$0] != nil }, unregistered = picks.filter { cameras[$0] == nil }
        let partial = registered.count * 2 < picks.count
        let frames = registered.map { DatasetFrame(stem: stem($0), split: nil, camera: cameras[$0]!) }
        if !frames.isEmpty {
            try Data((DatasetLayout.transforms(frames: frames, groundTruth: false, distortion: distortion).rendered() + "\n").utf8).write(to: folder.url("transforms.json"))
        }
        let metadata = JSONOutput.object([
            ("status", .string(partial ? "partial" : "complete")),
            ("source", .object([
                ("file", .string(video.path)), ("container", .string(reader.info.container)), ("codec", .string(reader.info.codec)),
                ("width", .integer(reader.info.width)), ("height", .integer(reader.info.height)),
                ("frame_rate", .number((reader.info.frameRate * 1000).rounded() / 1000)), ("frames_decoded", .integer(decoded)),
                ("damaged", .bool(reader.damaged)),
            ])),
            ("selection", .object([
                ("asked", .integer(settings.frames)), ("rule", .string("the sharpest frame (variance of the Laplacian) of each of N equal stretches")),
                ("frames", .array(picks.map { .integer($0) })),
                ("sharpness", .array(picks.map { .number(($0 < scores.count ? scores[$0] : 0).rounded()) })),
            ])),
            ("poses", .object([
                ("source", .string(source)),
                ("registered", .integer(registered.count)), ("unregistered_frames", .array(unregistered.map { .integer($0) })),
                ("normalization", .object([
                    ("rule", .string(known == nil ? "+Z = the cameras' mean up; the middle 90% of COLMAP's points centred and scaled into [-1, 1]^3" : "none: the given poses are used as they are")),
                    ("scale", .number(normalization.scale)), ("center", .vector([normalization.center.x, normalization.center.y, normalization.center.z])),
                    ("rotation", DatasetLayout.matrix(normalization.rotation)),
                ])),
            ])),
            ("timings", .object([("total_s", .number((seconds() * 1000).rounded() / 1000))])),
        ])
        try Data((metadata.rendered() + "\n").utf8).write(to: folder.url("metadata.json"))
        try folder.commit()
        committed = true
        let summary = VideoSummary(decodedFrames: decoded, selected: picks, registered: registered, unregistered: unregistered, partial: partial,
                                   poseSource: source, output: folder.destination, seconds: seconds())
        if partial {
            throw IngestError(.partiallyRegistered(registered: registered.count, selected: picks.count, source: source, output: output.path))
        }
        return summary
    }

    /// Extensions treated as video files by `orbit reconstruct` and `orbit run`.
    public static let videoExtensions: Set<String> = ["mp4", "mov", "m4v", "mkv", "webm", "avi"]

    /// Whether `path` names a video file (by its extension) rather than a scene or dataset.
    public static func isVideo(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return videoExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased())
            && !(FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue)
    }

    /// The number in a file name such as `frame_00042.png` (the last run of digits), or nil.
    static func frameIndex(_ name: String) -> Int? {
        let stem = (name as NSString).deletingPathExtension
        guard let range = stem.range(of: #"[0-9]+$"#, options: .regularExpression) else { return nil }
        return Int(stem[range])
    }
}

/// Poses given with `--poses`: a transforms.json (Orbit, nerfstudio, instant-ngp; frames matched to video frames
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
