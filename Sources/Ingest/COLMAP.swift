import Dataset
import FileSafety
import Foundation
import Geometry

/// An error of the video pipeline, naming the file or tool it concerns. Errors a caller fixes by changing a
/// setting carry a typed `reason`, so that a command line can name its own option; `description` says it in
/// the settings' words.
public struct IngestError: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A complete message that names no setting.
        case other(String)
        /// COLMAP is not on PATH (known poses would avoid it).
        case colmapMissing
        /// The known-poses path names nothing.
        case posesMissing(path: String)
        /// Fewer video frames have known poses than the frame count asked for.
        case fewerPosedFrames(video: String, posed: Int, decoded: Int, poses: String)
        /// The clip has fewer frames than the frame count asked for (`note` says whether it looks damaged).
        case fewerFrames(video: String, decoded: Int, asked: Int, note: String)
        /// Only some selected frames were registered; the partial dataset is kept.
        case partiallyRegistered(registered: Int, selected: Int, source: String, output: String)
    }
    public var reason: Reason
    public init(_ message: String) { reason = .other(message) }
    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .other(let message): return message
        case .colmapMissing:
            return "COLMAP is not installed (it recovers the camera poses): run scripts/bootstrap or apt-get install colmap; or give known poses"
        case .posesMissing(let path): return "\(path): known poses: no such file or folder"
        case let .fewerPosedFrames(video, posed, decoded, poses):
            return "\(video): only \(posed) of its \(decoded) frames have poses in \(poses); ask for at most \(posed) frames"
        case let .fewerFrames(video, decoded, asked, note):
            return "\(video): the clip has \(decoded) frames\(note), fewer than the \(asked) asked for; ask for \(decoded) or fewer"
        case let .partiallyRegistered(registered, selected, source, output):
            return "only \(registered) of \(selected) frames have poses (\(source)); the partial result is kept in \(output) and labelled "
                + "\"partial\" in its metadata.json. Try exhaustive matching, more frames, or a sharper clip"
        }
    }
}

/// Debian's `colmap` (3.8), run as a subprocess on the CPU. Its log goes to a file in the workspace; progress
/// is read from it while it runs.
public struct COLMAP: Sendable {
    public var executable: String

    /// Finds `colmap` on PATH; the error names the package to install.
    public static func locate() throws -> COLMAP {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/colmap"
            if FileManager.default.isExecutableFile(atPath: candidate) { return COLMAP(executable: candidate) }
        }
        throw IngestError(.colmapMissing)
    }

    /// Runs one COLMAP command, reporting "[done/total]" progress parsed from its log.
    public func run(_ arguments: [String], log: URL, progress: (String) -> Void = { _ in }) throws {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        var environment = ProcessInfo.processInfo.environment
        environment["QT_QPA_PLATFORM"] = "offscreen"   // no display is needed for the command-line tools
        process.environment = environment
        try process.run()
        var lastReported = ""
        let reader = try FileHandle(forReadingFrom: log)
        defer { try? reader.close() }
        while process.isRunning {
            Thread.sleep(forTimeInterval: 0.25)
            // only the end of the log: the latest "[done/total]"
            let end = (try? reader.seekToEnd()) ?? 0
            try? reader.seek(toOffset: end > 4096 ? end - 4096 : 0)
            if let data = try? reader.readToEnd(), let text = String(data: data, encoding: .utf8),
               let range = text.range(of: #"\[[0-9]+/[0-9]+\]"#, options: [.regularExpression, .backwards]) {
                let p = String(text[range])
                if p != lastReported { lastReported = p; progress(p) }
            }
        }
        guard process.terminationStatus == 0 else {
            let tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(3).joined(separator: " | ")
            // the workspace is discarded with the failed output: keep the log where the user can read it
            let kept = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-colmap-\(arguments.first ?? "run")-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log")
            let where_ = (try? FileManager.default.copyItem(at: log, to: kept)) != nil ? "its log is kept in \(kept.path)" : "its log could not be kept"
            throw IngestError("colmap \(arguments.first ?? "") failed (exit \(process.terminationStatus)); \(where_); it ends: \(tail)")
        }
    }

    /// `colmap -h`'s version line, e.g. "COLMAP 3.8".
    public func version() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-h"]
        let pipe = Pipe()
        process.standardOutput = pipe; process.standardError = pipe
        guard (try? process.run()) != nil else { return "COLMAP" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("COLMAP") }) else { return "COLMAP" }
        // "COLMAP 3.8 -- Structure-from-Motion and Multi-View Stereo (Commit ...)" → "COLMAP 3.8"
        return String(line.components(separatedBy: " --").first ?? String(line)).trimmingCharacters(in: .whitespaces)
    }
}

