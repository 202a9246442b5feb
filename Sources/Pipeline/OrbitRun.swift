import Capture
import Dataset
import Exporters
import FileSafety
import Foundation
import Geometry
import Ingest
import Media
import Reconstruction
import SceneFormat
import Surface

/// Folder names inside an `orbit run` output (documented in the README).
public enum RunFolder {
    public static let dataset = "dataset"
    public static let reconstruction = "reconstruction"
    public static let export = "export"
    public static let mesh = "export/mesh.glb"
    public static let points = "export/points.ply"
    public static let meshViews = "report"
    public static let report = "report.html"
    public static let figures = "run.json"
}

/// What `OrbitRun` starts from.
public enum OrbitRunInput: Sendable {
    /// A scene (a frozen world at most: one radiance field cannot fit a moving one), rendered first.
    case scene(Scene)
    /// A video, turned into frames and poses first.
    case video(URL, VideoSettings)
    /// A folder of photographs, given poses by COLMAP first.
    case photos(URL, VideoSettings)
}

/// Settings of the three steps.
public struct OrbitRunSettings: Sendable {
    /// Seconds of training. Default 240.
    public var trainSeconds = 240.0
    /// Most training iterations. Default 20000.
    public var iterations = 20000
    /// Lattice resolution at the start and after upsampling. Defaults 128 and 256.
    public var coarse = 128
    public var fine = 256
    /// Simplify the mesh to at most this many triangles. Default 300000.
    public var triangles = 300_000
    /// Worker threads. Default: all cores.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// The defaults.
    public init() {}
}

/// Reports of a running `OrbitRun`.
public enum OrbitRunEvent: Sendable {
    /// A step begins ("1/4 generate", ...) or a step's one-line result.
    case stage(String)
    case rendering(JobProgress)
    case videoStage(String)
    case training(TrainingEvent)
    case exported(ExportSummary)
}

/// What an `OrbitRun` made.
public struct OrbitRunSummary: Sendable {
    public var training: TrainingSummary
    public var export: ExportSummary
    /// The mesh against the scene's ground truth inside the reconstruction's box (nil for videos).
    public var comparison: SurfaceComparison?
    /// PSNR of the unlit textured mesh on the held-out views (nil without a texture).
    public var meshPSNR: Double?
    public var seconds: Double
}

/// Scene or video → dataset → trained field → mesh and point cloud → report: the whole of `orbit run`, passing
/// Swift values from step to step, with everything written into one staged folder that replaces the
/// destination only when the report is written.
public struct OrbitRun: Sendable {
    public var settings: OrbitRunSettings
    public init(settings: OrbitRunSettings = OrbitRunSettings()) { self.settings = settings }

