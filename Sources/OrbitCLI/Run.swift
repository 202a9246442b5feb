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


struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate → reconstruct → export in one go, ending with an HTML report (report.html).",
        discussion: """
        Writes dataset/ (orbit generate), reconstruction/ (orbit reconstruct, evaluated on the test split), \
        export/mesh.glb and export/points.ply (orbit export), report/ (renders of the mesh) and report.html with the \
        figures: PSNR and SSIM on held-out views, Chamfer-L1 and F-score of the mesh against the scene's ground truth \
        (inside the reconstruction's box), and the time of each step.
        """)

    @Argument(help: "Scene file (JSON, format 1), a video file or a folder of photographs (frames and poses by orbit process-video or process-images). Default: the built-in default scene.")
    var scene: String?

    @OptionGroup var output: OutputOptions
    @OptionGroup var videoOptions: VideoOptions
    @OptionGroup var field: FieldOptions

    @Option(help: "Simplify the mesh to at most this many triangles. Default 300000.")
    var triangles = 300_000

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        if triangles < 0 { throw ValidationError("--triangles: expected 0 (no simplification) or more, got \(triangles)") }
    }

    @OptionGroup var safety: SafetyOptions

    func run() throws {
        safety.apply()
        do { try pipeline() } catch { fail(error) }
    }

    func pipeline() throws {
        let out = output.out, overwrite = output.overwrite, quiet = runOptions.quiet
        let destination = try OutputPolicy.check(output: out, inputs: scene.map { [$0] } ?? [])
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: destination.path)) ?? []
        if !existing.isEmpty && !overwrite { throw FileSafetyError(path: out, reason: .notEmpty) }
        // check the scene (or video) before touching anything on disk
        let input: OrbitRunInput
        if let folder = scene.flatMap({ ImageDataset.isPhotoFolder($0) ? $0 : nil }) {
            input = .photos(URL(fileURLWithPath: folder), videoOptions.photoSettings)
        } else if let video = scene.flatMap({ VideoDataset.isVideo($0) ? $0 : nil }) {
            _ = try VideoReader(url: URL(fileURLWithPath: video))
            input = .video(URL(fileURLWithPath: video), videoOptions.settings)
        } else {
            let loaded = loadScene(scene)
            if case .live = loaded.physics?.clip {
                throw ValidationError("\(loaded.file): physics.clip: a live clip shows a moving world, which one radiance field cannot fit; use \"clip\": \"frozen\" for orbit run, or orbit generate for the clip")
            }
            input = .scene(loaded)
        }
        var settings = OrbitRunSettings()
        settings.trainSeconds = field.trainSeconds ?? 240
        settings.iterations = field.iterations
        settings.coarse = field.coarse
        settings.fine = field.fine
        settings.triangles = triangles
        settings.threads = runOptions.count
        let frames = ProgressReporter(label: "frames", quiet: quiet), training = ProgressReporter(label: "it", quiet: quiet)
        let inputLink = input.isVideo ? scene.map { URL(fileURLWithPath: $0).standardizedFileURL.absoluteString } : nil
        let title = "Orbit run: \(scene.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "built-in default scene")"
        let summary = try OrbitRun(settings: settings).run(input, destination: destination, overwrite: overwrite, title: title, inputLink: inputLink) { event in
            guard !quiet else { return }
            switch event {
            // written unbuffered, so the stage lines stay in order with the stages' progress on standard error
            case .stage(let text): frames.finish(); print("orbit: \(text)"); fflush(nil)
            case .rendering(let progress): frames.report(progress)
            case .videoStage(let stage): if !stage.contains("[") { FileHandle.standardError.write(Data("orbit: \(stage)\n".utf8)) }
            case .training(.iteration(let stats, let total, let seconds)):
                training.report(JobProgress(done: stats.iteration, total: total, elapsed: seconds, detail: String(format: "loss %.5f  PSNR %.2f dB", stats.loss, stats.psnr)))
            case .training(.trained): training.finish()
            case .exported: break   // printed below, once the files are in place
            }
        }
        if !quiet { print(summary.export.lines.joined(separator: "\n")) }
        var line = "report → \(URL(fileURLWithPath: out).appendingPathComponent(RunFolder.report).path)"
        if let psnr = summary.training.testPSNR { line += String(format: "; PSNR %.2f dB", psnr) }
        if let c = summary.comparison { line += String(format: ", Chamfer-L1 %.4f, F-score %.3f, normal consistency %.3f", c.chamferL1, c.fScore, c.normalConsistency) }
        if let p = summary.meshPSNR { line += String(format: ", textured mesh %.2f dB", p) }
        if !quiet { print("orbit: " + line + String(format: "; %.0f s in all", summary.seconds)) }
    }
}
