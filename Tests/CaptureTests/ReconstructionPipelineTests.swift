import Capture
import Foundation
import Geometry
import Reconstruction
import Testing
import TestSupport

/// 40 views of a textured sphere at 64×64 made by the generator; every 5th view is held out.
func smallDataset(in folder: TemporaryFolder) throws -> URL {
    let texture = repositoryRoot().appendingPathComponent("scenes/assets/uv_grid.png")
    let json = #"""
    {"format": 1, "camera": {"width": 64, "height": 64, "fov_x_deg": 40}, "render": {"spp": 16, "max_bounces": 2},
     "rig": {"type": "random", "count": 40, "radius": 4, "min_elevation_deg": -30, "max_elevation_deg": 80, "test_every": 5},
     "background": {"type": "transparent"}, "lights": [{"type": "environment", "top": [1.2, 1.2, 1.2], "bottom": [0.6, 0.6, 0.6]}],
     "objects": [{"type": "sphere", "radius": 0.8, "material": {"base_color_texture": "\#(texture.path)", "roughness": 0.8}}]}
    """#
    let scene = try decodeScene(json, file: "small.json", folder: folder.url)
    let out = folder.path("small")
    _ = try Generator(scene: scene).run(output: out, overwrite: false)
    return out
}

func smallSettings() -> TrainingSettings {
    var s = TrainingSettings()
    s.coarseResolution = 48; s.fineResolution = 64; s.upsampleIteration = 400; s.raysPerBatch = 1024
    return s
}

@Suite struct ReconstructionPipelineTests {
    @Test func generatedDatasetTrainsToTwentyFiveDecibelsOnHeldOutViews() throws {
        let folder = TemporaryFolder()
        let reader = DatasetReader(folder: try smallDataset(in: folder))
        let train = try reader.read(.train), test = try reader.read(.test)
        #expect(train.images.count == 32 && test.images.count == 8)
        let trainer = Trainer(data: train, bounds: estimateBounds(train.images.map(\.camera)), settings: smallSettings(), threads: 2)
        for _ in 0..<1500 { trainer.step() }
        var psnr = 0.0
        for (i, view) in test.images.enumerated() {
            let image = trainer.grid.render(camera: view.camera, background: test.background, stepScale: 0.5, occupancy: trainer.occupancy,
                                            blockSize: trainer.settings.occupancyBlock, threads: 2)
            let truth = test.colors(i)
            psnr += ImageMetrics.psnr(image.color, truth) / Double(test.images.count)
        }
        #expect(psnr >= 25, "held-out PSNR \(psnr) dB")
    }

    /// Training 2·n iterations equals training n, checkpointing, reading the checkpoint back and training n more —
    /// across the coarse-to-fine upsampling and occupancy refreshes.
    @Test func resumeEqualsAnUninterruptedRun() throws {
        let folder = TemporaryFolder()
        let train = try DatasetReader(folder: try smallDataset(in: folder)).read(.train)
        var settings = smallSettings()
        settings.upsampleIteration = 50
        settings.occupancyInterval = 16
        let bounds = estimateBounds(train.images.map(\.camera))
        let straight = Trainer(data: train, bounds: bounds, settings: settings, threads: 2)
        for _ in 0..<90 { straight.step() }

        let first = Trainer(data: train, bounds: bounds, settings: settings, threads: 2)
        for _ in 0..<37 { first.step() }
        let url = folder.path("checkpoint.orbitrf")
        try first.checkpoint.write(to: url)
        let resumed = Trainer(data: train, checkpoint: try Checkpoint.read(from: url), threads: 2)
        for _ in 0..<53 { resumed.step() }

        #expect(resumed.iteration == 90 && resumed.grid.resolution == 64)
        #expect(resumed.grid.density == straight.grid.density)
        #expect(resumed.grid.sh == straight.grid.sh)
        #expect(resumed.occupancy == straight.occupancy)
    }

    @Test func checkpointsOfAnotherVersionAreRefused() throws {
        let folder = TemporaryFolder()
        let train = try DatasetReader(folder: try smallDataset(in: folder)).read(.train)
        let trainer = Trainer(data: train, bounds: estimateBounds(train.images.map(\.camera)), settings: smallSettings(), threads: 1)
        let url = folder.path("c.orbitrf")
        try trainer.checkpoint.write(to: url)
        var data = try Data(contentsOf: url)
        data[8] = 9  // format version 9
        try data.write(to: url)
        #expect(throws: DatasetError(file: url.path, message: "checkpoint format version 9; this version of orbit reads version 1 (retrain, or use the orbit that wrote it)")) {
            try Checkpoint.read(from: url)
        }
        try Data(data.prefix(100)).write(to: url)
        #expect(throws: DatasetError.self) { try Checkpoint.read(from: url) }
    }
}

@Suite struct ReconstructCommandTests {
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

        let render = try runProcess(orbitExecutable(), ["render", out.path, "--out", folder.path("orbit").path, "--frames", "6"])
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
