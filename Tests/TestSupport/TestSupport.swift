import Foundation
import Geometry
import SceneFormat
import Testing

/// A fresh temporary folder, removed when released.
public final class TemporaryFolder {
    public let url: URL
    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> URL { url.appendingPathComponent(name) }
    @discardableResult public func write(_ text: String, to name: String) -> URL {
        let u = path(name)
        try! FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! text.write(to: u, atomically: true, encoding: .utf8)
        return u
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Decodes scene JSON as if read from `file`, resolving assets against `folder`.
public func decodeScene(_ json: String, file: String = "test.json", folder: URL? = nil) throws -> Scene {
    try SceneLoader.decode(Data(json.utf8), file: file, baseDirectory: folder ?? FileManager.default.temporaryDirectory)
}

/// Runs a program and returns its exit status, standard output and standard error.
public func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The absolute path of a program on PATH, or nil.
public func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// The built `orbit` executable of this test run.
public func orbitExecutable() -> String {
    // the test bundle lives in the products folder (.build/<triple>/<config>/OrbitPackageTests.xctest)
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.path != "/" {
        let candidate = url.appendingPathComponent("orbit")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
           FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        url.deleteLastPathComponent()
    }
    return ".build/release/orbit"
}

/// The repository root (for the example scenes).
public func repositoryRoot(file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Mean and standard error of a sample.
public func meanAndStandardError(_ values: [Double]) -> (mean: Double, standardError: Double) {
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(n - 1, 1)
    return (mean, (variance / n).squareRoot())
}

/// Compares `text` with the snapshot file `url`. With `ORBIT_UPDATE_SNAPSHOTS=1` the snapshot is rewritten and
/// the test fails, saying so: a recording run never passes, so a snapshot cannot be updated by accident (review
/// the diff, then run again without the variable).
public func expectSnapshot(_ text: String, _ url: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    if ProcessInfo.processInfo.environment["ORBIT_UPDATE_SNAPSHOTS"] == "1" {
        try text.write(to: url, atomically: true, encoding: .utf8)
        Issue.record("recorded the snapshot \(url.lastPathComponent); review the diff and run again without ORBIT_UPDATE_SNAPSHOTS",
                     sourceLocation: sourceLocation)
        return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(text == expected, "\(url.lastPathComponent) differs from its snapshot (ORBIT_UPDATE_SNAPSHOTS=1 records a deliberate change)",
            sourceLocation: sourceLocation)
}

extension Tag {
    /// Tests that train to a quality target, run COLMAP, fuzz or otherwise take more than a few seconds.
    /// `./scripts/test --fast` (ORBIT_TEST_FAST=1) leaves them out; `./scripts/test` runs everything.
    @Tag public static var slow: Self
}

/// The switches of a test run.
public enum TestRun {
    /// True under `./scripts/test --fast`: tests tagged `.slow` are skipped.
    public static let fast = ProcessInfo.processInfo.environment["ORBIT_TEST_FAST"] == "1"
}