/// A COLMAP text model (cameras.txt, images.txt, points3D.txt): COLMAP's conventions, OpenCV camera axes,
/// world-to-camera poses.
public struct COLMAPModel: Sendable {
    public struct Intrinsics: Sendable {
        public var model: String
        public var width: Int, height: Int
        public var fx: Double, fy: Double, cx: Double, cy: Double
        /// The lens (none for the pinhole models).
        public var lens: LensDistortion
    }
    public struct Image: Sendable {
        public var name: String
        /// World-to-camera rotation (w, x, y, z) and translation: x_cam = R x_world + t.
        public var rotation: Quaternion
        public var translation: Vec3d
        public var camera: Int
    }
    public var cameras: [Int: Intrinsics]
    public var images: [Image]
    public var points: [Vec3d]

    public static func read(folder: URL) throws -> COLMAPModel {
        func lines(_ name: String) throws -> [Substring] {
            let url = folder.appendingPathComponent(name)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw IngestError("\(url.path): cannot read the COLMAP model file (a text model folder holds cameras.txt, images.txt, points3D.txt)")
            }
            return text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }
        }
        var cameras: [Int: Intrinsics] = [:]
        for line in try lines("cameras.txt") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let f = line.split(separator: " ")
            guard f.count >= 5, let id = Int(f[0]), let w = Int(f[2]), let h = Int(f[3]) else {
                throw IngestError("\(folder.path)/cameras.txt: malformed line \"\(line)\"")
            }
            let p = f[4...].compactMap { Double($0) }
            let model = String(f[1])
            let intrinsics: Intrinsics
            switch (model, p.count) {
            case ("SIMPLE_PINHOLE", 3): intrinsics = Intrinsics(model: model, width: w, height: h, fx: p[0], fy: p[0], cx: p[1], cy: p[2], lens: .none)
            case ("PINHOLE", 4): intrinsics = Intrinsics(model: model, width: w, height: h, fx: p[0], fy: p[1], cx: p[2], cy: p[3], lens: .none)
            case ("SIMPLE_RADIAL", 4): intrinsics = Intrinsics(model: model, width: w, height: h, fx: p[0], fy: p[0], cx: p[1], cy: p[2], lens: .radial(k1: p[3], k2: 0))
            case ("RADIAL", 5): intrinsics = Intrinsics(model: model, width: w, height: h, fx: p[0], fy: p[0], cx: p[1], cy: p[2], lens: .radial(k1: p[3], k2: p[4]))
            case ("OPENCV", 8): intrinsics = Intrinsics(model: model, width: w, height: h, fx: p[0], fy: p[1], cx: p[2], cy: p[3], lens: .opencv(k1: p[4], k2: p[5], p1: p[6], p2: p[7]))
            case ("OPENCV_FISHEYE", 8): intrinsics = Intrinsics(model: model, width: w, height: h, fx: p[0], fy: p[1], cx: p[2], cy: p[3], lens: .fisheye(k1: p[4], k2: p[5], k3: p[6], k4: p[7]))
            default: throw IngestError("\(folder.path)/cameras.txt: camera model \(model) with \(p.count) parameters is not supported (use PINHOLE, SIMPLE_PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV or OPENCV_FISHEYE)")
            }
            cameras[id] = intrinsics
        }
        var images: [Image] = []
        let imageLines = try lines("images.txt")
        var k = 0
        while k < imageLines.count {
            let line = imageLines[k]
            if line.trimmingCharacters(in: .whitespaces).isEmpty { k += 1; continue }
            let f = line.split(separator: " ")
            guard f.count >= 10, let qw = Double(f[1]), let qx = Double(f[2]), let qy = Double(f[3]), let qz = Double(f[4]),
                  let tx = Double(f[5]), let ty = Double(f[6]), let tz = Double(f[7]), let camera = Int(f[8]) else {
                throw IngestError("\(folder.path)/images.txt: malformed line \"\(line.prefix(80))\"")
            }
            guard cameras[camera] != nil else { throw IngestError("\(folder.path)/images.txt: image \(f[9]) names camera \(camera), which cameras.txt lacks") }
            images.append(Image(name: f[9...].joined(separator: " "), rotation: Quaternion(w: qw, x: qx, y: qy, z: qz).normalized,
                                translation: Vec3d(tx, ty, tz), camera: camera))
            k += 2   // the second line of each image lists its 2D points (possibly empty)
        }
        var points: [Vec3d] = []
        if let pointLines = try? lines("points3D.txt") {
            for line in pointLines {
                let f = line.split(separator: " ")
                if f.count >= 4, let x = Double(f[1]), let y = Double(f[2]), let z = Double(f[3]) { points.append(Vec3d(x, y, z)) }
            }
        }
        return COLMAPModel(cameras: cameras, images: images, points: points)
    }

    /// Camera-to-world in OpenGL camera axes (+X right, +Y up, looking down −Z), in COLMAP's world.
    public static func cameraToWorld(_ image: Image) -> Matrix4 {
        let r = image.rotation.matrix   // world → camera
        let center = -image.rotation.conjugate.rotate(image.translation)
        var m = Matrix4.identity
        for row in 0..<3 {
            // columns of Rᵀ are the camera axes in the world; OpenCV's +Y down and +Z forward flip to OpenGL's
            m[row, 0] = r[0, row]
            m[row, 1] = -r[1, row]
            m[row, 2] = -r[2, row]
            m[row, 3] = center[row]
        }
        return m
    }
}

