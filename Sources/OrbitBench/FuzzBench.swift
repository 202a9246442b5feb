import Foundation
import Fuzzing

/// `orbit-bench fuzz`: the hand-made hostile cases and N seeded mutations of every format, run against the
/// built `orbit`, two at a time; one table row per format (cases, exit 0, exit 1, crashes, hangs, other broken
/// promises, peak memory, mean and slowest seconds). Failing cases are listed below the table by name (a case
/// is a pure function of format, seed and index, so it can be made again).
enum FuzzBench {
    /// Writes mutated case `index` of `format` into `folder` and prints the command that reads it.
    static func write(case index: Int, format: FuzzFormat, seed: UInt64, to folder: URL, orbit: String) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-fuzz-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let corpus = try FuzzCorpus(orbit: orbit, ffmpeg: ffmpeg, workspace: scratch)
        guard let c = corpus.mutations(format, count: index + 1, seed: seed).last else { throw BenchError("fuzz: no seed for \(format.rawValue)") }
        for (path, data) in c.files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        print("cd \(folder.path) && \(orbit) \(c.arguments.joined(separator: " "))")
    }

    static func run(cases: Int, seed: UInt64, formats: [FuzzFormat], workers: Int, orbit: String) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-fuzz-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let corpus = try FuzzCorpus(orbit: orbit, ffmpeg: ffmpeg, workspace: scratch.appendingPathComponent("seeds"))
        let runner = FuzzRunner(orbit: orbit)
        let handmade = corpus.handmade()
        print("| format | cases (hand-made + mutated) | exit 0 | exit 1 | crashes | hangs | other failures | max RSS MB | mean s | slowest s |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        var failures: [String] = [], allFailures: [String] = []
        let memoryBound = 3_000_000_000
        for format in formats {
            let batch = handmade.filter { $0.format == format } + corpus.mutations(format, count: cases, seed: seed)
            guard !batch.isEmpty else { print("| \(format.rawValue) | no seed (ffmpeg missing?) | | | | | | | | |"); continue }
            let work = scratch.appendingPathComponent(format.rawValue)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let results = runner.runAll(batch, scratch: work, workers: workers)
            var zero = 0, one = 0, crashes = 0, hangs = 0, other = 0, rss = 0
            var total = 0.0, slowest = 0.0
            for r in results {
                guard let o = r.outcome else { other += 1; failures.append("\(r.name): runner: \(r.runnerError ?? "")"); continue }
                if o.exitStatus == 0 { zero += 1 }
                if o.exitStatus == 1 { one += 1 }
                if o.signal != nil { crashes += 1 } else if o.timedOut { hangs += 1 } else if o.violation(memoryBound: memoryBound) != nil { other += 1 }
                if let v = o.violation(memoryBound: memoryBound) { failures.append("\(r.name): \(v)") }
                rss = max(rss, o.maxRSS); total += o.seconds; slowest = max(slowest, o.seconds)
            }
            let hand = batch.count - cases
            print(String(format: "| %@ | %d (%d + %d) | %d | %d | %d | %d | %d | %d | %.2f | %.1f |", format.rawValue, batch.count, hand, cases,
                         zero, one, crashes, hangs, other, rss / 1_000_000, total / Double(results.count), slowest))
            // the failing cases of this format at once, on standard error (a long run need not end to show them)
            for f in failures { FileHandle.standardError.write(Data("orbit-bench: fuzz: seed \(seed): \(f)\n".utf8)) }
            allFailures += failures
            failures = []
            fflush(nil)
        }
        if !allFailures.isEmpty {
            print("\nfailing cases (seed \(seed)):")
            for f in allFailures { print("- \(f)") }
        }
    }
}
