import ArgumentParser
import Capture
import Dataset
import FileSafety
import Foundation
import Geometry
import Ingest
import Media
import Reconstruction

/// A failure of a command's own checks, already worded for the user.
struct ReconstructError: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}

/// File names inside a reconstruction folder (documented in docs/reconstruction.md).
enum ReconstructionLayout {
    static let checkpoint = "checkpoint.orbitrf"
    static let csv = "training.csv"
    static let summary = "reconstruction.json"
    static let eval = "eval"
}

struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a radiance field to a dataset folder (Orbit, nerfstudio, instant-ngp or NeRF-synthetic) on the CPU and evaluate it on the test split.")

    @Argument(help: "Dataset folder with transforms.json or transforms_train.json, or a video file (processed first into OUT/dataset, as orbit process-video does).")
    var dataset: String

    @OptionGroup var videoOptions: VideoOptions

    @Option(name: .shortAndLong, help: "Output folder. Refused if not empty, unless --overwrite or --resume.")
    var out: String

    @Option(help: "Training iterations in all (4096 rays each). Default 20000.")
    var iterations = 20000

    @Option(help: "Stop training after this many seconds of wall-clock training (evaluation not counted). Default: no limit.")
    var timeBudget: Double?

    @Option(help: "Seed of batch selection and sample jitter. Default 0.")
    var seed: UInt64 = 0

    @Option(help: "Shrink images by this integer factor (box filter). Default 1.")
    var downscale = 1

    @Option(help: "Write a checkpoint every this many iterations (and always at the end). Default 2000.")
    var checkpointEvery = 2000

    @Option(help: "Lattice resolution at the start and after upsampling, points per axis. Defaults 128 and 256.")
    var coarse = 128
    @Option(help: "Lattice resolution after upsampling (equal to --coarse to stay coarse). Default 256.")
    var fine = 256

    @Option(help: "Weight of the total-variation prior on density and SH (see docs/reconstruction.md). Default 0.")
    var tv: Float = 0

    @Option(help: "Weight of the distortion loss, which makes surfaces thin and dense (see docs/reconstruction.md). Default: the training default.")
    var distortion: Float?

    @Option(help: "Adam learning rate of the density at iteration 0. Default: the training default.")
    var lrDensity: Float?

    @Flag(help: "Behind transparent pixels, give each training ray a random background colour, so transparency is learned as empty space (better meshes; on NeRF-synthetic about 0.8 dB lower PSNR at two minutes).")
    var randomBackground = false

    @Flag(help: "Continue from the checkpoint in --out exactly where it stopped.")
    var resume = false

    @Flag(help: "Replace a non-empty output folder.")
    var overwrite = false

    @Flag(help: "Skip the evaluation on the test split.")
    var noEval = false

    @Option(help: "Threads. Default: all cores. Results are deterministic for a given seed and thread count.")
    var threads: Int?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if iterations < 1 { throw ValidationError("--iterations: expected at least 1, got \(iterations)") }
        if downscale < 1 || downscale > 64 { throw ValidationError("--downscale: expected 1...64, got \(downscale)") }
        if coarse < 8 || coarse > 512 || fine < coarse || fine > 512 { throw ValidationError("--coarse/--fine: expected 8 ≤ coarse ≤ fine ≤ 512") }
        if resume && overwrite { throw ValidationError("--resume and --overwrite contradict each other; choose one") }
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads: expected 1...1024, got \(threads)") }
        if checkpointEvery < 1 { throw ValidationError("--checkpoint-every: expected at least 1, got \(checkpointEvery)") }
        if let timeBudget, !(timeBudget > 0 && timeBudget.isFinite) { throw ValidationError("--time-budget: expected a positive number of seconds, got \(timeBudget)") }
        if !(tv >= 0 && tv.isFinite) { throw ValidationError("--tv: expected a finite weight ≥ 0, got \(tv)") }
        if let distortion, !(distortion >= 0 && distortion.isFinite) { throw ValidationError("--distortion: expected a finite weight ≥ 0, got \(distortion)") }
        if let lrDensity, !(lrDensity > 0 && lrDensity.isFinite) { throw ValidationError("--lr-density: expected a finite rate > 0, got \(lrDensity)") }
    }

    @OptionGroup var safety: SafetyOptions

    func run() throws {
        safety.apply()
        do { try train() } catch { fail(error) }
    }

    /// Trains into --out: in place for a new folder or --resume (so a killed run can be resumed), staged
    /// beside it when --overwrite replaces a non-empty folder (so the old one stays until the new one is complete).
    func train() throws {
        let destination = try OutputPolicy.check(output: out, inputs: [dataset] + (videoOptions.poses.map { [$0] } ?? []))
        try ResourceBudget.current.checkMemory(Checkpoint.trainingBytes(resolution: max(coarse, fine)), for: "--coarse/--fine",
                                              what: "a lattice of \(max(coarse, fine))³ points with its Adam moments")
        let fm = FileManager.default
        let existing = (try? fm.contentsOfDirectory(atPath: destination.path)) ?? []
        if resume {
            let checkpoint = destination.appendingPathComponent(ReconstructionLayout.checkpoint)
            guard fm.fileExists(atPath: checkpoint.path) else {
                throw ReconstructError("\(checkpoint.path): no checkpoint to resume from; run without --resume first")
            }
        } else if !existing.isEmpty && !overwrite {
            throw ReconstructError("\(out): the output folder is not empty; pass --overwrite to replace it or --resume to continue")
        }
        if !resume && !existing.isEmpty {
            let staged = try StagedFolder(destination: destination, overwrite: true)
            defer { staged.discard() }
            try train(into: staged.staging)
            try staged.commit()
        } else {
            let folder = try LockedFolder(destination, existing: resume)
            do { try train(into: folder.url) } catch {
                // a run that wrote no checkpoint leaves nothing behind
                if !fm.fileExists(atPath: folder.url.appendingPathComponent(ReconstructionLayout.checkpoint).path) {
                    try? fm.removeItem(at: folder.url.appendingPathComponent(ReconstructionLayout.csv))
                    try? fm.removeItem(at: folder.url.appendingPathComponent("dataset"))
                }
                folder.abandon()
                throw error
            }
            folder.finish()
        }
        if !quiet { print("orbit: wrote \(out)") }
    }

    func train(into outURL: URL) throws {
        let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let fm = FileManager.default
        let checkpointURL = outURL.appendingPathComponent(ReconstructionLayout.checkpoint)

        var datasetURL = URL(fileURLWithPath: dataset)
        if VideoDataset.isVideo(dataset) {
            // a video: frames and poses first, into OUT/dataset (kept on --resume)
            let processed = outURL.appendingPathComponent("dataset")
            if !(resume && fm.fileExists(atPath: processed.appendingPathComponent("transforms.json").path)) {
                let summary = try videoOptions.process(dataset, into: processed, overwrite: true, quiet: quiet)
                if !quiet {
                    print("orbit: \(summary.registered.count) of \(summary.selected.count) frames of \(dataset) registered (\(summary.poseSource)) → \(processed.path)")
                }
            }
            datasetURL = processed
        }
        let reader = DatasetReader(folder: datasetURL, downscale: downscale)
        let train = try reader.read(.train)
        // the test split is read before training, so that a bad test image fails in seconds, not after the training
        let hasTest = try reader.hasFrames(in: .test)
        let test = !noEval && hasTest ? try reader.read(.test) : nil
        let trainer: Trainer
        var rows: [String] = []
        if resume {
            trainer = Trainer(data: train, checkpoint: try Checkpoint.read(from: checkpointURL), threads: threadCount)
            // keep the log up to the checkpoint; the rest is retrained
            let text = (try? String(contentsOf: outURL.appendingPathComponent(ReconstructionLayout.csv), encoding: .utf8)) ?? ""
            rows = text.split(separator: "\n").dropFirst().map(String.init).filter { (Int($0.split(separator: ",").first ?? "") ?? .max) <= trainer.iteration }
        } else {
            var settings = TrainingSettings()
            settings.seed = seed
            settings.coarseResolution = coarse
            settings.fineResolution = fine
            settings.tvDensity = tv
            settings.tvSH = tv
            if let distortion { settings.distortion = distortion }
            if let lrDensity { settings.learningRateDensity = lrDensity }
            settings.randomBackground = randomBackground
            trainer = Trainer(data: train, bounds: estimateBounds(train.images.map(\.camera)), settings: settings, threads: threadCount)
        }
        let previousSeconds = rows.last.flatMap { Double($0.split(separator: ",")[1]) } ?? 0

        let reporter = ProgressReporter(label: "it", quiet: quiet)
        var trainingSeconds = 0.0
        var lastCheckpoint = trainer.iteration
        func saveCheckpoint() throws {
            try trainer.checkpoint.write(to: checkpointURL)
            let csv = (["iteration,time_s,loss,psnr"] + rows).joined(separator: "\n") + "\n"
            try AtomicFile.write(Data(csv.utf8), to: outURL.appendingPathComponent(ReconstructionLayout.csv))
            lastCheckpoint = trainer.iteration
        }
        while trainer.iteration < iterations {
            if let timeBudget, trainingSeconds >= timeBudget { break }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let stats = trainer.step()
            trainingSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if stats.iteration % 50 == 0 || stats.iteration == iterations {
                rows.append(String(format: "%d,%.3f,%.6g,%.4f", stats.iteration, previousSeconds + trainingSeconds, stats.loss, stats.psnr))
                reporter.report(JobProgress(done: stats.iteration, total: iterations, elapsed: trainingSeconds,
                                            detail: String(format: "loss %.5f  PSNR %.2f dB", stats.loss, stats.psnr)))
            }
            if trainer.iteration - lastCheckpoint >= checkpointEvery { try saveCheckpoint() }
        }
        try saveCheckpoint()
        reporter.finish()

        var summary: [(String, JSONOutput)] = [
            ("orbit_version", .string(orbitVersion)),
            ("dataset", .string(datasetURL.path)),
            ("flavour", .string(try reader.flavour().rawValue)),
            ("train_views", .integer(train.images.count)),
            ("width", .integer(train.width)), ("height", .integer(train.height)), ("downscale", .integer(downscale)),
            ("bounds", .object([("min", .vector([trainer.grid.lower.x, trainer.grid.lower.y, trainer.grid.lower.z])),
                                ("max", .vector([trainer.grid.upper.x, trainer.grid.upper.y, trainer.grid.upper.z]))])),
            ("resolution", .integer(trainer.grid.resolution)),
            ("iterations", .integer(trainer.iteration)),
            ("seed", .integer(Int(trainer.settings.seed))), ("threads", .integer(threadCount)),
            ("training_s", .number(((previousSeconds + trainingSeconds) * 1000).rounded() / 1000)),
        ]
        // a dataset without a test split is trained and not evaluated; a test split that cannot be read is an error
        if !noEval && !hasTest && !quiet { print("orbit: the dataset has no test split; nothing to evaluate") }
        if let test {
            let result = try evaluate(trainer: trainer, test: test, folder: outURL.appendingPathComponent(ReconstructionLayout.eval), threads: threadCount)
            summary.append(("test_psnr", .number(result.psnr)))
            summary.append(("test_ssim", .number(result.ssim)))
            if !quiet { print(String(format: "orbit: test split: PSNR %.2f dB, SSIM %.4f over %d views", result.psnr, result.ssim, test.images.count)) }
        }
        try AtomicFile.write(Data((JSONOutput.object(summary).rendered() + "\n").utf8), to: outURL.appendingPathComponent(ReconstructionLayout.summary))
        if !quiet {
            print(String(format: "orbit: trained %d iterations in %.1f s", trainer.iteration, previousSeconds + trainingSeconds))
        }
    }

    /// Renders every test view, writes them with their depth, the metrics and a novel-view orbit video.
    func evaluate(trainer: Trainer, test: PosedImages, folder: URL, threads: Int) throws -> (psnr: Double, ssim: Double) {
        let fm = FileManager.default
        try fm.createDirectory(at: folder.appendingPathComponent("renders"), withIntermediateDirectories: true)
        try fm.createDirectory(at: folder.appendingPathComponent("depth"), withIntermediateDirectories: true)
        var perView: [JSONOutput] = []
        var psnrSum = 0.0, ssimSum = 0.0
        for (i, view) in test.images.enumerated() {
            let image = trainer.grid.render(camera: view.camera, background: test.background, stepScale: trainer.settings.stepScale,
                                            occupancy: trainer.occupancy, blockSize: trainer.settings.occupancyBlock, threads: threads)
            let truth = test.colors(i)
            let psnr = ImageMetrics.psnr(image.color, truth), ssim = ImageMetrics.ssim(image.color, truth, width: image.width, height: image.height)
            psnrSum += psnr; ssimSum += ssim
            perView.append(.object([("name", .string(view.name)), ("psnr", .number(psnr)), ("ssim", .number(ssim))]))
            try writeViews(image, camera: view.camera, name: view.name, folder: folder)
        }
        let n = Double(test.images.count)
        let metrics = JSONOutput.object([
            ("psnr", .number(psnrSum / n)), ("ssim", .number(ssimSum / n)), ("views", .integer(test.images.count)),
            ("protocol", .string("RGB in [0, 1] composited on the background; SSIM with an 11x11 Gaussian window, sigma 1.5")),
            ("per_view", .array(perView)),
        ])
        try AtomicFile.write(Data((metrics.rendered() + "\n").utf8), to: folder.appendingPathComponent("eval.json"))
        try renderOrbitVideo(grid: trainer.grid, occupancy: trainer.occupancy, settings: trainer.settings, cameras: trainer.data.images.map(\.camera),
                             background: test.background, to: folder.appendingPathComponent("video.mp4"), frames: 48, threads: threads)
        return (psnrSum / n, ssimSum / n)
    }
}