/// The cameras of a video's chosen frames and where they came from.
struct RecoveredPoses {
    var cameras: [Int: Camera]
    var source: String
    var normalization = PoseNormalization.identity
}

extension COLMAP {
    /// Features, matching and mapping over the frames in `folder`'s `images/` (workspace `colmap/`), then the
    /// poses of the largest model, normalised (`PoseNormalization`), for the frames in `chosen`.
    /// `focalPrior` (pixels, e.g. from EXIF) starts COLMAP's shared camera at that focal length.
    func recoverPoses(of chosen: Set<Int>, in folder: StagedFolder, size: (Int, Int), settings: VideoSettings, focalPrior: Double? = nil,
                      progress: (String) -> Void) throws -> RecoveredPoses {
        let colmapVersion = version()
        let workspace = folder.url("colmap")
        try FileManager.default.createDirectory(at: workspace.appendingPathComponent("sparse"), withIntermediateDirectories: true)
        let database = workspace.appendingPathComponent("database.db").path
        let images = folder.url(DatasetLayout.images).path
        let threads = String(settings.threads)
        progress("COLMAP: features")
        var prior: [String] = []
        if let f = focalPrior {
            let (cx, cy) = (Double(size.0) / 2, Double(size.1) / 2)
            let params: [Double]
            switch settings.cameraModel {
            case .simplePinhole: params = [f, cx, cy]
            case .simpleRadial: params = [f, cx, cy, 0]
            case .opencv: params = [f, f, cx, cy, 0, 0, 0, 0]
            }
            prior = ["--ImageReader.camera_params", params.map { String(format: "%.6f", $0) }.joined(separator: ",")]
        }
        try run(["feature_extractor", "--database_path", database, "--image_path", images, "--ImageReader.single_camera", "1",
                 "--ImageReader.camera_model", settings.cameraModel.colmapName, "--SiftExtraction.use_gpu", "0", "--SiftExtraction.num_threads", threads] + prior,
                log: workspace.appendingPathComponent("features.log")) { progress("COLMAP: features \($0)") }
        progress("COLMAP: matching")
        try run(["\(settings.matching.rawValue)_matcher", "--database_path", database, "--SiftMatching.use_gpu", "0", "--SiftMatching.num_threads", threads],
                log: workspace.appendingPathComponent("matching.log")) { progress("COLMAP: matching \($0)") }
        progress("COLMAP: mapping")
        try run(["mapper", "--database_path", database, "--image_path", images, "--output_path", workspace.appendingPathComponent("sparse").path,
                 "--Mapper.num_threads", threads],
                log: workspace.appendingPathComponent("mapping.log")) { progress("COLMAP: mapping \($0)") }
        var result = RecoveredPoses(cameras: [:], source: "\(colmapVersion), \(settings.matching.rawValue) matching, one shared \(settings.cameraModel.colmapName) camera")
        guard let model = try largestModel(in: workspace) else { return result }
        var poses: [Int: (Matrix4, COLMAPModel.Intrinsics)] = [:]
        for image in model.images {
            guard let index = VideoDataset.frameIndex(image.name), chosen.contains(index), let intrinsics = model.cameras[image.camera] else { continue }
            poses[index] = (COLMAPModel.cameraToWorld(image), intrinsics)
        }
        result.normalization = PoseNormalization.estimate(cameras: poses.values.map(\.0), points: model.points)
        for (index, (pose, k)) in poses {
            result.cameras[index] = Camera(width: size.0, height: size.1, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy, cameraToWorld: result.normalization.pose(pose),
                                           distortion: k.lens.isIdentity ? .none : k.lens)
        }
        return result
    }

    /// The largest of the models the mapper made in `workspace/sparse`, converted to text beside it.
    func largestModel(in workspace: URL) throws -> COLMAPModel? {
        let models = ((try? FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("sparse").path)) ?? []).sorted()
        var best: COLMAPModel? = nil
        for name in models {
            let text = workspace.appendingPathComponent("text-\(name)")
            try FileManager.default.createDirectory(at: text, withIntermediateDirectories: true)
            try run(["model_converter", "--input_path", workspace.appendingPathComponent("sparse/\(name)").path, "--output_path", text.path,
                     "--output_type", "TXT"], log: workspace.appendingPathComponent("convert.log"))
            let model = try COLMAPModel.read(folder: text)
            if model.images.count > (best?.images.count ?? -1) { best = model }
        }
        return best
    }
}
