import Foundation

/// What one run of `orbit` on a fuzz case did.
public struct FuzzOutcome: Sendable {
    /// Exit status, or nil when the process was killed by a signal (a crash) or for running too long.
    public var exitStatus: Int32?
    public var signal: Int32?
    public var timedOut: Bool
    public var seconds: Double
    /// Peak resident memory of the process, bytes.
    public var maxRSS: Int
    public var stderr: String
    /// Files the run left in the case folder beyond its inputs (and its output, on success), or inputs it changed.
    public var leftovers: [String]

    /// Why the case broke the contract (exit 0 or 1, one line of error text in Orbit's words, nothing left
    /// behind, inputs untouched, within the time and memory bounds), or nil when it kept it.
    public func violation(memoryBound: Int) -> String? {
        if timedOut { return "hang: still running after \(String(format: "%.0f", seconds)) s" }
        if let signal { return "crash: killed by signal \(signal)" }
        guard let status = exitStatus, status == 0 || status == 1 else { return "exit status \(exitStatus.map(String.init) ?? "?")" }
        if maxRSS > memoryBound { return "memory: peak \(maxRSS / 1_000_000) MB" }
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true)
        if status == 1 {
            guard lines.count == 1, lines[0].hasPrefix("orbit: error: ") else { return "error text is not one 'orbit: error:' line: \(stderr.prefix(300))" }
        }
        for raw in ["Error Domain", "NSCocoaErrorDomain", "Fatal error", "std::", "bad_alloc", "terminate called", "Assertion", "Swift.", "DecodingError"]
        where stderr.contains(raw) {
            return "raw library text in the message: \(stderr.prefix(300))"
        }
        if !leftovers.isEmpty { return "left behind or changed: \(leftovers.joined(separator: ", "))" }
        return nil
    }
}

/// Runs `orbit` on one fuzz case in its own folder, with a time limit, measuring peak memory (wait4's rusage).
public struct FuzzRunner: Sendable {
    public var orbit: String
    /// Seconds before a case counts as a hang. Default 60.
    public var timeout: Double = 60

    public init(orbit: String) { self.orbit = orbit }

    public func run(_ fuzzCase: FuzzCase, in scratch: URL) throws -> FuzzOutcome {
        let fm = FileManager.default
        let folder = scratch.appendingPathComponent(fuzzCase.name)
        try? fm.removeItem(at: folder)
        for (path, data) in fuzzCase.files {
            let url = folder.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let errorFile = scratch.appendingPathComponent("\(fuzzCase.name).stderr")
        defer { try? fm.removeItem(at: errorFile); try? fm.removeItem(at: folder) }

        // sh changes into the case folder and becomes orbit (exec), so the pid and rusage are orbit's
        let script = "cd \"$1\" && shift && exec \"$@\" >/dev/null 2>\"$ERRFILE\""
        let argv = ["/bin/sh", "-c", script, "sh", folder.path, orbit] + fuzzCase.arguments
        var environment = ProcessInfo.processInfo.environment
        environment["ERRFILE"] = errorFile.path
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        defer { posix_spawnattr_destroy(&attributes) }
        let status = withCStrings(argv) { cArgs in withCStrings(envp) { cEnv in posix_spawn(&pid, "/bin/sh", nil, &attributes, cArgs, cEnv) } }
        guard status == 0 else { throw NSError(domain: NSPOSIXErrorDomain, code: Int(status)) }

        let start = DispatchTime.now().uptimeNanoseconds
        var wstatus: Int32 = 0
        var usage = rusage()
        var timedOut = false
        while true {
            let r = wait4(pid, &wstatus, WNOHANG, &usage)
            if r == pid { break }
            if Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 > timeout {
                kill(-pid, SIGKILL)
                _ = wait4(pid, &wstatus, 0, &usage)
                timedOut = true
                break
            }
            usleep(2000)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let exited = wstatus & 0x7F == 0
        let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        var outcome = FuzzOutcome(exitStatus: exited && !timedOut ? (wstatus >> 8) & 0xFF : nil, signal: !exited && !timedOut ? wstatus & 0x7F : nil,
                                  timedOut: timedOut, seconds: seconds, maxRSS: Int(usage.ru_maxrss) * 1024, stderr: stderr, leftovers: [])
        outcome.leftovers = leftovers(in: folder, fuzzCase: fuzzCase, succeeded: outcome.exitStatus == 0)
        return outcome
    }

    /// Everything in `folder` that is neither an unchanged input nor (after success) the declared output.
    func leftovers(in folder: URL, fuzzCase: FuzzCase, succeeded: Bool) -> [String] {
        var found: [String] = []
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: folder.path) else { return ["(case folder unreadable)"] }
        let inputFolders = Set(fuzzCase.files.keys.flatMap { path -> [String] in
            var parts = path.split(separator: "/").dropLast().map(String.init), out: [String] = []
            while !parts.isEmpty { out.append(parts.joined(separator: "/")); parts.removeLast() }
            return out
        })
        while let path = walker.nextObject() as? String {
            if let output = fuzzCase.output, succeeded, path == output || path.hasPrefix(output + "/") { continue }
            if inputFolders.contains(path) { continue }
            if let data = fuzzCase.files[path] {
                if (try? Data(contentsOf: folder.appendingPathComponent(path))) != data { found.append("\(path) (changed)") }
                continue
            }
            found.append(path)
        }
        for path in fuzzCase.files.keys where !fm.fileExists(atPath: folder.appendingPathComponent(path).path) { found.append("\(path) (deleted)") }
        return found.sorted()
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}

/// One case's result in a batch.
public struct FuzzResult: Sendable {
    public var name: String
    public var format: FuzzFormat
    /// nil when the runner itself could not run the case (with `runnerError` saying why).
    public var outcome: FuzzOutcome?
    public var runnerError: String?
}

extension FuzzRunner {
    /// Runs `cases` on `workers` threads; results in the order of `cases`.
    public func runAll(_ cases: [FuzzCase], scratch: URL, workers: Int = 2) -> [FuzzResult] {
        final class Slots: @unchecked Sendable {
            let lock = NSLock()
            var values: [FuzzResult?]
            init(_ n: Int) { values = Array(repeating: nil, count: n) }
            func set(_ i: Int, _ r: FuzzResult) { lock.lock(); values[i] = r; lock.unlock() }
        }
        let slots = Slots(cases.count)
        DispatchQueue.concurrentPerform(iterations: max(1, workers)) { worker in
            for k in stride(from: worker, to: cases.count, by: max(1, workers)) {
                let c = cases[k]
                do { slots.set(k, FuzzResult(name: c.name, format: c.format, outcome: try run(c, in: scratch))) } catch {
                    slots.set(k, FuzzResult(name: c.name, format: c.format, outcome: nil, runnerError: "\(error)"))
                }
            }
        }
        return slots.values.map { $0! }
    }

    /// "name: what went wrong" for every case of `cases` that broke the contract.
    public func violations(_ cases: [FuzzCase], scratch: URL, memoryBound: Int, workers: Int = 2) -> [String] {
        runAll(cases, scratch: scratch, workers: workers).compactMap { r in
            guard let outcome = r.outcome else { return "\(r.name): the runner failed: \(r.runnerError ?? "")" }
            return outcome.violation(memoryBound: memoryBound).map { "\(r.name): \($0)" }
        }
    }
}
