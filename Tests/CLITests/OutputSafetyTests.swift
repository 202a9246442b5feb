import Foundation
import Testing
import TestSupport

/// What every command promises about files already on disk (README, "Limits and safety").
@Suite struct OutputSafetyTests {
    func orbit(_ arguments: [String], in folder: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let folder else { return try runProcess(orbitExecutable(), arguments) }
        return try runProcess("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", folder.path, orbitExecutable()] + arguments)
    }

    @Test func dangerousOutputFoldersAreRefusedAndNothingIsDeleted() throws {
        let folder = TemporaryFolder()
        let precious = folder.write("keep", to: "precious.txt")
        for out in ["", ".", "..", "/"] {
            let result = try orbit(["generate", "--out", out, "--overwrite", "--quiet"], in: folder.url)
            #expect(result.status == 1 && result.stderr.hasPrefix("orbit: error: ") && result.stderr.split(separator: "\n").count == 1, "--out '\(out)': \(result.stderr)")
        }
        #expect(try String(contentsOf: precious, encoding: .utf8) == "keep")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["precious.txt"])
    }

    @Test func aSecondRunIntoABusyOutputIsRefused() throws {
        let folder = TemporaryFolder()
        let scene = folder.write(#"{"format": 1, "camera": {"width": 96, "height": 96}, "render": {"spp": 64}, "rig": {"type": "orbit", "frames": 24}, "objects": [{"type": "sphere"}]}"#, to: "s.json")
        let out = folder.path("clip")
        let first = Process()
        first.executableURL = URL(fileURLWithPath: orbitExecutable())
        first.arguments = ["generate", scene.path, "--out", out.path, "--quiet", "--threads", "1"]
        try first.run()
        // wait (by polling, not by time) until the first run holds its lock
        let lock = folder.path(".clip.lock")
        while !FileManager.default.fileExists(atPath: lock.path) && first.isRunning { usleep(1000) }
        let second = try orbit(["generate", scene.path, "--out", out.path, "--overwrite", "--quiet"])
        first.waitUntilExit()
        #expect(second.status == 1 && second.stderr.contains("another orbit process (pid \(first.processIdentifier)) is writing it"), "\(second.stderr)")
        #expect(first.terminationStatus == 0)
        // the first run's output is whole: every frame its transforms.json names exists
        let transforms = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("transforms.json"))) as! [String: Any]
        let frames = transforms["frames"] as! [[String: Any]]
        #expect(frames.count == 24)
        for f in frames { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(f["file_path"] as! String).path)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == ["clip", "s.json"])
    }

    @Test func reconstructKeepsTheOldOutputAndNeverReplacesItsDataset() throws {
        let folder = TemporaryFolder()
        let (dataset, field) = try smallReconstruction(in: folder)
        let before = try Data(contentsOf: field.appendingPathComponent("checkpoint.orbitrf"))
        // a dataset that fails to read: the old reconstruction stays as it was
        let broken = folder.write(#"{"fl_x": -5, "frames": []}"#, to: "broken/transforms.json").deletingLastPathComponent()
        let failed = try orbit(["reconstruct", broken.path, "--out", field.path, "--overwrite", "--quiet"])
        #expect(failed.status == 1)
        #expect(try Data(contentsOf: field.appendingPathComponent("checkpoint.orbitrf")) == before)
        // --out naming the dataset (or a folder holding it) is refused before anything is touched
        for out in [dataset.path, folder.url.path] {
            let refused = try orbit(["reconstruct", dataset.path, "--out", out, "--overwrite", "--quiet"])
            #expect(refused.status == 1 && refused.stderr.contains("an input of this command"), "\(refused.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: dataset.appendingPathComponent("transforms.json").path))

        // eval-mesh --json: no file replaced without --overwrite, never an input
        let truth = dataset.appendingPathComponent("ground_truth.ply")
        let json = folder.write("old", to: "m.json")
        var r = try orbit(["eval-mesh", truth.path, truth.path, "--samples", "2000", "--json", json.path])
        #expect(r.status == 1 && r.stderr.contains("already exists; pass --overwrite to replace it"))
        #expect(try String(contentsOf: json, encoding: .utf8) == "old")
        r = try orbit(["eval-mesh", truth.path, truth.path, "--samples", "2000", "--json", truth.path, "--overwrite"])
        #expect(r.status == 1 && r.stderr.contains("an input of this command"))
        r = try orbit(["eval-mesh", truth.path, truth.path, "--samples", "2000", "--json", json.path, "--overwrite"])
        let written = try String(contentsOf: json, encoding: .utf8)
        #expect(r.status == 0 && written.contains("chamfer_l1"))

        // render --cameras renders that file's cameras, and only those
        let cameras = folder.write(#"""
        {"fl_x": 20, "w": 24, "h": 16, "frames": [
          {"file_path": "a.png", "transform_matrix": [[1, 0, 0, 0], [0, 0, -1, -4], [0, 1, 0, 0], [0, 0, 0, 1]]},
          {"file_path": "b.png", "transform_matrix": [[-1, 0, 0, 0], [0, 0, 1, 4], [0, 1, 0, 0], [0, 0, 0, 1]]}]}
        """#, to: "cams/transforms.json")
        let renders = folder.path("renders")
        r = try orbit(["render", field.path, "--out", renders.path, "--cameras", cameras.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: renders.appendingPathComponent("renders").path).sorted() == ["a.png", "b.png"])
        let bad = folder.write(#"{"fl_x": 0, "w": 24, "h": 16, "frames": [{"file_path": "a.png", "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 4], [0, 0, 0, 1]]}]}"#, to: "bad.json")
        r = try orbit(["render", field.path, "--out", folder.path("r2").path, "--cameras", bad.path])
        #expect(r.status == 1 && r.stderr.contains("frames[0]: fl_x 0"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("r2").path))
    }
}

extension OutputSafetyTests {
    /// A full disk and a read-only file system are one line each, naming the destination (not its staging
    /// name), and leave nothing behind. Needs a small tmpfs, so it runs where the test may mount one (root).
    @Test func fullAndReadOnlyDisksAreOneLine() throws {
        guard getuid() == 0 else { return }
        let folder = TemporaryFolder()
        let small = folder.path("small"), readOnly = folder.path("ro")
        for (url, options) in [(small, "size=2M"), (readOnly, "ro,size=1M")] {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            guard try runProcess("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", url.path]).status == 0 else { return }
        }
        defer { for url in [small, readOnly] { _ = try? runProcess("/bin/umount", [url.path]) } }
        let full = try orbit(["generate", "--out", small.appendingPathComponent("clip").path, "--quiet"])
        #expect(full.status == 1 && full.stderr.contains("/small/clip/") && full.stderr.contains("the disk is full; free some space"), "\(full.stderr)")
        #expect(!full.stderr.contains(".partial-") && full.stderr.split(separator: "\n").count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: small.path).isEmpty)
        let ro = try orbit(["generate", "--out", readOnly.appendingPathComponent("clip").path, "--quiet"])
        #expect(ro.status == 1 && ro.stderr.contains("the file system is read-only; choose a writable location"), "\(ro.stderr)")
    }
}
