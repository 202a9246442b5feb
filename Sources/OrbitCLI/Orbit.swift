import ArgumentParser
import Capture
import FileSafety
import Dataset
import Foundation
import SceneFormat

@main
struct Orbit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orbit",
        abstract: "Consistent orbit clips from 3D scenes, and radiance fields fitted back to them.",
        version: orbitVersion,
        subcommands: [Generate.self, Validate.self, Simulate.self, ProcessVideo.self, Consistency.self, Reconstruct.self, Render.self, Export.self, EvalMesh.self, Run.self])

    /// Parses and runs a command. A wrong argument is one line, like every other error (ArgumentParser would
    /// print its message with the whole usage text); help and version requests print as usual.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            let subcommand = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") }
                .flatMap { name in configuration.subcommands.first { $0._commandName == name } }
            let help = subcommand.map { "orbit \($0._commandName) --help" } ?? "orbit --help"
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            FileHandle.standardError.write(Data("orbit: error: \(text) (see \(help))\n".utf8))
            Foundation.exit(1)
        }
    }
}

func loadScene(_ path: String?) -> Scene {
    do { return try path.map { try SceneLoader.load(path: $0) } ?? BuiltinScenes.defaultScene() } catch { fail(error) }
}

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

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a scene file and its assets without rendering.")

    @Argument(help: "Scene file (JSON, format 1).")
    var scene: String

    @OptionGroup var safety: SafetyOptions

    func run() throws {
        safety.apply()
        let loaded = loadScene(scene)
        do {
            let result = try Generator.validate(loaded)
            var frames = "\(result.views) views"
            if let physics = loaded.physics {
                if case .live = physics.clip { frames = "a live clip of \(max(1, Int((physics.duration * loaded.frameRate).rounded()))) frames" }
                else { frames += " of the frozen world" }
            }
            print("\(scene): ok (\(result.objects) objects, \(result.triangles) triangles, \(frames) at "
                + "\(loaded.camera.width)x\(loaded.camera.height))")
        } catch { fail(error) }
    }
}
