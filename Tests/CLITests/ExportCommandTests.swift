import Fixtures
import Foundation
import Testing
import TestSupport

/// A small reconstruction (32³ lattice, a few hundred iterations) of the small dataset, made once per test.
func smallReconstruction(in folder: TemporaryFolder) throws -> (dataset: URL, reconstruction: URL) {
    let dataset = try smallDataset(in: folder)
    let out = folder.path("field")
    let result = try runProcess(orbitExecutable(), ["reconstruct", dataset.path, "--out", out.path, "--coarse", "32", "--fine", "32",
                                                    "--iterations", "300", "--no-eval", "--random-background", "--quiet"])
    #expect(result.status == 0, "\(result.stderr)")
    return (dataset, out)
}

@Suite(.tags(.slow), .disabled(if: TestRun.fast, "slow: ./scripts/test --fast leaves it out")) struct ExportCommandTests {
    @Test func exportWritesMeshAndPointsAndEvalMeshScoresThem() throws {
        let folder = TemporaryFolder()
        let (dataset, field) = try smallReconstruction(in: folder)
        let mesh = folder.path("sphere.glb"), points = folder.path("sphere.ply")
        let export = try runProcess(orbitExecutable(), ["export", field.path, "--mesh", mesh.path, "--points", points.path, "--triangles", "2000"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("orbit: mesh: ") && export.stdout.contains("visibility surface") && export.stdout.contains("orbit: points: "))
        #expect(FileManager.default.fileExists(atPath: mesh.path) && FileManager.default.fileExists(atPath: points.path))
        let eval = try runProcess(orbitExecutable(), ["eval-mesh", mesh.path, dataset.appendingPathComponent("ground_truth.ply").path,
                                                      "--samples", "20000", "--json", folder.path("metrics.json").path])
        #expect(eval.status == 0, "\(eval.stderr)")
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.path("metrics.json"))) as! [String: Any]
        // a coarse, short reconstruction of a radius-0.8 sphere: within a few lattice steps (5 cm) everywhere
        let f = try #require(metrics["f_score"] as? Double), chamfer = try #require(metrics["chamfer_l1"] as? Double)
        #expect(f > 0.5 && chamfer < 0.02, "F \(f), Chamfer \(chamfer)")
        let normals = try #require(metrics["normal_consistency"] as? Double)
        #expect(normals > 0.8 && normals <= 1, "normal consistency \(normals)")
        // textured by default: the GLB carries the baked PNG; --texture none keeps vertex colours only
        #expect(export.stdout.contains("orbit: texture: 2048×2048"), "\(export.stdout)")
        let glb = try Data(contentsOf: mesh)
        #expect(glb.range(of: Data("baseColorTexture".utf8)) != nil && glb.range(of: Data("COLOR_0".utf8)) == nil)
        let plain = folder.path("plain.glb")
        #expect(try runProcess(orbitExecutable(), ["export", field.path, "--mesh", plain.path, "--triangles", "2000", "--texture", "none", "--quiet"]).status == 0)
        let plainData = try Data(contentsOf: plain)
        #expect(plainData.range(of: Data("baseColorTexture".utf8)) == nil && plainData.range(of: Data("COLOR_0".utf8)) != nil)
        let small = try runProcess(orbitExecutable(), ["export", field.path, "--mesh", folder.path("small.glb").path, "--texture-size", "10"])
        #expect(small.status != 0 && small.stderr.contains("--texture-size: expected 64...8192 texels, got 10"), "\(small.stderr)")
        // the same mesh as OBJ and PLY scores the same (each format's axes are undone on reading)
        for ext in ["obj", "ply"] {
            let other = folder.path("sphere-mesh.\(ext)")
            #expect(try runProcess(orbitExecutable(), ["export", field.path, "--mesh", other.path, "--triangles", "2000", "--quiet"]).status == 0)
            let again = try runProcess(orbitExecutable(), ["eval-mesh", other.path, dataset.appendingPathComponent("ground_truth.ply").path,
                                                           "--samples", "20000", "--json", folder.path("m-\(ext).json").path])
            let m = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.path("m-\(ext).json"))) as! [String: Any]
            #expect(again.status == 0 && abs((m["chamfer_l1"] as! Double) - chamfer) < 1e-4, "\(ext): \(again.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: folder.path("sphere-mesh_basecolor.png").path))
    }

    @Test func badExportsAreOneLineErrorsAndWriteNothing() throws {
        let folder = TemporaryFolder()
        let (_, field) = try smallReconstruction(in: folder)
        func run(_ args: [String]) throws -> (Int32, String) {
            let r = try runProcess(orbitExecutable(), ["export"] + args)
            return (r.status, r.stderr)
        }
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: folder.url.path))

        var (status, stderr) = try run([folder.path("dataset-not-field").path, "--mesh", folder.path("m.glb").path])
        #expect(status == 1 && stderr.hasSuffix("no checkpoint in this folder; is it the output folder of orbit reconstruct?\n") && stderr.split(separator: "\n").count == 1)
        (status, stderr) = try run([field.path, "--mesh", folder.path("m.stl").path])
        #expect(status == 1 && stderr == "orbit: error: \(folder.path("m.stl").path): unknown mesh extension '.stl'; use .glb, .gltf, .obj or .ply\n")
        (status, stderr) = try run([field.path, "--mesh", folder.path("m.glb").path, "--surface", "density", "--threshold", "1e9"])
        #expect(status == 1 && stderr.contains("the threshold 1e+09 gives an empty mesh") && stderr.contains("use a lower --threshold"))
        (status, stderr) = try run([field.path, "--mesh", folder.path("no/such/folder/m.glb").path])
        #expect(status == 1 && stderr.contains("does not exist; create it first"))
        (status, stderr) = try run([field.path])
        #expect(status != 0 && stderr.contains("give --mesh FILE and/or --points FILE"))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder.url.path)) == before)

        // an existing file is never replaced without --overwrite
        let existing = folder.write("keep", to: "m.obj")
        (status, stderr) = try run([field.path, "--mesh", existing.path])
        #expect(status == 1 && stderr.contains("m.obj: already exists; pass --overwrite to replace it"))
        #expect(try String(contentsOf: existing, encoding: .utf8) == "keep")
    }

    @Test func runMakesAReportWithEveryImageItShows() throws {
        let folder = TemporaryFolder()
        try FileManager.default.copyItem(at: repositoryRoot().appendingPathComponent("scenes/assets/uv_grid.png"), to: folder.path("uv_grid.png"))
        let scene = folder.write(#"""
        {"format": 1, "name": "tiny", "camera": {"width": 48, "height": 48, "fov_x_deg": 40}, "render": {"spp": 4, "max_bounces": 2},
         "rig": {"type": "orbit", "radius": 4, "elevations_deg": [-20, 30], "frames": 16, "test_every": 4},
         "background": {"type": "transparent"}, "lights": [{"type": "environment", "radiance": [1, 1, 1]}],
         "objects": [{"type": "sphere", "radius": 0.8, "material": {"base_color_texture": "uv_grid.png"}}]}
        """#, to: "tiny.json")
        let out = folder.path("run")
        // bounded by --iterations; --train-seconds is set beyond reach because orbit run's default is 240 s
        let result = try runProcess(orbitExecutable(), ["run", scene.path, "--out", out.path, "--train-seconds", "100000", "--iterations", "200", "--coarse", "32", "--fine", "32", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        let sources = html.components(separatedBy: "src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        // 8 held-out views (every 4th of 32) beside their renders; the mesh path traced, by its normals and textured from 4 views
        #expect(sources.count == 2 * 8 + 3 * 4)
        for source in sources { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(source).path), "missing \(source)") }
        let links = html.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        for link in links { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(link).path), "missing \(link)") }
        #expect(html.contains("<polyline") && html.contains("PSNR on held-out views") && html.contains("F-score"))
        let figures = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
        for key in ["test_psnr", "test_ssim", "chamfer_l1", "f_score", "normal_consistency", "mesh_psnr", "mesh_triangles", "points", "total_s"] {
            #expect(figures[key] != nil, "\(key)")
        }
        // a second run into the same folder is refused
        let again = try runProcess(orbitExecutable(), ["run", scene.path, "--out", out.path, "--quiet"])
        #expect(again.status == 1 && again.stderr.contains("pass --overwrite"))
        // the folder names its dataset where it now is: exporting again gives the run's own mesh, byte for byte
        // (the training cameras are found), and the orbit video renders
        let mesh = folder.path("again.glb")
        let export = try runProcess(orbitExecutable(), ["export", out.appendingPathComponent("reconstruction").path, "--mesh", mesh.path,
                                                        "--triangles", "300000", "--quiet"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(try Data(contentsOf: mesh) == Data(contentsOf: out.appendingPathComponent("export/mesh.glb")))
        let render = try runProcess(orbitExecutable(), ["render", out.appendingPathComponent("reconstruction").path, "--out", folder.path("orbit").path,
                                                        "--video-frames", "3"])
        #expect(render.status == 0, "\(render.stderr)")
    }
}
