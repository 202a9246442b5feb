// orbit-bench: named render workloads, one table. Not a test: figures go into docs/benchmarks.md.
//
//   orbit-bench                 every workload, table on stdout
//   orbit-bench --frames N      frames per example scene (default 6; the peer job always renders its 24)
//   orbit-bench assets DIR      regenerate the example scenes' assets
//   orbit-bench job NAME ...    one workload in this process (used by the table runner)
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "assets":
        try ExampleAssets.write(to: URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : "scenes/assets"))
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