    public func run(_ input: OrbitRunInput, destination: URL, overwrite: Bool, title: String, inputLink: String?,
                    events: @escaping (OrbitRunEvent) -> Void = { _ in }) throws -> OrbitRunSummary {
        let start = DispatchTime.now().uptimeNanoseconds
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let staged = try StagedFolder(destination: destination, overwrite: overwrite)
        defer { staged.discard() }
        let root = staged.staging

        let dataset = root.appendingPathComponent(RunFolder.dataset)
        try makeDataset(input, into: dataset, events: events)
        let generated = now()

        events(.stage("2/4 reconstruct"))
        var training = TrainingRunSettings()
        training.training.coarseResolution = settings.coarse
        training.training.fineResolution = settings.fine
        training.training.randomBackground = true
        training.iterations = settings.iterations
        training.timeBudget = settings.trainSeconds
        training.threads = settings.threads
        let reconstruction = root.appendingPathComponent(RunFolder.reconstruction)
        let trained = try TrainingRun(settings: training).run(dataset: dataset, destination: reconstruction, mode: .new, events: { events(.training($0)) })
        let reconstructed = now()

        events(.stage("3/4 export"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent(RunFolder.export), withIntermediateDirectories: true)
        var export = FieldExportSettings()
        export.mesh = root.appendingPathComponent(RunFolder.mesh)
        export.points = root.appendingPathComponent(RunFolder.points)
        export.extraction.targetTriangles = settings.triangles
        export.threads = settings.threads
        var exported = try FieldExport.run(reconstruction: reconstruction, settings: export)
        // the files as they will be named once the staged folder is in place, not their staging names
        func final(_ url: URL) -> URL { destination.appendingPathComponent(String(url.path.dropFirst(root.path.count + 1))) }
        exported.meshFiles = exported.meshFiles.map(final)
        exported.pointsFile = exported.pointsFile.map(final)
        events(.exported(exported))
        let exportDone = now()

        events(.stage("4/4 report"))
        var report = try RunReportBuilder(root: root, training: trained, export: exported, threads: settings.threads)
        let comparison = report.comparison, meshPSNR = report.meshPSNR
        report.addTimes(generate: generated, reconstruct: reconstructed - generated, export: exportDone - reconstructed, isVideo: input.isVideo, now: now)
        try report.write(title: title, inputLink: inputLink)
        try staged.commit()
        return OrbitRunSummary(training: trained, export: exported, comparison: comparison, meshPSNR: meshPSNR, seconds: now())
    }

    func makeDataset(_ input: OrbitRunInput, into dataset: URL, events: @escaping (OrbitRunEvent) -> Void) throws {
        switch input {
        case .video(let url, let video):
            events(.stage("1/4 process video"))
            let summary = try VideoDataset.process(video: url, output: dataset, overwrite: false, settings: video) { events(.videoStage($0)) }
            events(.stage("\(summary.registered.count) of \(summary.selected.count) frames registered (\(summary.poseSource))"))
        case .photos(let url, let photos):
            events(.stage("1/4 process photographs"))
            let summary = try ImageDataset.process(folder: url, output: dataset, overwrite: false, settings: photos) { events(.videoStage($0)) }
            events(.stage("\(summary.registered.count) of \(summary.names.count) photographs registered (\(summary.poseSource))"))
        case .scene(let scene):
            events(.stage("1/4 generate"))
            var generator = Generator(scene: scene)
            generator.threads = settings.threads
            _ = try generator.run(output: dataset, overwrite: false) { events(.rendering($0)) }
        }
    }
}

extension OrbitRun {
    /// `mesh` (world coordinates) against the ground truth of the run in `root`, inside the region its field
    /// covers; nil when the run has no ground truth (a video).
    public static func compareWithGroundTruth(_ mesh: TriangleMesh, run root: URL) throws -> SurfaceComparison? {
        let groundTruth = root.appendingPathComponent("\(RunFolder.dataset)/ground_truth.ply")
        guard FileManager.default.fileExists(atPath: groundTruth.path) else { return nil }
        let summary = try StrictJSON.read(root.appendingPathComponent("\(RunFolder.reconstruction)/\(ReconstructionFolder.summary)"))
        return SurfaceComparison.compare(predicted: mesh, groundTruth: try FieldExport.loadForMetrics(groundTruth), crop: RunReportBuilder.box(summary))
    }

    /// The mean PSNR of an export's unlit textured mesh on the held-out views of the run in `root`; nil without a
    /// texture or held-out views.
    public static func texturedPSNR(_ export: ExportSummary, run root: URL) -> Double? {
        guard let textured = export.texturedMesh, let baked = export.texture,
              let test = try? DatasetReader(folder: root.appendingPathComponent(RunFolder.dataset)).read(.test) else { return nil }
        return MeshViews.psnr(textured, texture: TextureSampler(size: baked.size, rgb: baked.rgb), views: test)
    }
}

extension OrbitRunInput {
    /// True for a capture (a video or photographs): no scene, no ground truth.
    public var isVideo: Bool {
        switch self {
        case .video, .photos: return true
        case .scene: return false
        }
    }
}

/// The report of a run: figures (also written as run.json), held-out views beside their ground truth, the
/// training curve, renders of the exported mesh and links to the files.
struct RunReportBuilder {
    let root: URL
    let training: TrainingSummary
    let export: ExportSummary
    let threads: Int
    var comparison: SurfaceComparison?
    /// PSNR of the unlit textured mesh on the held-out views.
    var meshPSNR: Double?
    var meshViews: [String] = []
    var normalViews: [String] = []
    var texturedViews: [String] = []
    var report = RunReport(title: "")
    var figures: [(String, JSONOutput)] = [("orbit_version", .string(orbitVersion))]
    var eval: JSONTree?

