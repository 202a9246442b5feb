import ArgumentParser
import FileSafety
import Foundation
import Geometry
import Ingest
import Reconstruction

// The option groups shared by the commands: one declaration, one meaning, one validation per option name.

/// `-o/--out` and `--overwrite`, for every command that writes a folder.
struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output folder. Refused if not empty, unless --overwrite.")
    var out: String

    @Flag(help: "Replace a non-empty output folder, only once the new output is complete.")
    var overwrite = false

    var url: URL { URL(fileURLWithPath: out) }
}

/// `--threads` and `--quiet`, for every command that computes.
struct RunOptions: ParsableArguments {
    @Option(help: "Threads. Default: all cores. Renders are identical for any count; training is deterministic for a given seed and count.")
    var threads: Int?

    @Flag(name: .shortAndLong, help: "Print nothing but errors (and a command's one-line result).")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads: expected 1...1024, got \(threads)") }
    }

    /// The thread count to use.
    var count: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }
}

/// The radiance field's training, shared by reconstruct, run and consistency.
struct FieldOptions: ParsableArguments {
    @Option(help: "Training iterations in all (4096 rays each). Default 20000.")
    var iterations = 20000

    @Option(help: "Stop training after this many seconds of wall-clock training (evaluation not counted). Default: no limit for reconstruct, 240 for run, 120 for consistency.")
    var trainSeconds: Double?

    @Option(help: "Lattice points per axis at the start. Default 128.")
    var coarse = 128

    @Option(help: "Lattice points per axis after upsampling (equal to --coarse to stay coarse). Default 256.")
    var fine = 256

    func validate() throws {
        if iterations < 1 { throw ValidationError("--iterations: expected at least 1, got \(iterations)") }
        if let trainSeconds, !(trainSeconds > 0 && trainSeconds.isFinite) {
            throw ValidationError("--train-seconds: expected a positive number of seconds, got \(trainSeconds)")
        }
        if coarse < 8 || coarse > 512 || fine < coarse || fine > 512 { throw ValidationError("--coarse/--fine: expected 8 ≤ coarse ≤ fine ≤ 512") }
    }
}

/// `--max-memory` and `--allow-outside-paths`, shared by every command that reads files or plans work from them.
struct SafetyOptions: ParsableArguments {
    @Option(help: "Memory this command may plan to use, in GB. Inputs that would need more are refused before any work. Default: three quarters of the machine's memory.")
    var maxMemory: Double?

    @Option(help: "Camera samples (pixels × samples per pixel × frames) a render may plan. Default 10^12 (about a week on two cores).")
    var maxSamples: Double?

    @Flag(help: "Let scene files, datasets and meshes name files outside their own folder (absolute paths, '..', links leading out). Default: refused.")
    var allowOutsidePaths = false

    func validate() throws {
        if let maxMemory, !(maxMemory >= 0.1 && maxMemory <= 1_000_000) { throw ValidationError("--max-memory: expected 0.1...1000000 GB, got \(maxMemory)") }
        if let maxSamples, !(maxSamples >= 1 && maxSamples <= 1e18) { throw ValidationError("--max-samples: expected 1...1e18, got \(maxSamples)") }
    }

    /// Makes the budget and the path policy this process's.
    func apply() {
        if let maxMemory { ResourceBudget.current.maxMemory = Int(maxMemory * 1e9) }
        if let maxSamples { ResourceBudget.current.maxCameraSamples = Int(maxSamples) }
        PathPolicy.current.allowOutside = allowOutsidePaths
    }
}

extension SurfaceDefinition: ExpressibleByArgument {}
extension VideoSettings.Matching: ExpressibleByArgument {}
extension VideoSettings.CameraModel: ExpressibleByArgument {}

/// Parses "x0,y0,z0,x1,y1,z1" into a box.
func parseBounds(_ text: String, option: String) throws -> Bounds3 {
    let v = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard v.count == 6, v.allSatisfy(\.isFinite), v[0] < v[3], v[1] < v[4], v[2] < v[5] else {
        throw ValidationError("\(option): expected xmin,ymin,zmin,xmax,ymax,zmax with each min below its max, got \(text)")
    }
    return Bounds3(lower: Vec3d(v[0], v[1], v[2]), upper: Vec3d(v[3], v[4], v[5]))
}

/// `orbit export --texture`.
enum TextureChoice: String, ExpressibleByArgument, CaseIterable {
    case baked, none
}
