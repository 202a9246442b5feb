import ArgumentParser
import Capture
import FileSafety
import Dataset
import Foundation
import SceneFormat

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