/// Writes a rendered view as an 8-bit sRGB PNG and its z-depth as a 16-bit millimetre PNG.
func writeViews(_ image: FieldImage, camera: Camera, name: String, folder: URL) throws {
    var rgb = Image8(width: image.width, height: image.height, channels: 3)
    for (i, c) in image.color.enumerated() {
        for k in 0..<3 { rgb.samples[3 * i + k] = UInt8(min(max(c[k], 0), 1) * 255 + 0.5) }
    }
    try AtomicFile.write(to: folder.appendingPathComponent("renders/\(name).png")) { try PNG.write(rgb, to: $0) }
    // z-depth = ray depth · cos(angle to the optical axis); nothing where the field is mostly transparent
    var depth = Image16(width: image.width, height: image.height, channels: 1)
    let axis = camera.worldDirection(x: camera.cx, y: camera.cy)
    for y in 0..<image.height { for x in 0..<image.width {
        let i = y * image.width + x
        guard image.opacity[i] > 0.5 else { continue }
        let cosine = dot(camera.worldDirection(x: Double(x) + 0.5, y: Double(y) + 0.5), axis)
        let z = Double(image.rayDepth[i]) / Double(image.opacity[i]) * cosine
        depth.samples[i] = UInt16(min(max(z * 1000 + 0.5, 0), 65535))
    } }
    try AtomicFile.write(to: folder.appendingPathComponent("depth/\(name).png")) { try PNG.write(depth, to: $0) }
}

