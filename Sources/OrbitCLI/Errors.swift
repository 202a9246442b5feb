import ArgumentParser
import FileSafety
import Foundation

/// Prints an error as one line and exits 1; the one place that turns library errors into messages that
/// name this command line's options.
func fail(_ error: Error) -> Never {
    FileHandle.standardError.write(Data("orbit: error: \(message(for: error))\n".utf8))
    Foundation.exit(1)
}

/// One line for any error: typed errors in their own words with the option that fixes them, system
/// errors through `SystemMessage`, never a raw Foundation or Swift description.
func message(for error: Error) -> String {
    var text: String
    switch error {
    case let e as FileSafetyError:
        switch e.reason {
        case .exists: text = "\(e.path): already exists; pass --overwrite to replace it"
        case .notEmpty: text = "\(e.path): the output folder is not empty; pass --overwrite to replace it"
        case .outside(let base): text = "\(e.path): leads outside \(base); keep referenced files inside that folder, or pass --allow-outside-paths"
        default: text = e.description
        }
    case let e as BudgetError:
        text = e.description.replacingOccurrences(of: "raise the memory limit", with: "raise the limit with --max-memory GB")
            .replacingOccurrences(of: "raise the work limit", with: "raise the limit with --max-samples N")
    case let e as ValidationError: text = e.message
    case let e as CustomStringConvertible where e.description.hasSuffix("(or allow outside paths)"):
        text = String(e.description.dropLast("(or allow outside paths)".count)) + "(or pass --allow-outside-paths)"
    case let e as DecodingError: text = "damaged data: \(decodingText(e))"
    case let e where SystemMessage.isSystemError(e): text = SystemMessage.describe(e)
    case let e as CustomStringConvertible: text = e.description
    default: text = "\(type(of: error))"
    }
    // one line, whatever a library put in its text, naming destinations rather than their staging names
    text = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    return text.replacingOccurrences(of: #"/\.([^/]+)\.partial-[0-9]+-[0-9a-f]{8}"#, with: "/$1", options: .regularExpression)
}

private func decodingText(_ error: DecodingError) -> String {
    switch error {
    case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
        let path = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? "not valid JSON" : "\(path): missing or of the wrong type"
    @unknown default: return "not valid JSON"
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

/// `--threads`, shared by every command that computes on several cores.
struct ThreadsOption: ParsableArguments {
    @Option(help: "Threads. Default: all cores. Renders are identical for any count; training is deterministic for a given seed and count.")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads: expected 1...1024, got \(threads)") }
    }

    /// The count to use.
    var count: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }
}
