// orbit-bench: named render workloads, one table. Not a test: figures go into docs/benchmarks.md.
//
//   orbit-bench                 every workload, table on stdout
//   orbit-bench --frames N      frames per example scene (default 6; the peer job always renders its 24)
//   orbit-bench assets DIR      regenerate the example scenes' assets
//   orbit-bench job NAME ...    one workload in this process (used by the table runner)
//   orbit-bench physics         the 64-box drop test of the peer physics benchmark
//   orbit-bench video           pose recovery from a 60-frame orbit video, and training on recovered against true poses
//   orbit-bench fuzz            hostile and mutated inputs of every format against the built orbit: crashes, hangs, memory
import Foundation
import Fuzzing
import Reconstruction

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ text: String) { description = text }
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "assets":
        try ExampleAssets.write(to: URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : "scenes/assets"))
    case "reconstruct":
        // orbit-bench reconstruct DATASET [--minutes 1,2,5,10,15] [--test-views N] [--coarse R] [--fine R] [--upsample-at I]
        //   [--lr-density X] [--lr-sh X] [--tv X] [--rays N] [--patch N] [--decay I] [--distortion X] [--random-background 0|1]
        var settings = TrainingSettings()
        var minutes = [1.0, 2, 5, 10, 15]
        var testLimit: Int? = nil
        var i = 2
        while i + 1 < arguments.count {
            let value = arguments[i + 1]
            switch arguments[i] {
            case "--minutes": minutes = value.split(separator: ",").compactMap { Double($0) }
            case "--test-views": testLimit = Int(value)
            case "--coarse": settings.coarseResolution = Int(value) ?? settings.coarseResolution
            case "--fine": settings.fineResolution = Int(value) ?? settings.fineResolution
            case "--upsample-at": settings.upsampleIteration = Int(value) ?? settings.upsampleIteration
            case "--lr-density": settings.learningRateDensity = Float(value) ?? settings.learningRateDensity
            case "--lr-sh": settings.learningRateSH = Float(value) ?? settings.learningRateSH
            case "--tv": settings.tvDensity = Float(value) ?? settings.tvDensity; settings.tvSH = settings.tvDensity
            case "--rays": settings.raysPerBatch = Int(value) ?? settings.raysPerBatch
            case "--patch": settings.patchSize = Int(value) ?? settings.patchSize
            case "--decay": settings.learningRateDecayIterations = Int(value) ?? settings.learningRateDecayIterations
            case "--distortion": settings.distortion = Float(value) ?? settings.distortion
            case "--random-background": settings.randomBackground = value != "0"
            default: break
            }
            i += 2
        }
        try ReconstructionBench.run(folder: arguments[1], checkpointsMinutes: minutes, testLimit: testLimit, settings: settings)
    case "mesh":
        // orbit-bench mesh [--scenes default,textured] [--lego DATASET] [--seconds S]
        var scenes = ["default", "textured"], lego: String? = nil, seconds = 240.0
        var i = 1
        while i + 1 < arguments.count {
            let value = arguments[i + 1]
            switch arguments[i] {
            case "--scenes": scenes = value.split(separator: ",").map(String.init).filter { !$0.isEmpty }
            case "--lego": lego = value
            case "--seconds": seconds = Double(value) ?? seconds
            default: break
            }
            i += 2
        }
        try MeshBench.run(scenes: scenes, lego: lego, seconds: seconds)
    case "physics":
        // orbit-bench physics [--init DIR] [--repeat N]
        var folder = "../shared/bench", repeats = 5
        var i = 1
        while i + 1 < arguments.count {
            switch arguments[i] {
            case "--init": folder = arguments[i + 1]
            case "--repeat": repeats = Int(arguments[i + 1]) ?? repeats
            default: break
            }
            i += 2
        }
        try PhysicsBench.run(folder: folder, repeats: repeats)
        try PhysicsBench.liveClip(folder: folder)
    case "video":
        // orbit-bench video [--frames N] [--seconds S]
        var frames = 60, seconds = 120.0
        var i = 1
        while i + 1 < arguments.count {
            switch arguments[i] {
            case "--frames": frames = Int(arguments[i + 1]) ?? frames
            case "--seconds": seconds = Double(arguments[i + 1]) ?? seconds
            default: break
            }
            i += 2
        }
        try VideoBench.run(frames: frames, seconds: seconds)
    case "fuzz":
        // orbit-bench fuzz [--cases N] [--seed S] [--formats scene,ply,...] [--workers W]
        var cases = 200, seed: UInt64 = 1, formats = FuzzFormat.allCases, workers = 2, write: (Int, String)? = nil
        var i = 1
        while i < arguments.count {
            guard i + 1 < arguments.count else { throw BenchError("fuzz: \(arguments[i]) needs a value") }
            let value = arguments[i + 1]
            switch arguments[i] {
            case "--cases": guard let n = Int(value), n >= 0 else { throw BenchError("fuzz: --cases: expected a count, got \(value)") }; cases = n
            case "--seed": guard let n = UInt64(value) else { throw BenchError("fuzz: --seed: expected a non-negative integer, got \(value)") }; seed = n
            case "--workers": guard let n = Int(value), (1...64).contains(n) else { throw BenchError("fuzz: --workers: expected 1...64, got \(value)") }; workers = n
            case "--write":
                // --write INDEX:DIR writes mutated case INDEX of the first format into DIR, to reproduce it by hand
                let parts = value.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, let k = Int(parts[0]), k >= 0 else { throw BenchError("fuzz: --write: expected INDEX:FOLDER, got \(value)") }
                write = (k, String(parts[1]))
            case "--formats":
                formats = try value.split(separator: ",").map { name in
                    guard let f = FuzzFormat(rawValue: String(name)) else {
                        throw BenchError("fuzz: --formats: unknown format \(name); expected some of \(FuzzFormat.allCases.map(\.rawValue).joined(separator: ","))")
                    }
                    return f
                }
            default: throw BenchError("fuzz: unknown option \(arguments[i]); expected --cases, --seed, --formats, --workers or --write")
            }
            i += 2
        }
        let orbit = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("orbit").path
        if let (k, folder) = write {
            try FuzzBench.write(case: k, format: formats[0], seed: seed, to: URL(fileURLWithPath: folder), orbit: orbit)
        } else {
            try FuzzBench.run(cases: cases, seed: seed, formats: formats, workers: workers, orbit: orbit)
        }
    case "job":
        let result = try RenderWorkload.run(name: arguments[1], frames: Int(arguments[2]) ?? 6, scenesFolder: arguments[3])
        print(result.json)
    default:
        var frames = 6
        if let i = arguments.firstIndex(of: "--frames"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) { frames = n }
        try BenchmarkTable.run(frames: frames)
    }
} catch {
    FileHandle.standardError.write(Data("orbit-bench: error: \(error)\n".utf8))
    exit(1)
}
