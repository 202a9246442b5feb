import Capture
import Dataset
import FileSafety
import Fixtures
import Foundation
import Geometry
import Media
import Reconstruction
import SceneFormat
import Testing
import TestSupport

@Suite struct CommandLineTests {
    @Test func badSceneIsOneLineAndNonZeroExit() throws {
        let folder = TemporaryFolder()
        let scene = folder.write(#"{"format": 1, "rig": {"type": "orbit"}, "objects": [{"type": "sphere", "material": {"roughness": 1.7}}]}"#, to: "s.json")
        let out = folder.path("out")
        let result = try runProcess(orbitExecutable(), ["generate", scene.path, "--out", out.path])
        #expect(result.status == 1)
        #expect(result.stderr == "orbit: error: \(scene.path): objects[0].material.roughness: expected a number in 0...1, got 1.7\n")
        #expect(!FileManager.default.fileExists(atPath: out.path))

        let validate = try runProcess(orbitExecutable(), ["validate", scene.path])
        #expect(validate.status == 1 && validate.stderr.hasSuffix("got 1.7\n"))
    }

    @Test func generateAndValidateSucceedOnAGoodScene() throws {
        let folder = TemporaryFolder()
        let scene = folder.write(tinyScene, to: "tiny.json")
        let validate = try runProcess(orbitExecutable(), ["validate", scene.path])
        #expect(validate.status == 0)
        #expect(validate.stdout == "\(scene.path): ok (2 objects, 2 triangles, 3 views at 32x24)\n")
        let out = folder.path("out")
        let result = try runProcess(orbitExecutable(), ["generate", scene.path, "--out", out.path, "--quiet"])
        #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty)
        let again = try runProcess(orbitExecutable(), ["generate", scene.path, "--out", out.path, "--quiet"])
        #expect(again.status == 1)
        #expect(again.stderr == "orbit: error: \(out.path): the output folder is not empty; pass --overwrite to replace it\n")
    }

    /// `orbit consistency` on a folder that is not a dataset: one line naming the folder, exit 1, nothing written.
    @Test func consistencyRefusesAFolderWithoutCameras() throws {
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(at: folder.path("empty"), withIntermediateDirectories: true)
        let result = try runProcess(orbitExecutable(), ["consistency", folder.path("empty").path, "--out", folder.path("out").path, "--quiet"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("orbit: error: ") && result.stderr.contains("empty") && result.stderr.split(separator: "\n").count == 1,
                "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("out").path))
    }

    @Test func helpStatesUnitsAndDefaults() throws {
        let help = try runProcess(orbitExecutable(), ["generate", "--help"])
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for phrase in ["Default: the built-in default scene", "--overwrite", "--threads", "Default: all cores", "--quiet"] {
            #expect(text.contains(phrase), "\(phrase)")
        }
    }
}