    init(root: URL, training: TrainingSummary, export: ExportSummary, threads: Int) throws {
        self.root = root; self.training = training; self.export = export; self.threads = threads
        let reconstruction = root.appendingPathComponent(RunFolder.reconstruction)
        eval = try? StrictJSON.read(reconstruction.appendingPathComponent("\(ReconstructionFolder.eval)/eval.json"))
        if let mesh = export.mesh?.mesh { comparison = try OrbitRun.compareWithGroundTruth(mesh, run: root) }
        try renderMesh()
        try renderUnlit()
        addFigures()
    }

    /// The box a reconstruction's summary records (the field's region), nil when it records none.
    static func box(_ summary: JSONTree) -> Bounds3? {
        func vector(_ t: JSONTree?) -> [Double]? {
            guard case .array(let a)? = t else { return nil }
            let v = a.compactMap { if case .number(let d) = $0 { return d } else { return nil } }
            return v.count == 3 ? v : nil
        }
        guard let lo = vector(summary["bounds"]?["min"]), let hi = vector(summary["bounds"]?["max"]) else { return nil }
        return Bounds3(lower: Vec3d(lo[0], lo[1], lo[2]), upper: Vec3d(hi[0], hi[1], hi[2]))
    }

    mutating func renderMesh() throws {
        try FileManager.default.createDirectory(at: root.appendingPathComponent(RunFolder.meshViews), withIntermediateDirectories: true)
        guard let mesh = export.mesh?.mesh else { return }
        let images = try MeshPreview.render(meshFile: root.appendingPathComponent(RunFolder.mesh), upAxis: MeshFormat.glb.upAxis,
                                            cameras: MeshPreview.ring(around: mesh.bounds, count: 4), threads: threads)
        for (i, image) in images.enumerated() {
            let name = "\(RunFolder.meshViews)/mesh_view_\(i + 1).png"
            try AtomicFile.write(to: root.appendingPathComponent(name)) { try PNG.write(image, to: $0) }
            meshViews.append(name)
        }
    }

    /// The mesh's facets shaded by their normals and its texture unlit, from the same four viewpoints as the path
    /// traced views, and the textured mesh's PSNR on the held-out views.
    mutating func renderUnlit() throws {
        guard let mesh = export.mesh?.mesh else { return }
        let cameras = MeshPreview.ring(around: mesh.bounds, count: 4)
        for (i, camera) in cameras.enumerated() {
            let name = "\(RunFolder.meshViews)/mesh_normals_\(i + 1).png"
            let image = MeshViews.image(MeshViews.normals(mesh, camera: camera), width: camera.width, height: camera.height)
            try AtomicFile.write(to: root.appendingPathComponent(name)) { try PNG.write(image, to: $0) }
            normalViews.append(name)
        }
        guard let textured = export.texturedMesh, let baked = export.texture else { return }
        let sampler = TextureSampler(size: baked.size, rgb: baked.rgb)
        for (i, camera) in cameras.enumerated() {
            let name = "\(RunFolder.meshViews)/mesh_textured_\(i + 1).png"
            let image = MeshViews.image(MeshViews.textured(textured, texture: sampler, camera: camera, background: Vec3(1, 1, 1)),
                                        width: camera.width, height: camera.height)
            try AtomicFile.write(to: root.appendingPathComponent(name)) { try PNG.write(image, to: $0) }
            texturedViews.append(name)
        }
        meshPSNR = OrbitRun.texturedPSNR(export, run: root)
    }

    mutating func add(_ label: String, _ value: String, _ key: String, _ json: JSONOutput) {
        report.figures.append((label, value)); figures.append((key, json))
    }

