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

@Suite(.tags(.slow), .disabled(if: TestRun.fast, "slow: ./scripts/test --fast leaves it out")) struct ReconstructCommandTests {
    @Test func reconstructWritesCheckpointLogMetricsAndRendersThenResumes() throws {
        let folder = TemporaryFolder()
        let dataset = try smallDataset(in: folder)
        let out = folder.path("field")
        let args = ["reconstruct", dataset.path, "--out", out.path, "--coarse", "32", "--fine", "32", "--iterations", "120",
                    "--checkpoint-every", "60", "--quiet"]
        let first = try runProcess(orbitExecutable(), args)
        #expect(first.status == 0, "\(first.stderr)")
        for name in ["checkpoint.orbitrf", "training.csv", "reconstruction.json", "eval/eval.json", "eval/video.mp4",
                     "eval/renders/frame_00004.png", "eval/depth/frame_00004.png"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let csv = try String(contentsOf: out.appendingPathComponent("training.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "iteration,time_s,loss,psnr" && csv.count == 4)  // iterations 50, 100 and the last, 120
        let eval = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("eval/eval.json"))) as! [String: Any]
        #expect((eval["per_view"] as! [Any]).count == 8 && (eval["psnr"] as! Double) > 10)

        // a second run into the same folder is refused; --resume continues to a higher iteration count
        let again = try runProcess(orbitExecutable(), args)
        #expect(again.status == 1 && again.stderr.contains("--overwrite to replace it or --resume to continue"))
        let resumed = try runProcess(orbitExecutable(), ["reconstruct", dataset.path, "--out", out.path, "--iterations", "200", "--resume", "--quiet", "--no-eval"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("reconstruction.json"))) as! [String: Any]
        #expect(summary["iterations"] as? Int == 200)
        #expect(try String(contentsOf: out.appendingPathComponent("training.csv"), encoding: .utf8).split(separator: "\n").count == 6)  // + 150, 200

        let render = try runProcess(orbitExecutable(), ["render", out.path, "--out", folder.path("orbit").path, "--video-frames", "6"])
        #expect(render.status == 0, "\(render.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.path("orbit/video.mp4").path))
    }

    @Test func badDatasetIsOneLine() throws {
        let folder = TemporaryFolder()
        let result = try runProcess(orbitExecutable(), ["reconstruct", folder.path("nothing").path, "--out", folder.path("o").path])
        #expect(result.status == 1)
        #expect(result.stderr == "orbit: error: \(folder.path("nothing").path): no transforms.json or transforms_train.json; is this a dataset folder?\n")
    }
}
