import Dataset
import FileSafety
import Foundation
import Geometry
import Media

/// The reconstruction folder (docs/reconstruction.md), defined beside the checkpoint format it holds.
public enum ReconstructionFolder {
    /// The field and its optimiser state (docs/reconstruction.md).
    public static let checkpoint = "checkpoint.orbitrf"
    /// The training curve, every 50 iterations.
    public static let log = "training.csv"
    /// What was trained on and how, with the test figures.
    public static let summary = "reconstruction.json"
    /// The test split's renders, depths and scores, and the orbit video.
    public static let eval = "eval"
    /// Where a video is processed into, inside the folder.
    public static let dataset = "dataset"

    /// How `reconstruction.json` names the dataset a field was trained on: relative to the reconstruction
    /// folder when the dataset lies inside the folder that holds it (a video's dataset, `orbit run`'s and
    /// `orbit consistency`'s datasets, which are written beside the reconstruction in a staged folder and
    /// moved with it), else absolute.
    public static func recordedDataset(_ dataset: URL, reconstruction folder: URL) -> String {
        let d = dataset.standardizedFileURL.path, parent = folder.standardizedFileURL.deletingLastPathComponent().path
        guard d.hasPrefix(parent + "/") else { return d }
        let inside = String(d.dropFirst(parent.count + 1)), name = folder.standardizedFileURL.lastPathComponent
        return inside.hasPrefix(name + "/") ? String(inside.dropFirst(name.count + 1)) : "../" + inside
    }

    /// The dataset folder a `reconstruction.json` names, relative paths resolved against the reconstruction folder.
    public static func dataset(recorded: String, reconstruction folder: URL) -> URL {
        recorded.hasPrefix("/") ? URL(fileURLWithPath: recorded) : folder.appendingPathComponent(recorded).standardizedFileURL
    }
}

/// What a training run does beyond the training settings: how long, how often it checkpoints, what it reads.
public struct TrainingRunSettings: Sendable {
    /// Hyperparameters of a new field (ignored on resume, where the checkpoint's own are used).
    public var training = TrainingSettings()
    /// Training iterations in all (a resumed run counts those already done). Default 20000.
    public var iterations = 20000
    /// Stop after this many seconds of training (evaluation not counted). Default nil: no limit.
    public var timeBudget: Double? = nil
    /// A checkpoint every this many iterations, and always at the end. Default 2000.
    public var checkpointEvery = 2000
    /// Integer factor to shrink the images by (box filter). Default 1.
    public var downscale = 1
    /// Worker threads; results are deterministic for a given seed and thread count. Default: all cores.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Render and score the test split at the end. Default true.
    public var evaluate = true
    /// Frames of the novel-view orbit video written with the evaluation. Default 48.
    public var orbitVideoFrames = 48
    /// The defaults.
    public init() {}
}

/// How a training run treats its destination folder.
public enum TrainingDestination: Sendable {
    /// A new or empty folder, written in place under a lock (so a killed run can be resumed).
    case new
    /// A non-empty folder, replaced by the new reconstruction only once it is complete.
    case replace
    /// Continue from the folder's checkpoint, in place.
    case resume
}

/// What a training run did.
public struct TrainingSummary: Sendable {
    /// The dataset folder trained on (inside the reconstruction for a video).
    public var dataset: URL
    /// Iterations done in all.
    public var iterations: Int
    /// Seconds of training in all, resumed runs included.
    public var trainingSeconds: Double
    /// Views of the train split.
    public var trainViews: Int
    /// Views of the test split evaluated (0 without evaluation).
    public var testViews: Int
    /// Mean PSNR (dB) and SSIM over the test split; nil without evaluation or test split.
    public var testPSNR: Double?
    public var testSSIM: Double?
    /// Each test view's scores, in the split's order; empty without evaluation or test split.
    public var testScores: [ViewScore] = []
    /// True when the dataset has no test split (nothing was evaluated).
    public var noTestSplit: Bool
}

/// Reports of a running training run.
public enum TrainingEvent: Sendable {
    /// Every 50 iterations and at the last: the iteration's figures and the seconds of training so far.
    case iteration(IterationStats, total: Int, seconds: Double)
    /// The training loop is over; evaluation (if any) follows.
    case trained
}

