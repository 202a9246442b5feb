import Exporters
import Foundation
import Geometry
import Pipeline
import SceneFormat

/// Export benchmark: `orbit run` (default settings, so the default training time) on each scene, then the figures
/// a user of the mesh looks at: the field's and the textured mesh's held-out PSNR, F-score, Chamfer-L1 and normal
/// consistency against the generator's ground truth, triangles, atlas charts, the export's time, and the sizes of
/// the mesh as GLB (texture inside), OBJ (+ MTL + PNG) and PLY.
enum MeshBench {
    static func run(scenes: [String], seconds: Double, keep: String?) throws {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let work = keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("orbit-bench-mesh-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: work) } }
        print("orbit-bench: orbit run with \(Int(seconds)) s of training, \(threads) threads")
        print("| scene | iterations | field PSNR | mesh PSNR | F-score@1% | Chamfer-L1 | normal consistency | triangles | charts | export s | GLB MB | OBJ+MTL+PNG MB | PLY MB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name in scenes {
            let scene = name == "default" ? try BuiltinScenes.defaultScene() : try SceneLoader.load(path: "scenes/\(name).json")
            var settings = OrbitRunSettings()
            settings.trainSeconds = seconds
            let out = work.appendingPathComponent(name)
            let summary = try OrbitRun(settings: settings).run(.scene(scene), destination: out, overwrite: true, title: name, inputLink: nil)
            let export = summary.export
            guard let mesh = export.mesh else { continue }
            func megabytes(_ files: [URL]) -> Double {
                files.reduce(0.0) { $0 + Double((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? Int) ?? 0) } / 1e6
            }
            let texture = export.texture.map { MeshTexture(size: $0.size, rgb: $0.rgb) }
            let textured = export.texturedMesh ?? mesh.mesh
            let obj = try MeshWriter.write(textured, to: work.appendingPathComponent("\(name)-mesh.obj"), texture: texture, overwrite: true)
            let ply = try MeshWriter.write(mesh.mesh, to: work.appendingPathComponent("\(name)-mesh.ply"), overwrite: true)
            let c = summary.comparison
            let seconds = (try? JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(RunFolder.figures))) as? [String: Any])?["export_s"] as? Double
            print(String(format: "| %@ | %d | %.2f | %@ | %@ | %@ | %@ | %d | %d | %.1f | %.1f | %.1f | %.1f |",
                         name, summary.training.iterations, summary.training.testPSNR ?? .nan,
                         summary.meshPSNR.map { String(format: "%.2f", $0) } ?? "—",
                         c.map { String(format: "%.3f (P %.3f, R %.3f)", $0.fScore, $0.precision, $0.recall) } ?? "—",
                         c.map { String(format: "%.3f%%", 100 * $0.chamferL1) } ?? "—",
                         c.map { String(format: "%.3f", $0.normalConsistency) } ?? "—",
                         mesh.mesh.triangleCount, export.atlasCharts, seconds ?? .nan,
                         megabytes([out.appendingPathComponent(RunFolder.mesh)]), megabytes(obj), megabytes(ply)))
            fflush(nil)
        }
    }

    /// Exports again, with this build, from the folders of earlier `orbit run`s (`orbit-bench mesh --keep`), and prints
    /// the mesh's figures and the export's time by phase: builds compared back to back on the same fields.
    static func reexport(runs: [String]) throws {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        print("orbit-bench: orbit export at the defaults (mesh + texture + points) from existing runs, \(threads) threads")
        print("| run | mesh PSNR | F-score@1% | Chamfer-L1 | normal consistency | triangles | charts | load s | surface s | atlas s | bake s | points s | export s |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for path in runs {
            let root = URL(fileURLWithPath: path)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-bench-export-\(ProcessInfo.processInfo.processIdentifier)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: out) }
            var settings = FieldExportSettings()
            settings.mesh = out.appendingPathComponent("mesh.glb")
            settings.points = out.appendingPathComponent("points.ply")
            settings.threads = threads
            let export = try FieldExport.run(reconstruction: root.appendingPathComponent(RunFolder.reconstruction), settings: settings)
            guard let mesh = export.mesh else { continue }
            let c = try OrbitRun.compareWithGroundTruth(mesh.mesh, run: root)
            let psnr = OrbitRun.texturedPSNR(export, run: root)
            print(String(format: "| %@ | %@ | %@ | %@ | %@ | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |",
                         root.lastPathComponent, psnr.map { String(format: "%.2f", $0) } ?? "—",
                         c.map { String(format: "%.3f (P %.3f, R %.3f)", $0.fScore, $0.precision, $0.recall) } ?? "—",
                         c.map { String(format: "%.3f%%", 100 * $0.chamferL1) } ?? "—",
                         c.map { String(format: "%.3f", $0.normalConsistency) } ?? "—",
                         mesh.mesh.triangleCount, export.atlasCharts, export.loadSeconds, mesh.extractionSeconds + mesh.simplificationSeconds,
                         export.atlasSeconds, export.texture?.seconds ?? 0, export.points?.seconds ?? 0, export.seconds))
            fflush(nil)
        }
    }
}
