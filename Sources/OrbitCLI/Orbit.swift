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
        subcommands: [Generate.self, Validate.self, Simulate.self, RecipeCommand.self, Batch.self, ProcessVideo.self, ProcessImages.self, Consistency.self, Reconstruct.self, Render.self, Export.self, EvalMesh.self, Run.self])

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