/// One training run: reads a dataset folder, trains (or resumes) a field, checkpoints it on a schedule with
/// its log, evaluates it on the test split and writes the reconstruction folder. Everything a reconstruction
/// is, apart from the command line that asks for it.
public struct TrainingRun: Sendable {
    /// What the run does.
    public var settings: TrainingRunSettings
    /// A run with `settings`.
    public init(settings: TrainingRunSettings = TrainingRunSettings()) { self.settings = settings }

    /// Trains into `destination`. `prepare` runs first, inside the folder being written, and returns the
    /// dataset folder to read (the default returns `dataset`); a caller that must first make the dataset
    /// (from a video, say) makes it there.
    public func run(dataset: URL, destination: URL, mode: TrainingDestination,
                    prepare: ((URL) throws -> URL)? = nil, events: (TrainingEvent) -> Void = { _ in }) throws -> TrainingSummary {
        let fm = FileManager.default
        let checkpoint = destination.appendingPathComponent(ReconstructionFolder.checkpoint)
        switch mode {
        case .resume:
            guard fm.fileExists(atPath: checkpoint.path) else { throw TrainingRunError.nothingToResume(checkpoint.path) }
            let folder = try LockedFolder(destination, existing: true)
            defer { folder.finish() }
            return try train(dataset: dataset, in: destination, resume: true, prepare: prepare, events: events)
        case .replace:
            let staged = try StagedFolder(destination: destination, overwrite: true)
            defer { staged.discard() }
            let summary = try train(dataset: dataset, in: staged.staging, resume: false, prepare: prepare, events: events)
            try staged.commit()
            return summary
        case .new:
            let folder = try LockedFolder(destination, existing: false)
            do {
                let summary = try train(dataset: dataset, in: folder.url, resume: false, prepare: prepare, events: events)
                folder.finish()
                return summary
            } catch {
                // a run that wrote no checkpoint leaves nothing behind (one that did can be resumed)
                if !fm.fileExists(atPath: checkpoint.path) {
                    for name in [ReconstructionFolder.log, ReconstructionFolder.dataset] { try? fm.removeItem(at: destination.appendingPathComponent(name)) }
                }
                folder.abandon()
                throw error
            }
        }
    }

    func train(dataset: URL, in folder: URL, resume: Bool, prepare: ((URL) throws -> URL)?,
               events: (TrainingEvent) -> Void) throws -> TrainingSummary {
        let datasetURL = try prepare?(folder) ?? dataset
        let reader = DatasetReader(folder: datasetURL, downscale: settings.downscale)
        let train = try reader.read(.train)
        // the test split is read before training, so that a bad test image fails in seconds, not after the training
        let hasTest = try reader.hasFrames(in: .test)
        let test = settings.evaluate && hasTest ? try reader.read(.test) : nil

        var log = TrainingLog(url: folder.appendingPathComponent(ReconstructionFolder.log))
        let trainer: Trainer
        if resume {
            trainer = Trainer(data: train, checkpoint: try Checkpoint.read(from: folder.appendingPathComponent(ReconstructionFolder.checkpoint)),
                              threads: settings.threads)
            log.keep(upTo: trainer.iteration)
        } else {
            let bounds = try checkedBounds(train.images.map(\.camera), file: datasetURL.path)
            trainer = Trainer(data: train, bounds: bounds, settings: settings.training, threads: settings.threads)
        }
        let seconds = try trainLoop(trainer, log: &log, folder: folder, events: events)
        events(.trained)

        var summary = TrainingSummary(dataset: datasetURL, iterations: trainer.iteration, trainingSeconds: seconds, trainViews: train.images.count,
                                      testViews: test?.images.count ?? 0, testPSNR: nil, testSSIM: nil, noTestSplit: !hasTest)
        if let test {
            let result = try FieldEvaluation.evaluate(trainer: trainer, test: test, folder: folder.appendingPathComponent(ReconstructionFolder.eval),
                                                      orbitFrames: settings.orbitVideoFrames, threads: settings.threads)
            summary.testPSNR = result.psnr; summary.testSSIM = result.ssim; summary.testScores = result.perView
        }
        try writeSummary(summary, trainer: trainer, reader: reader, train: train, to: folder.appendingPathComponent(ReconstructionFolder.summary))
        return summary
    }

