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

struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a radiance field to a dataset folder (Orbit, nerfstudio, instant-ngp or NeRF-synthetic) on the CPU and evaluate it on the test split.",
        discussion: "A non-empty --out is refused unless --overwrite (replace it once the new reconstruction is complete) or --resume (continue its training).")

    @Argument(help: "Dataset folder with transforms.json or transforms_train.json, a video file or a folder of photographs (processed first into OUT/dataset, as orbit process-video and process-images do).")
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

    @Option(help: "Weight of a total-variation prior on density and SH for the whole of training (see docs/reconstruction.md). Default: a prior on density alone, 1e-9 for the first 3500 iterations.")
    var tv: Float?

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
        if let tv, !(tv >= 0 && tv.isFinite) { throw ValidationError("--tv: expected a finite weight ≥ 0, got \(tv)") }
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
        if let tv { s.training.tvDensity = tv; s.training.tvSH = tv; s.training.tvDensityIterations = nil }
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
        let photos = ImageDataset.isPhotoFolder(dataset)
        let prepare: ((URL) throws -> URL)? = !(VideoDataset.isVideo(dataset) || photos) ? nil : { folder in
            let processed = folder.appendingPathComponent(ReconstructionFolder.dataset)
            if !(resume && FileManager.default.fileExists(atPath: processed.appendingPathComponent("transforms.json").path)) {
                if photos {
                    let summary = try ImageDataset.process(folder: URL(fileURLWithPath: dataset), output: processed, overwrite: true,
                                                           settings: videoOptions.photoSettings) { stage in
                        if !quiet, !stage.contains("[") { FileHandle.standardError.write(Data("orbit: \(stage)\n".utf8)) }
                    }
                    if !quiet { print("orbit: \(summary.registered.count) of \(summary.names.count) photographs in \(dataset) registered (\(summary.poseSource)) → \(processed.path)") }
                } else {
                    let summary = try videoOptions.process(dataset, into: processed, overwrite: true, quiet: quiet)
                    if !quiet {
                        print("orbit: \(summary.registered.count) of \(summary.selected.count) frames of \(dataset) registered (\(summary.poseSource)) → \(processed.path)")
                    }
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
