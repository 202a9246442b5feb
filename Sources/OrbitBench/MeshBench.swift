import Dataset
import Capture
import Exporters
import Foundation
import Geometry
import Reconstruction
import SceneFormat
import Surface
import Assets

/// Export benchmark: per workload, train for a fixed time, then time mesh extraction, simplification and point
/// clouds, measure file sizes, and score the mesh against the generator's ground truth where there is one.
enum MeshBench {
    static func run(scenes: [String], lego: String?, seconds: Double) throws {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-bench-mesh-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        print("orbit-bench: mesh export after \(Int(seconds)) s of training, \(threads) threads")
        print("| workload | iterations | test PSNR | level | extract s | simplify s | raw triangles | triangles | GLB MB | OBJ MB | PLY MB | points | points s | Chamfer-L1 | F-score@1% |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        var workloads: [(name: String, dataset: URL, truth: TriangleMesh?)] = []
        for name in scenes {
            let scene = name == "default" ? try BuiltinScenes.defaultScene() : try SceneLoader.load(path: "scenes/\(name).json")
            let dataset = work.appendingPathComponent(name)
            _ = try Generator(scene: scene).run(output: dataset, overwrite: true)
            let truth = try MeshImporter.load(dataset.appendingPathComponent("ground_truth.ply"), options: .init(upAxis: "z")).merged
            workloads.append((name, dataset, truth))
        }
        if let lego { workloads.append(("lego", URL(fileURLWithPath: lego), nil)) }

        for workload in workloads {
            let reader = DatasetReader(folder: workload.dataset)
            let train = try reader.read(.train)
            var test = try reader.read(.test)
            test.images = Array(test.images.prefix(20))
            var settings = TrainingSettings()
            settings.randomBackground = true   // as orbit run trains
            let trainer = Trainer(data: train, bounds: estimateBounds(train.images.map(\.camera)), settings: settings, threads: threads)
            var trained = 0.0
            while trained < seconds {
                let t0 = DispatchTime.now().uptimeNanoseconds
                trainer.step()
                trained += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            }
            var psnr = 0.0
            for (i, view) in test.images.enumerated() {
                let image = trainer.grid.render(camera: view.camera, background: test.background, stepScale: trainer.settings.stepScale,
                                                occupancy: trainer.occupancy, blockSize: trainer.settings.occupancyBlock, threads: threads)
                psnr += ImageMetrics.psnr(image.color, test.colors(i)) / Double(test.images.count)
            }
            let cameras = train.images.map(\.camera)
            let extraction = try trainer.grid.extractMesh(MeshExtractionSettings(), cameras: cameras)
            var sizes: [Double] = []
            for ext in ["glb", "obj", "ply"] {
                let url = work.appendingPathComponent("\(workload.name).\(ext)")
                let files = try MeshWriter.write(extraction.mesh, to: url, overwrite: true)
                sizes.append(files.reduce(0.0) { $0 + Double((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? Int) ?? 0) } / 1e6)
            }
            let points = trainer.grid.extractPointCloud(cameras: cameras, settings: PointCloudSettings(), stepScale: trainer.settings.stepScale,
                                                        occupancy: trainer.occupancy, blockSize: trainer.settings.occupancyBlock, threads: threads)
            var chamfer = "—", f = "—"
            if let truth = workload.truth,
               let c = SurfaceComparison.compare(predicted: extraction.mesh, groundTruth: truth, crop: Bounds3(lower: trainer.grid.lower, upper: trainer.grid.upper)) {
                chamfer = String(format: "%.4f", c.chamferL1)
                f = String(format: "%.3f (P %.3f, R %.3f)", c.fScore, c.precision, c.recall)
            }
            print(String(format: "| %@ | %d | %.2f | %.3g | %.2f | %.2f | %d | %d | %.1f | %.1f | %.1f | %d | %.1f | %@ | %@ |",
                         workload.name, trainer.iteration, psnr, extraction.threshold, extraction.extractionSeconds, extraction.simplificationSeconds,
                         extraction.rawTriangles, extraction.mesh.triangleCount, sizes[0], sizes[1], sizes[2], points.cloud.count, points.seconds, chamfer, f))
            fflush(nil)
        }
    }
}