    mutating func addFigures() {
        if case .number(let psnr)? = eval?["psnr"], case .number(let ssim)? = eval?["ssim"] {
            add("PSNR on held-out views", String(format: "%.2f dB", psnr), "test_psnr", .number(psnr))
            add("SSIM on held-out views", String(format: "%.4f", ssim), "test_ssim", .number(ssim))
        }
        if let meshPSNR {
            let field: String
            if case .number(let psnr)? = eval?["psnr"] { field = String(format: " (the field: %.2f dB)", psnr) } else { field = "" }
            add("Textured mesh PSNR on held-out views (unlit base colour)", String(format: "%.2f dB%@", meshPSNR, field), "mesh_psnr", .number(meshPSNR))
        }
        if let c = comparison {
            add("Chamfer-L1 (of the ground truth's diagonal)", String(format: "%.5f (%.2f%%)", c.chamferL1, 100 * c.chamferL1), "chamfer_l1", .number(c.chamferL1))
            add("F-score at 1% of the diagonal", String(format: "%.4f (precision %.4f, recall %.4f)", c.fScore, c.precision, c.recall), "f_score", .number(c.fScore))
            add("Normal consistency (pairs within 1% of the diagonal)", String(format: "%.4f", c.normalConsistency), "normal_consistency", .number(c.normalConsistency))
        }
        if let m = export.mesh {
            let level = m.surface == .visibility ? "visibility surface"
                : String(format: "density %.4g%@", m.threshold, m.automaticThreshold ? " (automatic)" : "")
            add("Mesh", "\(m.mesh.triangleCount) triangles, \(level)", "mesh_triangles", .integer(m.mesh.triangleCount))
            let topology = MeshTopology(m.mesh)
            add("Mesh surface (every edge in two triangles?)", topology.summary, "mesh_closed", .bool(topology.isClosed))
            figures += [("mesh_boundary_edges", .integer(topology.boundaryEdges)), ("mesh_nonmanifold_edges", .integer(topology.nonManifoldEdges)),
                        ("mesh_pieces", .integer(topology.pieces))]
        }
        if let p = export.points { add("Point cloud", "\(p.cloud.count) points", "points", .integer(p.cloud.count)) }
        add("Training iterations", "\(training.iterations)", "iterations", .integer(training.iterations))
    }

    mutating func addTimes(generate: Double, reconstruct: Double, export: Double, isVideo: Bool, now: () -> Double) {
        let reportDone = now()
        add(isVideo ? "Process the capture (frames and COLMAP)" : "Generate", String(format: "%.1f s", generate), "generate_s", .number(generate))
        add("Reconstruct (training and evaluation)", String(format: "%.1f s", reconstruct), "reconstruct_s", .number(reconstruct))
        add("Export (mesh and points)", String(format: "%.1f s", export), "export_s", .number(export))
        let reportSeconds = reportDone - generate - reconstruct - export
        add("Metrics and mesh renders", String(format: "%.1f s", reportSeconds), "report_s", .number(reportSeconds))
        add("Total", String(format: "%.1f s", now()), "total_s", .number(now()))
    }

    mutating func write(title: String, inputLink: String?) throws {
        report.title = title
        if case .array(let views)? = eval?["per_view"] {
            for view in views {
                guard case .string(let name)? = view["name"] else { continue }
                var psnr = Double.nan, ssim = Double.nan
                if case .number(let p)? = view["psnr"] { psnr = p }
                if case .number(let s)? = view["ssim"] { ssim = s }
                report.views.append(.init(truth: "\(RunFolder.dataset)/\(DatasetLayout.images)/\(name).png",
                                          render: "\(RunFolder.reconstruction)/\(ReconstructionFolder.eval)/renders/\(name).png",
                                          name: name, psnr: psnr, ssim: ssim))
            }
        }
        let csv = (try? String(contentsOf: root.appendingPathComponent("\(RunFolder.reconstruction)/\(ReconstructionFolder.log)"), encoding: .utf8)) ?? ""
        report.curve = csv.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: ",")
            guard f.count >= 4, let it = Int(f[0]), let t = Double(f[1]), let p = Double(f[3]) else { return nil }
            return .init(iteration: it, seconds: t, psnr: p)
        }
        report.meshViews = meshViews
        report.normalViews = normalViews
        report.texturedViews = texturedViews
        report.links = [("input clip", inputLink ?? "\(RunFolder.dataset)/video.mp4"),
                        ("reconstruction orbit (video.mp4)", "\(RunFolder.reconstruction)/\(ReconstructionFolder.eval)/video.mp4"),
                        ("mesh (GLB)", RunFolder.mesh), ("point cloud (PLY)", RunFolder.points)]
        if comparison != nil { report.links.append(("ground truth (PLY)", "\(RunFolder.dataset)/ground_truth.ply")) }
        report.links.append(("figures (JSON)", RunFolder.figures))
        try AtomicFile.write(Data((JSONOutput.object(figures).rendered() + "\n").utf8), to: root.appendingPathComponent(RunFolder.figures))
        try AtomicFile.write(Data(report.html().utf8), to: root.appendingPathComponent(RunFolder.report))
    }
}
