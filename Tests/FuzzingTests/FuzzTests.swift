import Foundation
import Fuzzing
import Testing
import TestSupport

/// The corpus is made once for the suite (it trains a seed checkpoint and encodes seed clips).
final class SharedCorpus: @unchecked Sendable {
    static let shared = SharedCorpus()
    let folder = TemporaryFolder()
    lazy var corpus: Result<FuzzCorpus, Error> = Result {
        try FuzzCorpus(orbit: orbitExecutable(), ffmpeg: which("ffmpeg"), workspace: folder.path("seeds"))
    }
    private let lock = NSLock()
    func get() throws -> FuzzCorpus { lock.lock(); defer { lock.unlock() }; return try corpus.get() }
}

/// Runs the cases two at a time and returns each one's broken promise, if any.
func violations(_ cases: [FuzzCase], scratch: URL) -> [String] {
    FuzzRunner(orbit: orbitExecutable()).violations(cases, scratch: scratch, memoryBound: 3_000_000_000)
}

@Suite(.serialized, .tags(.slow), .disabled(if: TestRun.fast, "slow: ./scripts/test --fast leaves it out")) struct FuzzTests {
    /// Every seed is a valid input that its command accepts (so mutations reach the deep paths, not the first check).
    @Test func seedsAreAccepted() throws {
        let corpus = try SharedCorpus.shared.get()
        let runner = FuzzRunner(orbit: orbitExecutable())
        let scratch = SharedCorpus.shared.folder.path("seeds-run")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        for format in FuzzFormat.allCases {
            guard let seeds = corpus.seeds[format] else { Issue.record("no seed for \(format.rawValue)"); continue }
            for (i, var seed) in seeds.enumerated() {
                seed.name += "-\(i)"
                let outcome = try runner.run(seed, in: scratch)
                if outcome.exitStatus != 0 { Issue.record("seed \(seed.name) was refused: \(outcome.stderr)") }
                #expect(outcome.violation(memoryBound: 3_000_000_000) == nil, "\(seed.name)")
            }
        }
    }

    /// The hostile inputs that used to crash, hang, exhaust memory or lose files end in one line and exit 1.
    @Test func handmadeHostileInputsAreOneLineErrors() throws {
        let corpus = try SharedCorpus.shared.get()
        let cases = corpus.handmade()
        #expect(cases.count >= 40)
        let scratch = SharedCorpus.shared.folder.path("handmade")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        #expect(violations(cases, scratch: scratch) == [])
        // each is refused, not accepted
        let runner = FuzzRunner(orbit: orbitExecutable())
        for c in cases where ["transforms-focal-negative", "checkpoint-step-scale-zero", "ply-two-billion-vertices", "scene-70000-objects",
                              "transforms-out-empty", "transforms-out-is-dataset", "transforms-cameras-at-one-point", "png-20000-squared-1-bit", "glb-chunk-claims-2GB",
                              "ply-face-of-no-vertices", "ply-nul-in-text", "ply-lone-carriage-return", "ply-vertex-over-two-lines"].contains(c.name) {
            let outcome = try runner.run(c, in: scratch)
            #expect(outcome.exitStatus == 1, "\(c.name) was accepted")
        }
    }

    /// A short run of the mutation fuzzer: a fixed number of seeded mutations of every format.
    @Test func mutatedInputsKeepTheContract() throws {
        let corpus = try SharedCorpus.shared.get()
        let cases = FuzzFormat.allCases.flatMap { corpus.mutations($0, count: 8, seed: 1) }
        let scratch = SharedCorpus.shared.folder.path("mutations")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        #expect(violations(cases, scratch: scratch) == [])
    }
}

/// The harness can fail: a crash, a hang, a stray file, a changed input and a two-line error are all caught.
@Suite struct FuzzRunnerTests {
    func outcome(_ script: String, timeout: Double = 30) throws -> FuzzOutcome {
        var runner = FuzzRunner(orbit: "/bin/sh")
        runner.timeout = timeout
        let folder = TemporaryFolder()
        let c = FuzzCase(format: .scene, name: "probe", files: ["input.txt": Data("in".utf8)], arguments: ["-c", script], output: nil, target: "input.txt")
        return try runner.run(c, in: folder.url)
    }

    @Test func brokenPromisesAreCaught() throws {
        #expect(try outcome("kill -SEGV $$").violation(memoryBound: 1 << 40)?.hasPrefix("crash") == true)
        #expect(try outcome("sleep 20", timeout: 0.5).violation(memoryBound: 1 << 40)?.hasPrefix("hang") == true)
        #expect(try outcome("touch stray; echo 'orbit: error: x' >&2; exit 1").violation(memoryBound: 1 << 40)?.contains("stray") == true)
        #expect(try outcome("echo changed > input.txt").violation(memoryBound: 1 << 40)?.contains("input.txt (changed)") == true)
        #expect(try outcome("echo 'orbit: error: a' >&2; echo b >&2; exit 1").violation(memoryBound: 1 << 40)?.hasPrefix("error text") == true)
        #expect(try outcome("echo 'orbit: error: x: Error Domain=NSCocoaErrorDomain' >&2; exit 1").violation(memoryBound: 1 << 40)?.hasPrefix("raw library") == true)
        #expect(try outcome("exit 2").violation(memoryBound: 1 << 40) == "exit status 2")
        #expect(try outcome("echo 'orbit: error: fine' >&2; exit 1").violation(memoryBound: 1 << 40) == nil)
    }
}