    /// Trains to the iteration count or time budget, checkpointing on the schedule; returns the seconds of
    /// training in all (earlier runs' included).
    func trainLoop(_ trainer: Trainer, log: inout TrainingLog, folder: URL, events: (TrainingEvent) -> Void) throws -> Double {
        let checkpointURL = folder.appendingPathComponent(ReconstructionFolder.checkpoint)
        let previous = log.lastSeconds
        var seconds = 0.0
        var lastCheckpoint = trainer.iteration
        func save() throws {
            try trainer.checkpoint.write(to: checkpointURL)
            try log.write()
            lastCheckpoint = trainer.iteration
        }
        while trainer.iteration < settings.iterations {
            if let budget = settings.timeBudget, seconds >= budget { break }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let stats = trainer.step()
            seconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if stats.iteration % 50 == 0 || stats.iteration == settings.iterations {
                log.append(stats, seconds: previous + seconds)
                events(.iteration(stats, total: settings.iterations, seconds: seconds))
            }
            if trainer.iteration - lastCheckpoint >= settings.checkpointEvery { try save() }
        }
        try save()
        return previous + seconds
    }

    func writeSummary(_ s: TrainingSummary, trainer: Trainer, reader: DatasetReader, train: PosedImages, to url: URL) throws {
        let g = trainer.grid
        var members: [(String, JSONOutput)] = [
            ("orbit_version", .string(orbitVersion)),
            ("dataset", .string(ReconstructionFolder.recordedDataset(s.dataset, reconstruction: url.deletingLastPathComponent()))),
            ("flavour", .string(try reader.flavour().rawValue)),
            ("train_views", .integer(train.images.count)),
            ("width", .integer(train.width)), ("height", .integer(train.height)), ("downscale", .integer(settings.downscale)),
            ("bounds", .object([("min", .vector([g.lower.x, g.lower.y, g.lower.z])), ("max", .vector([g.upper.x, g.upper.y, g.upper.z]))])),
            ("resolution", .integer(g.resolution)),
            ("iterations", .integer(trainer.iteration)),
            ("seed", .integer(Int(trainer.settings.seed))), ("threads", .integer(settings.threads)),
            ("training_s", .number((s.trainingSeconds * 1000).rounded() / 1000)),
        ]
        if let psnr = s.testPSNR, let ssim = s.testSSIM { members += [("test_psnr", .number(psnr)), ("test_ssim", .number(ssim))] }
        try AtomicFile.write(Data((JSONOutput.object(members).rendered() + "\n").utf8), to: url)
    }
}

/// A training run that cannot start, in words.
public enum TrainingRunError: Error, Sendable, CustomStringConvertible {
    case nothingToResume(String)
    /// The error in one line.
    public var description: String {
        switch self {
        case .nothingToResume(let path): return "\(path): no checkpoint to resume from; run without resuming first"
        }
    }
}

/// `training.csv`: iteration, seconds of training, loss and training PSNR every 50 iterations.
struct TrainingLog {
    let url: URL
    var rows: [String] = []

    init(url: URL) { self.url = url }

    /// Keeps the rows of an earlier run up to `iteration` (what comes after is retrained).
    mutating func keep(upTo iteration: Int) {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        rows = text.split(separator: "\n").dropFirst().map(String.init).filter { (Int($0.split(separator: ",").first ?? "") ?? .max) <= iteration }
    }

    var lastSeconds: Double { rows.last.flatMap { row in row.split(separator: ",").dropFirst().first.flatMap { Double($0) } } ?? 0 }

    mutating func append(_ stats: IterationStats, seconds: Double) {
        rows.append(String(format: "%d,%.3f,%.6g,%.4f", stats.iteration, seconds, stats.loss, stats.psnr))
    }

    func write() throws {
        try AtomicFile.write(Data(((["iteration,time_s,loss,psnr"] + rows).joined(separator: "\n") + "\n").utf8), to: url)
    }
}
