import ArgumentParser
import Capture
import Dataset
import FileSafety
import Foundation
import Geometry
import Ingest
import Media
import Reconstruction

/// A failure of a command's own checks, already worded for the user.
struct ReconstructError: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}

/// File names inside a reconstruction folder (documented in docs/reconstruction.md).
typealias ReconstructionLayout = ReconstructionFolder

struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a radiance field to a dataset folder (Orbit, nerfstudio, instant-ngp or NeRF-synthetic) on the CPU and evaluate it on the test split.",
        discussion: "A non-empty --out is refused unless --overwrite (replace it once the new reconstruction is complete) or --resume (continue its training).")

    @Argument(help: "Dataset folder with transforms.json or transforms_train.json, or a video file (processed first into OUT/dataset, as orbit process-video does).")
    var dataset: String

    @OptionGroup var videoOptions: VideoOptions

    @OptionGroup var output: OutputOptions
    @OptionGroup var field: FieldOptions

    @Option(help: "Seed of batch selection and sample jitter. Default 0.")
    var seed: UInt64 = 0

    @Option(help: "Shrink images by this integer factor (box filter). Default 1.")
    var downscale = 1

    @Option(help: "Write a checkpoint every this many iterations (and always at the end). Default 2000.")
    var checkpointEvery = 2000

    @Option(help: "Weight of the total-variation prior on density and SH (see docs/reconstruction.md). Default 0.")
    var tv: Float = 0

    @Option(help: "Weight of the distortion loss, which makes surfaces thin and dense (see docs/reconstruction.md). Default: the training default.")
    var distortion: Float?

    @Option(help: "Adam learning rate of the density at iteration 0. Default: the training default.")
    var lrDensity: Float?

    @Flag(help: "Behind transparent pixels, give each training ray a random background colour, so transparency is learned as empty space (better meshes; on NeRF-synthetic about 0.8 dB lower PSNR at two minutes).")
    var randomBackground = false

    @Flag(help: "Continue from the checkpoint in --out exactly where it stopped.")
    var resume = false

    @Flag(help: "Skip the evaluation on the test split.")
    var noEval = false

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        if downscale < 1 || downscale > 64 { throw ValidationError("--downscale: expected 1...64, got \(downscale)") }
        if resume && output.overwrite { throw ValidationError("--resume and --overwrite contradict each other; choose one") }
        if checkpointEvery < 1 { throw ValidationError("--checkpoint-every: expected at least 1, got \(checkpointEvery)") }
        if !(tv >= 0 && tv.isFinite) { throw ValidationError("--tv: expected a finite weight ≥ 0, got \(tv)") }
        if let distortion, !(distortion >= 0 && distortion.isFinite) { throw ValidationError("--distortion: expected a finite weight ≥ 0, got \(distortion)") }
        if let lrDensity, !(lrDensity > 0 && lrDensity.isFinite) { throw ValidationError("--lr-density: expected a finite rate > 0, got \(lrDensity)") }
    }

    @OptionGroup var safety: SafetyOptions

    func run() throws {
        safety.apply()
        do { try train() } catch { fail(error) }
    }

    /// The run's settings from the flags.
    var runSettings: TrainingRunSettings {
        var s = TrainingRunSettings()
        s.training.seed = seed
        s.training.coarseResolution = field.coarse
        s.training.fineResolution = field.fine
        s.training.tvDensity = tv
        s.training.tvSH = tv
        if let distortion { s.training.distortion = distortion }
        if let lrDensity { s.training.learningRateDensity = lrDensity }
        s.training.randomBackground = randomBackground
        s.iterations = field.iterations
        s.timeBudget = field.trainSeconds
        s.checkpointEvery = checkpointEvery
        s.downscale = downscale
        s.threads = runOptions.count
        s.evaluate = !noEval
        return s
    }

    /// Trains into --out: in place for a new folder or --resume (so a killed run can be resumed), staged
    /// beside it when --overwrite replaces a non-empty folder (so the old one stays until the new one is complete).
    @discardableResult
    func train() throws -> TrainingSummary {
        let out = output.out, overwrite = output.overwrite, quiet = runOptions.quiet
        let coarse = field.coarse, fine = field.fine
        let destination = try OutputPolicy.check(output: out, inputs: [dataset] + (videoOptions.poses.map { [$0] } ?? []))
        try ResourceBudget.current.checkMemory(Checkpoint.trainingBytes(resolution: max(coarse, fine)), for: "--coarse/--fine",
                                              what: "a lattice of \(max(coarse, fine))³ points with its Adam moments")
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: destination.path)) ?? []
        if !resume && !existing.isEmpty && !overwrite {
            throw ReconstructError("\(out): the output folder is not empty; pass --overwrite to replace it or --resume to continue")
        }
        let mode: TrainingDestination = resume ? .resume : existing.isEmpty ? .new : .replace
        // a video becomes a dataset inside the reconstruction first (kept on --resume)
        let prepare: ((URL) throws -> URL)? = !VideoDataset.isVideo(dataset) ? nil : { folder in
            let processed = folder.appendingPathComponent(ReconstructionFolder.dataset)
            if !(resume && FileManager.default.fileExists(atPath: processed.appendingPathComponent("transforms.json").path)) {
                let summary = try videoOptions.process(dataset, into: processed, overwrite: true, quiet: quiet)
                if !quiet {
                    print("orbit: \(summary.registered.count) of \(summary.selected.count) frames of \(dataset) registered (\(summary.poseSource)) → \(processed.path)")
                }
            }
            return processed
        }
        let reporter = ProgressReporter(label: "it", quiet: quiet)
        let summary = try TrainingRun(settings: runSettings).run(dataset: URL(fileURLWithPath: dataset), destination: destination, mode: mode,
                                                                 prepare: prepare) { event in
            switch event {
            case .iteration(let stats, let total, let seconds):
                reporter.report(JobProgress(done: stats.iteration, total: total, elapsed: seconds,
                                            detail: String(format: "loss %.5f  PSNR %.2f dB", stats.loss, stats.psnr)))
            case .trained:
                reporter.finish()
            }
        }
        if !quiet {
            if summary.noTestSplit && !noEval { print("orbit: the dataset has no test split; nothing to evaluate") }
            if let psnr = summary.testPSNR, let ssim = summary.testSSIM {
                print(String(format: "orbit: test split: PSNR %.2f dB, SSIM %.4f over %d views", psnr, ssim, summary.testViews))
            }
            print(String(format: "orbit: trained %d iterations in %.1f s", summary.iterations, summary.trainingSeconds))
            print("orbit: wrote \(out)")
        }
        return summary
    }
}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render views of a trained radiance field: an orbit video, or every camera of a transforms file.")

    @Argument(help: "Reconstruction folder (with checkpoint.orbitrf).")
    var reconstruction: String

    @OptionGroup var output: OutputOptions

    @Option(help: "Render the cameras of this transforms.json (nerfstudio / Orbit / NeRF-synthetic style) instead of an orbit.")
    var cameras: String?

    @Option(help: "Frames of the orbit video (without --cameras). Default 60.")
    var videoFrames = 60

    @Option(help: "Background colour behind the field, sRGB 0...1 as r,g,b. Default 1,1,1 (white).")
    var background = "1,1,1"

    @OptionGroup var runOptions: RunOptions

    @OptionGroup var safety: SafetyOptions

    func validate() throws {
        if videoFrames < 1 || videoFrames > 10_000 { throw ValidationError("--video-frames: expected 1...10000, got \(videoFrames)") }
        let parts = background.split(separator: ",").compactMap { Float($0) }
        guard parts.count == 3, parts.allSatisfy({ (0...1).contains($0) }) else {
            throw ValidationError("--background: expected r,g,b with each in 0...1, got \(background)")
        }
    }

    func run() throws {
        safety.apply()
        do {
            let threadCount = runOptions.count
            let parts = background.split(separator: ",").compactMap { Float($0) }
            let color = Vec3(parts[0], parts[1], parts[2])
            let destination = try OutputPolicy.check(output: output.out, inputs: [reconstruction] + (cameras.map { [$0] } ?? []))
            let checkpointURL = URL(fileURLWithPath: reconstruction).appendingPathComponent(ReconstructionLayout.checkpoint)
            let checkpoint = try Checkpoint.read(from: checkpointURL)
            // the cameras come first: a bad camera file fails before anything is written
            var views: [(name: String, camera: Camera)] = []
            if let cameras {
                let url = URL(fileURLWithPath: cameras)
                views = try DatasetReader(folder: url.deletingLastPathComponent()).cameras(in: url)
                let pixels = views.reduce(0) { $0 + $1.camera.width * $1.camera.height }
                try ResourceBudget.current.checkMemory(Checked.product([views.map { $0.camera.width * $0.camera.height }.max() ?? 0, 40]),
                                                      for: cameras, what: "rendering \(views.count) views (\(pixels) pixels)")
            }
            let folder = try StagedFolder(destination: destination, overwrite: output.overwrite)
            defer { folder.discard() }
            if !views.isEmpty {
                try folder.makeFolder("renders"); try folder.makeFolder("depth")
                for view in views {
                    let image = checkpoint.grid.render(camera: view.camera, background: color, stepScale: checkpoint.settings.stepScale,
                                                       occupancy: nil, blockSize: checkpoint.settings.occupancyBlock, threads: threadCount)
                    try FieldEvaluation.writeView(image, camera: view.camera, name: view.name, folder: folder.staging)
                }
            } else {
                let summaryURL = URL(fileURLWithPath: reconstruction).appendingPathComponent(ReconstructionLayout.summary)
                guard let dataset = try readJSON(summaryURL)["dataset"] as? String else {
                    throw DatasetError(file: summaryURL.path, message: "dataset: missing; render with --cameras FILE instead")
                }
                let train = try DatasetReader(folder: URL(fileURLWithPath: dataset)).read(.train)
                try FieldEvaluation.renderOrbitVideo(grid: checkpoint.grid, occupancy: nil, settings: checkpoint.settings, cameras: train.images.map(\.camera),
                                     background: color, to: folder.url("video.mp4"), frames: videoFrames, threads: threadCount)
            }
            try folder.commit()
        } catch { fail(error) }
    }
}
