import ArgumentParser
import Capture
import FileSafety
import Dataset
import Foundation
import SceneFormat

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a scene's orbit clip into a dataset folder (frames, video.mp4, transforms.json, ground truth).")

    @Argument(help: "Scene file (JSON, format 1). Default: the built-in default scene.")
    var scene: String?

    @OptionGroup var output: OutputOptions
    @OptionGroup var runOptions: RunOptions
    @OptionGroup var safety: SafetyOptions

    func run() throws {
        safety.apply()
        do { try OutputPolicy.check(output: output.out, inputs: scene.map { [$0] } ?? []) } catch { fail(error) }
        let scene = loadScene(scene)
        var generator = Generator(scene: scene)
        generator.threads = runOptions.count
        let reporter = ProgressReporter(label: "frames", quiet: runOptions.quiet)
        do {
            let summary = try generator.run(output: output.url, overwrite: output.overwrite) { reporter.report($0) }
            reporter.finish()
            if !runOptions.quiet {
                let perFrame = summary.renderSeconds / Double(summary.frames)
                print(String(format: "orbit: wrote %d frames of %dx%d to %@ (%.2f s/frame, %.1f M camera samples/s, %.1f s in all)",
                             summary.frames, summary.width, summary.height, output.out, perFrame,
                             Double(summary.cameraSamples) / summary.renderSeconds / 1e6, summary.totalSeconds))
                if let simulation = summary.simulation { print("orbit: \(simulation)") }
            }
        } catch {
            reporter.finish()
            fail(error)
        }
    }
}