/// A ring of cameras around the bounds' centre at the training cameras' median distance and elevation.
func orbitCameras(around cameras: [Camera], center: Vec3d, frames: Int) -> [Camera] {
    let offsets = cameras.map { $0.origin - center }
    let radii = offsets.map { length($0) }.sorted()
    let elevations = offsets.map { asin(max(-1, min(1, $0.z / length($0)))) }.sorted()
    let radius = radii[radii.count / 2], elevation = elevations[elevations.count / 2]
    let c = cameras[0]
    return (0..<frames).map { f in
        let azimuth = 2 * Double.pi * Double(f) / Double(frames)
        let eye = center + radius * Vec3d(cos(elevation) * cos(azimuth), cos(elevation) * sin(azimuth), sin(elevation))
        return Camera(width: c.width, height: c.height, fx: c.fx, fy: c.fy, cx: c.cx, cy: c.cy, cameraToWorld: Camera.lookAt(eye: eye, target: center))
    }
}

func renderOrbitVideo(grid: RadianceGrid<Float>, occupancy: [UInt8]?, settings: TrainingSettings, cameras: [Camera], background: Vec3,
                      to url: URL, frames: Int, threads: Int) throws {
    let center = (grid.lower + grid.upper) / 2
    let path = orbitCameras(around: cameras, center: center, frames: frames)
    try AtomicFile.write(to: url) { tmp in
        let video = try VideoWriter(url: tmp, width: path[0].width, height: path[0].height, frameRate: 24)
        for camera in path {
            let image = grid.render(camera: camera, background: background, stepScale: settings.stepScale, occupancy: occupancy,
                                    blockSize: settings.occupancyBlock, threads: threads)
            try video.append(rgb: image.color.flatMap { c in (0..<3).map { UInt8(min(max(c[$0], 0), 1) * 255 + 0.5) } })
        }
        try video.finish()
    }
}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render views of a trained radiance field: an orbit video, or every camera of a transforms file.")

    @Argument(help: "Reconstruction folder (with checkpoint.orbitrf).")
    var reconstruction: String

    @Option(name: .shortAndLong, help: "Output folder for renders/, depth/ and video.mp4. Refused if not empty, unless --overwrite.")
    var out: String

    @Option(help: "Render the cameras of this transforms.json (nerfstudio / Orbit / NeRF-synthetic style) instead of an orbit.")
    var cameras: String?

    @Option(help: "Frames of the orbit video. Default 60.")
    var frames = 60

    @Option(help: "Background colour behind the field, sRGB 0...1 as r,g,b. Default 1,1,1 (white).")
    var background = "1,1,1"

    @Flag(help: "Replace a non-empty output folder.")
    var overwrite = false

    @Option(help: "Threads. Default: all cores.")
    var threads: Int?

    @OptionGroup var safety: SafetyOptions

    func validate() throws {
        if frames < 1 || frames > 10_000 { throw ValidationError("--frames: expected 1...10000, got \(frames)") }
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads: expected 1...1024, got \(threads)") }
        let parts = background.split(separator: ",").compactMap { Float($0) }
        guard parts.count == 3, parts.allSatisfy({ (0...1).contains($0) }) else {
            throw ValidationError("--background: expected r,g,b with each in 0...1, got \(background)")
        }
    }

    func run() throws {
        safety.apply()
        do {
            let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
            let parts = background.split(separator: ",").compactMap { Float($0) }
            let color = Vec3(parts[0], parts[1], parts[2])
            let destination = try OutputPolicy.check(output: out, inputs: [reconstruction] + (cameras.map { [$0] } ?? []))
            let checkpointURL = URL(fileURLWithPath: reconstruction).appendingPathComponent(ReconstructionLayout.checkpoint)
            let checkpoint = try Checkpoint.read(from: checkpointURL)
            // the cameras come first: a bad camera file fails before anything is written
            var views: [(name: String, camera: Camera)] = []
            if let cameras {
                let url = URL(fileURLWithPath: cameras)
                views = try DatasetReader(folder: url.deletingLastPathComponent()).cameras(in: url)
                let pixels = views.reduce(0) { $0 + $1.camera.width * $1.camera.height }
                try ResourceBudget.current.checkMemory(Checked.product([views.map { $0.camera.width * $0.camera.height }.max() ?? 0, 40]),
                                                      for: cameras, what: "rendering \(views.count) views (\(pixels) pixels)")
            }
            let folder = try StagedFolder(destination: destination, overwrite: overwrite)
            defer { folder.discard() }
            if !views.isEmpty {
                try folder.makeFolder("renders"); try folder.makeFolder("depth")
                for view in views {
                    let image = checkpoint.grid.render(camera: view.camera, background: color, stepScale: checkpoint.settings.stepScale,
                                                       occupancy: nil, blockSize: checkpoint.settings.occupancyBlock, threads: threadCount)
                    try writeViews(image, camera: view.camera, name: view.name, folder: folder.staging)
                }
            } else {
                let summaryURL = URL(fileURLWithPath: reconstruction).appendingPathComponent(ReconstructionLayout.summary)
                guard let dataset = try readJSON(summaryURL)["dataset"] as? String else {
                    throw DatasetError(file: summaryURL.path, message: "dataset: missing; render with --cameras FILE instead")
                }
                let train = try DatasetReader(folder: URL(fileURLWithPath: dataset)).read(.train)
                try renderOrbitVideo(grid: checkpoint.grid, occupancy: nil, settings: checkpoint.settings, cameras: train.images.map(\.camera),
                                     background: color, to: folder.url("video.mp4"), frames: frames, threads: threadCount)
            }
            try folder.commit()
        } catch { fail(error) }
    }
}
