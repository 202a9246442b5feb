import Capture
import Dataset
import Foundation
import Geometry
import Reconstruction
import Surface
import Testing
import ReconstructionTestSupport
import TestSupport

/// 40 views of a textured sphere at 64×64 made by the generator; every 5th view is held out. `scale` shrinks the
/// sphere and the camera distances alike (the images stay the same).
func smallDataset(in folder: TemporaryFolder, scale: Double = 1) throws -> URL {
    // assets live beside the scene (the path policy)
    let texture = folder.path("uv_grid.png")
    if !FileManager.default.fileExists(atPath: texture.path) {
        try FileManager.default.copyItem(at: repositoryRoot().appendingPathComponent("scenes/assets/uv_grid.png"), to: texture)
    }
    let json = #"""
    {"format": 1, "camera": {"width": 64, "height": 64, "fov_x_deg": 40}, "render": {"spp": 16, "max_bounces": 2},
     "rig": {"type": "random", "count": 40, "radius": \#(4 * scale), "min_elevation_deg": -30, "max_elevation_deg": 80, "test_every": 5},
     "background": {"type": "transparent"}, "lights": [{"type": "environment", "top": [1.2, 1.2, 1.2], "bottom": [0.6, 0.6, 0.6]}],
     "objects": [{"type": "sphere", "radius": \#(0.8 * scale), "material": {"base_color_texture": "uv_grid.png", "roughness": 0.8}}]}
    """#
    let scene = try decodeScene(json, file: "small.json", folder: folder.url)
    let out = folder.path("small")
    _ = try Generator(scene: scene).run(output: out, overwrite: false)
    return out
}

func smallSettings() -> TrainingSettings {
    var s = TrainingSettings()
    s.coarseResolution = 48; s.fineResolution = 64; s.upsampleIteration = 400; s.raysPerBatch = 1024
    s.randomBackground = true   // as orbit run trains for export
    return s
}

/// Held-out PSNR after `iterations` steps on `smallDataset(scale:)`.
func trainedPSNR(scale: Double, iterations: Int) throws -> Double {
    let folder = TemporaryFolder()
    return try heldOutPSNR(smallDataset(in: folder, scale: scale), settings: smallSettings(), iterations: iterations)
}

@Suite struct ReconstructionPipelineTests {
    /// The same images of a sphere ten times smaller: densities are scaled to the box (FieldScale), so it trains
    /// as well; with densities per metre it stalled at the background (a 10 cm object needs densities ten times
    /// larger from the same learning rates).
    @Test func aSmallSceneTrainsLikeALargeOne() throws {
        let small = try trainedPSNR(scale: 0.1, iterations: 800)
        #expect(small >= 24, "held-out PSNR \(small) dB at a tenth of the size")
    }

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

        // the exported surface is the sphere: its largest piece closed, at the right radius, with outward normals;
        // a field this coarse and short-trained may keep small pieces of fog near the box's edges, but they are
        // a small part of the area
        let extraction = try trainer.grid.extractMesh(MeshExtractionSettings(), cameras: train.images.map(\.camera))
        let mesh = extraction.mesh
        #expect(extraction.surface == .visibility)
        let spacing = trainer.grid.spacing.x
        let (labels, sizes) = MeshCleanup.components(mesh)
        var sphere = mesh
        sphere.indices = (0..<mesh.triangleCount).filter { labels[$0] == 0 }.flatMap { mesh.indices[(3 * $0)..<(3 * $0 + 3)] }
        sphere = MeshCleanup.compacted(sphere)
        #expect(Double(sizes[0]) > 0.9 * Double(mesh.triangleCount))
        let radii = sphere.positions.map { Double(length($0)) }
        let meanRadius = radii.reduce(0, +) / Double(radii.count)
        #expect(abs(meanRadius - 0.8) < 0.5 * spacing, "mean radius \(meanRadius), lattice spacing \(spacing)")
        // a 64³ lattice fitted to 64×64 views for seconds leaves a few dents a couple of lattice steps deep
        #expect(Double(radii.filter { abs($0 - 0.8) < 1.5 * spacing }.count) > 0.9 * Double(radii.count))
        #expect(Double(radii.filter { abs($0 - 0.8) < 3 * spacing }.count) > 0.98 * Double(radii.count))
        let (_, open) = edgeCounts(sphere)
        #expect(open == 0)
        let normalAgreement = zip(sphere.positions, sphere.normals).map { dot(normalize($0), $1) }.reduce(0, +) / Float(sphere.positions.count)
        #expect(normalAgreement > 0.85)
        let truth = Primitives.sphere(radius: 0.8)
        let comparison = try #require(SurfaceComparison.compare(predicted: mesh, groundTruth: truth, samples: 50_000, thresholdFraction: 0.02))
        #expect(comparison.fScore > 0.9 && comparison.recall > 0.95, "\(comparison)")

        // the point cloud lies on the sphere too, with outward normals
        let points = trainer.grid.extractPointCloud(cameras: train.images.map(\.camera), settings: PointCloudSettings(), stepScale: 0.5,
                                                    occupancy: trainer.occupancy, blockSize: trainer.settings.occupancyBlock, threads: 2)
        #expect(points.cloud.count > 500)
        let onSurface = points.cloud.positions.indices.filter { abs(Double(length(points.cloud.positions[$0])) - 0.8) < 2 * spacing }
        #expect(Double(onSurface.count) / Double(points.cloud.count) > 0.95)
        let pointNormals = onSurface.map { dot(normalize(points.cloud.positions[$0]), points.cloud.normals[$0]) }.reduce(0, +) / Float(onSurface.count)
        #expect(pointNormals > 0.9)
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
        #expect(throws: DatasetError(file: url.path, message: "checkpoint format version 9; this version of orbit reads version 2 (retrain, or use the orbit that wrote it)")) {
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

/// Edges used by other than two triangles (cracks or non-manifold edges), and the number of edges used once.
func edgeCounts(_ mesh: TriangleMesh) -> (bad: Int, open: Int) {
    var uses = [Int: Int]()
    let n = mesh.positions.count
    for t in 0..<mesh.triangleCount {
        for k in 0..<3 {
            let a = Int(mesh.indices[3 * t + k]), b = Int(mesh.indices[3 * t + (k + 1) % 3])
            uses[min(a, b) * n + max(a, b), default: 0] += 1
        }
    }
    return (uses.values.filter { $0 != 2 }.count, uses.values.filter { $0 == 1 }.count)
}
