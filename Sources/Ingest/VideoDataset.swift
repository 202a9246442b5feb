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
    /// COLMAP's camera model, shared by all frames: SIMPLE_PINHOLE (one focal length), SIMPLE_RADIAL (and one
    /// radial term: the default) or OPENCV; distortion is written to transforms.json and used by Orbit's
    /// reconstruction for every ray (docs/conventions.md, "Lenses"). The default was measured (docs/video.md):
    /// on an ideal lens the radial term comes out near zero at no cost; on a distorted one it halves the
    /// rotation error and removes the focal length's bias.
    public enum CameraModel: String, Sendable, CaseIterable {
        case simplePinhole = "simple-pinhole", simpleRadial = "simple-radial", opencv
        var colmapName: String { self == .simplePinhole ? "SIMPLE_PINHOLE" : self == .simpleRadial ? "SIMPLE_RADIAL" : "OPENCV" }
    }
    public var cameraModel: CameraModel = .simpleRadial
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

        let selection = try select(reader: reader, video: video, known: known, settings: settings, progress: progress)
        let size = try writeFrames(selection.picks, reader: reader, video: video, into: folder, maxSide: settings.maxSide, progress: progress)

        let poses: RecoveredPoses
        if let known {
            var cameras: [Int: Camera] = [:]
            for index in selection.picks { if let c = known.camera(index, width: size.0, height: size.1) { cameras[index] = c } }
            poses = RecoveredPoses(cameras: cameras, source: known.description)
        } else {
            poses = try colmap!.recoverPoses(of: Set(selection.picks), in: folder, size: size, settings: settings, progress: progress)
        }

        let registered = selection.picks.filter { poses.cameras[$0] != nil }, unregistered = selection.picks.filter { poses.cameras[$0] == nil }
        let partial = registered.count * 2 < selection.picks.count
        let frames = registered.map { DatasetFrame(stem: stem($0), split: nil, camera: poses.cameras[$0]!) }
        if !frames.isEmpty {
            try Data((DatasetLayout.transforms(frames: frames, groundTruth: false).rendered() + "\n").utf8)
                .write(to: folder.url("transforms.json"))
        }
        var record = metadata(video: video, reader: reader, selection: selection, settings: settings, poses: poses, known: known != nil,
                              registered: registered.count, unregistered: unregistered)
        record.append(("timings", .object([("total_s", .number((seconds() * 1000).rounded() / 1000))])))
        try Data((JSONOutput.object(record).rendered() + "\n").utf8).write(to: folder.url("metadata.json"))
        try folder.commit()
        committed = true
        let summary = VideoSummary(decodedFrames: selection.decoded, selected: selection.picks, registered: registered, unregistered: unregistered,
                                   partial: partial, poseSource: poses.source, output: folder.destination, seconds: seconds())
        if partial {
            throw IngestError(.partiallyRegistered(registered: registered.count, selected: selection.picks.count, source: poses.source, output: output.path))
        }
        return summary
    }

    /// The frames chosen from a clip and what the choice was made from.
    struct Selection {
        /// Sharpness of every decoded frame.
        var scores: [Double]
        var decoded: Int
        /// Chosen frame indices, in order.
        var picks: [Int]
    }

    /// Pass 1: the sharpness of every frame (on a small copy), then the sharpest of each stretch among the frames
    /// that can have poses.
    static func select(reader: VideoReader, video: URL, known: KnownPoses?, settings: VideoSettings,
                       progress: (String) -> Void) throws -> Selection {
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
        return Selection(scores: scores, decoded: decoded, picks: picks)
    }

    static func stem(_ index: Int) -> String { String(format: "frame_%05d", index) }

    /// Pass 2: the chosen frames at full size (or `maxSide`) into `images/`; returns their size.
    static func writeFrames(_ picks: [Int], reader: VideoReader, video: URL, into folder: StagedFolder, maxSide: Int?,
                            progress: (String) -> Void) throws -> (Int, Int) {
        try folder.makeFolder(DatasetLayout.images)
        let chosen = Set(picks)
        var size = (0, 0)
        var written = 0
        try reader.forEachFrame(maxSide: maxSide) { index, image in
            guard chosen.contains(index) else { return true }
            try PNG.write(image, to: folder.url(DatasetLayout.path(DatasetLayout.images, stem(index))))
            size = (image.width, image.height)
            written += 1
            progress("writing frames [\(written)/\(picks.count)]")
            return written < picks.count
        }
        guard written == picks.count else { throw IngestError("\(video.path): decoding gave different frames on the second pass; the file may be damaged") }
        return size
    }

    /// `metadata.json` of a processed video, without its timings.
    static func metadata(video: URL, reader: VideoReader, selection: Selection, settings: VideoSettings, poses: RecoveredPoses, known: Bool,
                         registered: Int, unregistered: [Int]) -> [(String, JSONOutput)] {
        let n = poses.normalization
        return [
            ("status", .string(registered * 2 < selection.picks.count ? "partial" : "complete")),
            ("source", .object([
                ("file", .string(video.path)), ("container", .string(reader.info.container)), ("codec", .string(reader.info.codec)),
                ("width", .integer(reader.info.width)), ("height", .integer(reader.info.height)),
                ("frame_rate", .number((reader.info.frameRate * 1000).rounded() / 1000)), ("frames_decoded", .integer(selection.decoded)),
                ("damaged", .bool(reader.damaged)),
            ])),
            ("selection", .object([
                ("asked", .integer(settings.frames)), ("rule", .string("the sharpest frame (variance of the Laplacian) of each of N equal stretches")),
                ("frames", .array(selection.picks.map { .integer($0) })),
                ("sharpness", .array(selection.picks.map { .number(($0 < selection.scores.count ? selection.scores[$0] : 0).rounded()) })),
            ])),
            ("poses", .object([
                ("source", .string(poses.source)),
                ("registered", .integer(registered)), ("unregistered_frames", .array(unregistered.map { .integer($0) })),
                ("normalization", .object([
                    ("rule", .string(!known ? "+Z = the cameras' mean up; the middle 90% of COLMAP's points centred and scaled into [-1, 1]^3"
                                            : "none: the given poses are used as they are")),
                    ("scale", .number(n.scale)), ("center", .vector([n.center.x, n.center.y, n.center.z])),
                    ("rotation", DatasetLayout.matrix(n.rotation)),
                ])),
            ])),
        ]
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
