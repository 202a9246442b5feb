import ArgumentParser
import Dataset
import FileSafety
import Foundation
import Ingest
import Pipeline
import Reconstruction

struct Consistency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "How 3D-consistent is a clip? Fit a radiance field to half of its frames and measure the other half.",
        discussion: """
        Takes a video (frames and poses by orbit process-video, or --poses) or a dataset folder with poses. Every \
        other frame trains the field; the frames between are rendered from their cameras and compared with the \
        clip: PSNR and SSIM per held-out frame, and their means, in OUT/consistency.json. A clip of one real 3D \
        world scores like its reconstruction quality; frames that disagree with each other (objects that move, \
        change shape or flicker between views) score lower.
        """)

    @Argument(help: "Video file, or a dataset folder with transforms.json.")
    var clip: String

    @OptionGroup var output: OutputOptions

    @OptionGroup var videoOptions: VideoOptions

    @OptionGroup var field: FieldOptions
    @OptionGroup var runOptions: RunOptions

    @OptionGroup var safety: SafetyOptions

    func run() throws {
        safety.apply()
        do { try measure() } catch { fail(error) }
    }

    func measure() throws {
        let quiet = runOptions.quiet
        let destination = try OutputPolicy.check(output: output.out, inputs: [clip] + (videoOptions.poses.map { [$0] } ?? []))
        let staged = try StagedFolder(destination: destination, overwrite: output.overwrite)
        defer { staged.discard() }
        var dataset = URL(fileURLWithPath: clip).standardizedFileURL
        if VideoDataset.isVideo(clip) {
            let processed = staged.staging.appendingPathComponent("dataset")
            _ = try videoOptions.process(clip, into: processed, overwrite: true, quiet: quiet)
            dataset = processed
        }
        var settings = ConsistencySettings()
        settings.trainSeconds = field.trainSeconds ?? 120
        settings.iterations = field.iterations
        settings.training.coarseResolution = field.coarse
        settings.training.fineResolution = field.fine
        settings.threads = runOptions.count
        let reporter = ProgressReporter(label: "it", quiet: quiet)
        let report = try ConsistencyCheck.measure(dataset: dataset, in: staged.staging, clip: clip, settings: settings) { event in
            switch event {
            case .iteration(let stats, let total, let seconds):
                reporter.report(JobProgress(done: stats.iteration, total: total, elapsed: seconds,
                                            detail: String(format: "loss %.5f  PSNR %.2f dB", stats.loss, stats.psnr)))
            case .trained: reporter.finish()
            }
        }
        try staged.commit()
        if !quiet {
            for v in report.perFrame { print(String(format: "  %@  PSNR %6.2f dB  SSIM %.4f", v.name, v.psnr, v.ssim)) }
        }
        print(String(format: "orbit: consistency of %@: PSNR %.2f dB, SSIM %.4f over %d held-out frames → %@", clip, report.meanPSNR, report.meanSSIM,
                     report.perFrame.count, output.url.appendingPathComponent(ConsistencyCheck.report).path))
    }
}
