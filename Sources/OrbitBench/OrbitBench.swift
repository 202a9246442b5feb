// orbit-bench: named workloads, one table each. Not a test: figures go into docs/benchmarks.md.
import ArgumentParser
import Foundation
import Fuzzing
import Reconstruction

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}

@main
struct OrbitBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orbit-bench",
        abstract: "Orbit's benchmarks: each prints a table (figures are logged in docs/benchmarks.md).",
        subcommands: [Render.self, Reconstruct.self, Mesh.self, Physics.self, Video.self, Fuzz.self, Assets.self, Job.self, Batch.self, Real.self],
        defaultSubcommand: Render.self)

    /// Runs a benchmark; errors (arguments included) are one line and exit 1.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            let text = (error as? BenchError)?.description ?? message(for: error)
            FileHandle.standardError.write(Data("orbit-bench: error: \(text.split(separator: "\n").first ?? "invalid arguments")\n".utf8))
            Foundation.exit(1)
        }
    }
}

extension OrbitBench {
    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every render workload (the example scenes at 400×400, 16 spp, and the peer job), each in its own process.")
        @Option(help: "Frames per example scene (the peer job always renders its 24).")
        var frames = 6
        func validate() throws { if frames < 1 { throw ValidationError("--frames: expected at least 1, got \(frames)") } }
        func run() throws { try BenchmarkTable.run(frames: frames) }
    }

    struct Reconstruct: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train on a dataset's train split; held-out PSNR and SSIM at checkpoints of wall-clock time.")
        @Argument(help: "Dataset folder (e.g. ../shared/data/nerf_synthetic_half/lego).")
        var dataset: String
        @Option(help: "Minutes of training at which the field is evaluated, comma-separated.")
        var minutes = "1,2,5,10,15"
        @Option(help: "Evaluate on at most this many test views. Default: all.")
        var testViews: Int?
        @Option(help: "Lattice points per axis at the start.") var coarse: Int?
        @Option(help: "Lattice points per axis after upsampling.") var fine: Int?
        @Option(help: "Iteration of the upsampling.") var upsampleAt: Int?
        @Option(help: "Adam learning rate of the density.") var lrDensity: Float?
        @Option(help: "Adam learning rate of the spherical harmonics.") var lrSh: Float?
        @Option(help: "Total-variation weight (density and SH).") var tv: Float?
        @Option(help: "Rays per batch.") var rays: Int?
        @Option(help: "Patch side of the ray batches.") var patch: Int?
        @Option(help: "Iterations of the learning-rate decay.") var decay: Int?
        @Option(help: "Weight of the distortion loss.") var distortion: Float?
        @Flag(help: "Random backgrounds behind transparent pixels.") var randomBackground = false

        func checkpoints() throws -> [Double] {
            let values = minutes.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) > 0 }) else { throw ValidationError("--minutes: expected positive minutes, comma-separated, got \(minutes)") }
            return values.map { $0! }
        }
        func validate() throws { _ = try checkpoints() }

        func run() throws {
            var s = TrainingSettings()
            if let coarse { s.coarseResolution = coarse }
            if let fine { s.fineResolution = fine }
            if let upsampleAt { s.upsampleIteration = upsampleAt }
            if let lrDensity { s.learningRateDensity = lrDensity }
            if let lrSh { s.learningRateSH = lrSh }
            if let tv { s.tvDensity = tv; s.tvSH = tv }
            if let rays { s.raysPerBatch = rays }
            if let patch { s.patchSize = patch }
            if let decay { s.learningRateDecayIterations = decay }
            if let distortion { s.distortion = distortion }
            s.randomBackground = randomBackground
            if let problem = s.problem { throw ValidationError("the training settings are invalid: \(problem)") }
            try ReconstructionBench.run(folder: dataset, checkpointsMinutes: try checkpoints(), testLimit: testViews, settings: s)
        }
    }

    struct Mesh: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "orbit run on each scene: field and textured-mesh PSNR, F-score, Chamfer-L1, normal consistency, triangles, export time and file sizes.")
        @Option(help: "Scenes, comma-separated: names of scenes/*.json or \"default\".")
        var scenes = "default,textured,thin-parts,concave"
        @Option(help: "Seconds of training per scene (orbit run's default: 240).")
        var seconds = 240.0
        @Option(help: "Keep each run's folder here (report.html and all); default: a temporary folder, removed.")
        var keep: String?
        @Option(help: "Train nothing: export again from these folders of earlier runs (comma-separated, e.g. kept with --keep) and time each phase.")
        var reexport: String?
        func validate() throws { if !(seconds > 0 && seconds.isFinite) { throw ValidationError("--seconds: expected a positive number, got \(seconds)") } }
        func run() throws {
            if let reexport { return try MeshBench.reexport(runs: reexport.split(separator: ",").map(String.init).filter { !$0.isEmpty }) }
            try MeshBench.run(scenes: scenes.split(separator: ",").map(String.init).filter { !$0.isEmpty }, seconds: seconds, keep: keep)
        }
    }

    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Batch throughput per example recipe (scenes per hour per core, core-hours per 10 000 scenes, the batch's overhead), then orbit batch status on many folders.")
        @Option(help: "Recipes, comma-separated.")
        var recipes = "scenes/movi-like.recipe.json,scenes/object-orbit.recipe.json,scenes/tabletop.recipe.json"
        @Option(help: "Scenes per recipe.")
        var scenes = 8
        @Option(help: "Render threads. Default: all cores.")
        var threads = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: "Scene folders for the status timing (0: none).")
        var statusFolders = 100_000
        func validate() throws {
            if scenes < 1 { throw ValidationError("--scenes: expected at least 1, got \(scenes)") }
            if threads < 1 { throw ValidationError("--threads: expected at least 1, got \(threads)") }
            if statusFolders < 0 || statusFolders > 10_000_000 { throw ValidationError("--status-folders: expected 0...10000000, got \(statusFolders)") }
        }
        func run() throws {
            try BatchBench.run(recipes: recipes.split(separator: ",").map(String.init).filter { !$0.isEmpty }, scenes: scenes, threads: threads,
                               statusFolders: statusFolders)
        }
    }

    struct Real: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Real photographs with true cameras: orbit process-images per camera model (camera errors after the best similarity), then held-out PSNR and SSIM of a field trained on the train split.")
        @Option(help: "Dataset folder: images/ and a transforms.json with the true cameras and splits.")
        var dataset = "../shared/data/real/fountain-P11"
        @Option(help: "Minutes of training at which the field is evaluated, comma-separated.")
        var minutes = "2,5"
        func run() throws {
            let values = minutes.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 > 0 }) else { throw ValidationError("--minutes: expected positive minutes, comma-separated, got \(minutes)") }
            try RealBench.run(dataset: dataset, minutes: values, models: [.simplePinhole, .simpleRadial, .opencv])
        }
    }

    struct Physics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The peer physics benchmark's drop test (64 boxes) with Orbit's settings and MuJoCo's defaults, then a live clip of it.")
        @Option(name: .customLong("init"), help: "Folder with the peer benchmark's initial states (physics_drop_init_*.json).")
        var folder = "../shared/bench"
        @Option(name: .customLong("repeat"), help: "Runs per configuration.")
        var repeats = 5
        func validate() throws { if repeats < 1 { throw ValidationError("--repeat: expected at least 1, got \(repeats)") } }
        func run() throws {
            try PhysicsBench.run(folder: folder, repeats: repeats)
            try PhysicsBench.liveClip(folder: folder)
        }
    }

    struct Video: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pose recovery from an orbit video with COLMAP, and training on recovered against true poses.")
        @Option(help: "Frames of the orbit video.") var frames = 60
        @Option(help: "Seconds of training per field.") var seconds = 120.0
        func validate() throws {
            if frames < 2 { throw ValidationError("--frames: expected at least 2, got \(frames)") }
            if !(seconds > 0 && seconds.isFinite) { throw ValidationError("--seconds: expected a positive number, got \(seconds)") }
        }
        func run() throws { try VideoBench.run(frames: frames, seconds: seconds) }
    }

    struct Fuzz: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hostile and mutated inputs of every format against the built orbit: crashes, hangs, memory.")
        @Option(help: "Mutated cases per format.") var cases = 200
        @Option(help: "Seed of the mutations.") var seed: UInt64 = 1
        @Option(help: "Formats, comma-separated. Default: all.") var formats: String?
        @Option(help: "Cases run at a time.") var workers = 2
        @Option(help: "Write mutated case INDEX of the first format into FOLDER (INDEX:FOLDER) and print the command that reads it.")
        var write: String?

        func parsedFormats() throws -> [FuzzFormat] {
            guard let formats else { return FuzzFormat.allCases }
            return try formats.split(separator: ",").map { name in
                guard let f = FuzzFormat(rawValue: String(name)) else {
                    throw ValidationError("--formats: unknown format \(name); expected some of \(FuzzFormat.allCases.map(\.rawValue).joined(separator: ","))")
                }
                return f
            }
        }
        func parsedWrite() throws -> (Int, String)? {
            guard let write else { return nil }
            let parts = write.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let k = Int(parts[0]), k >= 0 else { throw ValidationError("--write: expected INDEX:FOLDER, got \(write)") }
            return (k, String(parts[1]))
        }
        func validate() throws {
            if cases < 0 { throw ValidationError("--cases: expected a count, got \(cases)") }
            if !(1...64).contains(workers) { throw ValidationError("--workers: expected 1...64, got \(workers)") }
            _ = try parsedFormats(); _ = try parsedWrite()
        }
        func run() throws {
            let orbit = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("orbit").path
            if let (k, folder) = try parsedWrite() {
                try FuzzBench.write(case: k, format: try parsedFormats()[0], seed: seed, to: URL(fileURLWithPath: folder), orbit: orbit)
            } else {
                try FuzzBench.run(cases: cases, seed: seed, formats: try parsedFormats(), workers: workers, orbit: orbit)
            }
        }
    }

    struct Assets: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Regenerate the example scenes' assets.")
        @Argument(help: "Folder to write.") var folder = "scenes/assets"
        func run() throws { try ExampleAssets.write(to: URL(fileURLWithPath: folder)) }
    }

    struct Job: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One render workload in this process (used by the table runner).",
                                                        shouldDisplay: false)
        @Argument var name: String
        @Argument var frames = 6
        @Argument var scenesFolder: String
        func run() throws { print(try RenderWorkload.run(name: name, frames: frames, scenesFolder: scenesFolder).json) }
    }
}
