import ArgumentParser
import Capture
import Dataset
import Exporters
import FileSafety
import Foundation
import Ingest
import Geometry
import Media
import Pipeline
import Reconstruction
import Surface

/// Folder names inside an `orbit run` output (documented in the README).
enum RunLayout {
    static let dataset = "dataset"
    static let reconstruction = "reconstruction"
    static let export = "export"
    static let mesh = "export/mesh.glb"
    static let points = "export/points.ply"
    static let meshViews = "report"
    static let report = "report.html"
    static let figures = "run.json"
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate → reconstruct → export in one go, ending with an HTML report (report.html).",
        discussion: """
        Writes dataset/ (orbit generate), reconstruction/ (orbit reconstruct, evaluated on the test split), \
        export/mesh.glb and export/points.ply (orbit export), report/ (renders of the mesh) and report.html with the \
        figures: PSNR and SSIM on held-out views, Chamfer-L1 and F-score of the mesh against the scene's ground truth \
        (inside the reconstruction's box), and the time of each step.
        """)

    @Argument(help: "Scene file (JSON, format 1), or a video file (frames and poses by orbit process-video). Default: the built-in default scene.")
    var scene: String?

    @Option(name: .shortAndLong, help: "Output folder. Refused if not empty, unless --overwrite.")
    var out: String

    @OptionGroup var videoOptions: VideoOptions

    @Option(help: "Seconds of training (the reconstruction's --time-budget). Default 240.")
    var trainSeconds = 240.0

    @Option(help: "Most training iterations. Default 20000.")
    var iterations = 20000

    @Option(help: "Lattice resolution of the field at the start and after upsampling. Defaults 128 and 256.")
    var coarse = 128
    @Option(help: "Lattice resolution after upsampling. Default 256.")
    var fine = 256

    @Option(help: "Simplify the mesh to at most this many triangles. Default 300000.")
    var triangles = 300_000

    @Flag(help: "Replace a non-empty output folder.")
    var overwrite = false

    @Option(help: "Threads. Default: all cores.")
    var threads: Int?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if !(trainSeconds > 0 && trainSeconds.isFinite) { throw ValidationError("--train-seconds: expected a positive number of seconds, got \(trainSeconds)") }
        if iterations < 1 { throw ValidationError("--iterations: expected at least 1, got \(iterations)") }
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads: expected 1...1024, got \(threads)") }
        if triangles < 0 { throw ValidationError("--triangles: expected 0 (no simplification) or more, got \(triangles)") }
        if coarse < 8 || coarse > 512 || fine < coarse || fine > 512 { throw ValidationError("--coarse/--fine: expected 8 ≤ coarse ≤ fine ≤ 512") }
    }

    @OptionGroup var safety: SafetyOptions

    func run() throws {
        safety.apply()
        do { try pipeline() } catch { fail(error) }
    }

    func pipeline() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let fm = FileManager.default
        let destination = try OutputPolicy.check(output: out, inputs: scene.map { [$0] } ?? [])
        let existing = (try? fm.contentsOfDirectory(atPath: destination.path)) ?? []
        if !existing.isEmpty && !overwrite { throw FileSafetyError(path: out, reason: .notEmpty) }
        // check the scene (or video) before touching anything on disk
        let video = scene.flatMap { VideoDataset.isVideo($0) ? $0 : nil }
        if let video {
            _ = try VideoReader(url: URL(fileURLWithPath: video))
        } else {
            let loaded = loadScene(scene)
            if case .live = loaded.physics?.clip {
                throw ValidationError("\(loaded.file): physics.clip: a live clip shows a moving world, which one radiance field cannot fit; use \"clip\": \"frozen\" for orbit run, or orbit generate for the clip")
            }
        }
        // everything is written into a staging folder that replaces --out only once the report is written
        let staged = try StagedFolder(destination: destination, overwrite: overwrite)
        defer { staged.discard() }
        let root = staged.staging
        let threadArguments = threads.map { ["--threads", "\($0)"] } ?? []
        let quietArguments = quiet ? ["--quiet"] : []
        // written unbuffered, so the stage lines stay in order with the stages' progress on standard error
        func say(_ text: String) { if !quiet { print("orbit: \(text)"); fflush(nil) } }

        let dataset = root.appendingPathComponent(RunLayout.dataset)
        if let video {
            say("1/4 process video")
            let summary = try videoOptions.process(video, into: dataset, overwrite: false, quiet: quiet)
            say("\(summary.registered.count) of \(summary.selected.count) frames registered (\(summary.poseSource))")
        } else {
            say("1/4 generate")
            try Generate.parse((scene.map { [$0] } ?? []) + ["--out", dataset.path] + threadArguments + quietArguments).run()
        }
        let generated = now()

        say("2/4 reconstruct")
        let reconstruction = root.appendingPathComponent(RunLayout.reconstruction)
        try Reconstruct.parse([dataset.path, "--out", reconstruction.path, "--time-budget", "\(trainSeconds)", "--iterations", "\(iterations)",
                                             "--coarse", "\(coarse)", "--fine", "\(fine)", "--random-background"]
                              + threadArguments + quietArguments).train()
        let reconstructed = now()

        say("3/4 export")
        try fm.createDirectory(at: root.appendingPathComponent(RunLayout.export), withIntermediateDirectories: true)
        let meshURL = root.appendingPathComponent(RunLayout.mesh), pointsURL = root.appendingPathComponent(RunLayout.points)
        let exported = try Export.parse([reconstruction.path, "--mesh", meshURL.path, "--points", pointsURL.path, "--triangles", "\(triangles)"]
                                        + threadArguments + quietArguments).export()
        if !quiet { print(exported.lines.joined(separator: "\n")) }
        let exportDone = now()

        say("4/4 report")
        let summary = try readJSON(reconstruction.appendingPathComponent(ReconstructionLayout.summary))
        let eval = try? readJSON(reconstruction.appendingPathComponent("\(ReconstructionLayout.eval)/eval.json"))
        let box = (summary["bounds"] as? [String: Any]).flatMap { b -> Bounds3? in
            guard let lo = b["min"] as? [Double], let hi = b["max"] as? [Double], lo.count == 3, hi.count == 3 else { return nil }
            return Bounds3(lower: Vec3d(lo[0], lo[1], lo[2]), upper: Vec3d(hi[0], hi[1], hi[2]))
        }
        var comparison: SurfaceComparison?
        let groundTruth = dataset.appendingPathComponent("ground_truth.ply")
        if let mesh = exported.mesh?.mesh, fm.fileExists(atPath: groundTruth.path) {   // videos have no ground truth
            let truth = try loadMeshForMetrics(groundTruth.path)
            comparison = SurfaceComparison.compare(predicted: mesh, groundTruth: truth, crop: box)
        }
        let previewFolder = root.appendingPathComponent(RunLayout.meshViews)
        try fm.createDirectory(at: previewFolder, withIntermediateDirectories: true)
        var meshViews: [String] = []
        if let mesh = exported.mesh?.mesh {
            let cameras = MeshPreview.ring(around: mesh.bounds, count: 4)
            let images = try MeshPreview.render(meshFile: meshURL, upAxis: MeshFormat.glb.upAxis, cameras: cameras,
                                                threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            for (i, image) in images.enumerated() {
                let name = "\(RunLayout.meshViews)/mesh_view_\(i + 1).png"
                try AtomicFile.write(to: root.appendingPathComponent(name)) { try PNG.write(image, to: $0) }
                meshViews.append(name)
            }
        }
        let reportDone = now()

        var report = RunReport(title: "Orbit run: \(scene.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "built-in default scene")")
        let psnr = eval?["psnr"] as? Double, ssim = eval?["ssim"] as? Double
        var figures: [(String, JSONOutput)] = [("orbit_version", .string(orbitVersion))]
        func add(_ label: String, _ value: String, _ key: String, _ json: JSONOutput) { report.figures.append((label, value)); figures.append((key, json)) }
        if let psnr, let ssim {
            add("PSNR on held-out views", String(format: "%.2f dB", psnr), "test_psnr", .number(psnr))
            add("SSIM on held-out views", String(format: "%.4f", ssim), "test_ssim", .number(ssim))
        }
        if let c = comparison {
            add("Chamfer-L1 (of the ground truth's diagonal)", String(format: "%.5f (%.2f%%)", c.chamferL1, 100 * c.chamferL1), "chamfer_l1", .number(c.chamferL1))
            add("F-score at 1% of the diagonal", String(format: "%.4f (precision %.4f, recall %.4f)", c.fScore, c.precision, c.recall), "f_score", .number(c.fScore))
        }
        if let m = exported.mesh {
            let level = m.surface == .visibility ? "visibility surface"
                : String(format: "density %.4g%@", m.threshold, m.automaticThreshold ? " (automatic)" : "")
            add("Mesh", "\(m.mesh.triangleCount) triangles, \(level)", "mesh_triangles", .integer(m.mesh.triangleCount))
        }
        if let p = exported.points { add("Point cloud", "\(p.cloud.count) points", "points", .integer(p.cloud.count)) }
        if let iterations = summary["iterations"] as? Int { add("Training iterations", "\(iterations)", "iterations", .integer(iterations)) }
        add(video == nil ? "Generate" : "Process video (frames and COLMAP)", String(format: "%.1f s", generated), "generate_s", .number(generated))
        add("Reconstruct (training and evaluation)", String(format: "%.1f s", reconstructed - generated), "reconstruct_s", .number(reconstructed - generated))
        add("Export (mesh and points)", String(format: "%.1f s", exportDone - reconstructed), "export_s", .number(exportDone - reconstructed))
        add("Metrics and mesh renders", String(format: "%.1f s", reportDone - exportDone), "report_s", .number(reportDone - exportDone))
        add("Total", String(format: "%.1f s", now()), "total_s", .number(now()))

        for view in (eval?["per_view"] as? [[String: Any]] ?? []) {
            guard let name = view["name"] as? String else { continue }
            let truth = "\(RunLayout.dataset)/\(DatasetLayout.images)/\(name).png"
            let render = "\(RunLayout.reconstruction)/\(ReconstructionLayout.eval)/renders/\(name).png"
            report.views.append(.init(truth: truth, render: render, name: name, psnr: view["psnr"] as? Double ?? .nan, ssim: view["ssim"] as? Double ?? .nan))
        }
        let csv = (try? String(contentsOf: reconstruction.appendingPathComponent(ReconstructionLayout.log), encoding: .utf8)) ?? ""
        report.curve = csv.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: ",")
            guard f.count >= 4, let it = Int(f[0]), let t = Double(f[1]), let p = Double(f[3]) else { return nil }
            return .init(iteration: it, seconds: t, psnr: p)
        }
        report.meshViews = meshViews
        let inputClip = video.map { URL(fileURLWithPath: $0).standardizedFileURL.absoluteString } ?? "\(RunLayout.dataset)/video.mp4"
        report.links = [("input clip", inputClip), ("reconstruction orbit (video.mp4)", "\(RunLayout.reconstruction)/\(ReconstructionLayout.eval)/video.mp4"),
                        ("mesh (GLB)", RunLayout.mesh), ("point cloud (PLY)", RunLayout.points)]
        if comparison != nil { report.links.append(("ground truth (PLY)", "\(RunLayout.dataset)/ground_truth.ply")) }
        report.links.append(("figures (JSON)", RunLayout.figures))
        try AtomicFile.write(Data((JSONOutput.object(figures).rendered() + "\n").utf8), to: root.appendingPathComponent(RunLayout.figures))
        try AtomicFile.write(Data(report.html().utf8), to: root.appendingPathComponent(RunLayout.report))
        try staged.commit()
        var line = "report → \(URL(fileURLWithPath: out).appendingPathComponent(RunLayout.report).path)"
        if let psnr { line += String(format: "; PSNR %.2f dB", psnr) }
        if let c = comparison { line += String(format: ", Chamfer-L1 %.4f, F-score %.3f", c.chamferL1, c.fScore) }
        say(line + String(format: "; %.0f s in all", now()))
    }
}

func readJSON(_ url: URL) throws -> [String: Any] {
    let tree: JSONTree
    do { tree = try StrictJSON.read(url) } catch let e as JSONSyntaxError {
        throw DatasetError(file: url.path, message: "malformed JSON at line \(e.line), column \(e.column): \(e.message)")
    }
    guard let object = tree.foundation as? [String: Any] else { throw DatasetError(file: url.path, message: "expected a JSON object") }
    return object
}
