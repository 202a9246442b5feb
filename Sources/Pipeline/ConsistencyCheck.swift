import Dataset
import FileSafety
import Foundation
import Reconstruction

/// What a consistency check does: how long it trains, on how many threads.
public struct ConsistencySettings: Sendable {
    /// Seconds of training. Default 120.
    public var trainSeconds = 120.0
    /// Most training iterations. Default 20000.
    public var iterations = 20000
    /// Worker threads. Default: all cores.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// The field's hyperparameters (lattice sizes, seed, …).
    public var training = TrainingSettings()
    /// The defaults.
    public init() {}
}

/// How 3D-consistent a clip is (docs/consistency.md): its frames' agreement with one radiance field.
public struct ConsistencyReport: Sendable {
    /// The dataset folder measured.
    public var dataset: URL
    /// How `consistency.json` names it: relative to the folder holding `consistency.json` when it lies inside it
    /// (a video's dataset), else absolute.
    public var recordedDataset: String
    /// Frames that trained the field (the even ones).
    public var trainFrames: Int
    /// Frames held out and compared (the odd ones).
    public var heldOutFrames: Int
    /// Mean PSNR over the held-out frames, dB.
    public var meanPSNR: Double
    /// Mean SSIM over the held-out frames.
    public var meanSSIM: Double
    /// Each held-out frame's scores, in the clip's order.
    public var perFrame: [ViewScore]

    /// `consistency.json`; `clip` is what the user gave (a video or the dataset).
    public func json(clip: String, settings: ConsistencySettings) -> JSONOutput {
        .object([
            ("clip", .string(clip)), ("dataset", .string(recordedDataset)),
            ("protocol", .string("even frames train a radiance field (orbit reconstruct, \(Int(settings.trainSeconds)) s); odd frames are rendered from their cameras and compared")),
            ("train_frames", .integer(trainFrames)), ("held_out_frames", .integer(heldOutFrames)),
            ("mean_psnr", .number(meanPSNR)), ("mean_ssim", .number(meanSSIM)),
            ("per_frame", .array(perFrame.map { v in .object([("frame", .string(v.name)), ("psnr", .number(v.psnr)), ("ssim", .number(v.ssim))]) })),
        ])
    }
}

/// The consistency protocol: every other frame of a posed clip trains a field, the frames between are rendered
/// from their cameras and compared with the clip.
public enum ConsistencyCheck {
    /// Files inside the folder a check writes.
    public static let halves = "halves", reconstruction = "reconstruction", report = "consistency.json"

    /// Measures the dataset folder `dataset` (a `transforms.json` with at least 4 frames), writing the halves'
    /// camera file, the reconstruction and `consistency.json` into `folder` (which the caller stages).
    public static func measure(dataset: URL, in folder: URL, clip: String, settings: ConsistencySettings,
                               events: (TrainingEvent) -> Void = { _ in }) throws -> ConsistencyReport {
        // the clip's own paths obey the path policy; the halves file written here then names them absolutely
        _ = try DatasetReader(folder: dataset).hasFrames(in: .train)
        let transforms = dataset.appendingPathComponent("transforms.json")
        guard FileManager.default.fileExists(atPath: transforms.path) else {
            throw DatasetError(file: transforms.path, message: "missing: the consistency protocol needs a transforms.json")
        }
        var document = try TransformsDocument.read(transforms)
        guard document.frames.count >= 4 else {
            throw DatasetError(file: transforms.path, message: "expected a transforms.json with at least 4 frames")
        }
        // image paths from the halves folder: relative for a dataset inside the check's folder (a video's, which
        // moves with it when the folder is committed), absolute for the user's own dataset
        let root = folder.standardizedFileURL.path + "/"
        for k in document.frames.indices {
            guard let path = document.frames[k].filePath, !path.hasPrefix("/") else { continue }
            let image = dataset.appendingPathComponent(path).standardizedFileURL.path
            document.frames[k].filePath = image.hasPrefix(root) ? "../" + image.dropFirst(root.count) : image
        }
        let names = document.frames.compactMap(\.filePath)
        let even = names.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), odd = names.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        document.splitLists = [.train: even, .val: odd, .test: odd]
        let halves = folder.appendingPathComponent(Self.halves)
        try FileManager.default.createDirectory(at: halves, withIntermediateDirectories: true)
        try AtomicFile.write(Data((document.json().rendered() + "\n").utf8), to: halves.appendingPathComponent("transforms.json"))

        var run = TrainingRunSettings()
        run.training = settings.training
        run.iterations = settings.iterations
        run.timeBudget = settings.trainSeconds
        run.threads = settings.threads
        let policy = PathPolicy.current
        PathPolicy.current.allowOutside = true
        defer { PathPolicy.current = policy }
        let summary = try TrainingRun(settings: run).run(dataset: halves, destination: folder.appendingPathComponent(Self.reconstruction),
                                                         mode: .new, events: events)
        let report = ConsistencyReport(dataset: dataset, recordedDataset: dataset.standardizedFileURL.path.hasPrefix(root) ? String(dataset.standardizedFileURL.path.dropFirst(root.count)) : dataset.path, trainFrames: even.count, heldOutFrames: odd.count,
                                       meanPSNR: summary.testPSNR ?? .nan, meanSSIM: summary.testSSIM ?? .nan, perFrame: summary.testScores)
        try AtomicFile.write(Data((report.json(clip: clip, settings: settings).rendered() + "\n").utf8), to: folder.appendingPathComponent(Self.report))
        return report
    }
}
