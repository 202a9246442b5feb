import Capture
import Dataset
import Foundation

/// A progress bar (done/total, rate, ETA) on a terminal; plain lines otherwise; silent with --quiet.
final class ProgressReporter {
    let label: String
    let quiet: Bool
    let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastPlain = -1.0
    private var drewBar = false

    init(label: String, quiet: Bool) { self.label = label; self.quiet = quiet }

    func report(_ p: JobProgress) {
        guard !quiet, p.total > 0 else { return }
        let rate = p.elapsed > 0 ? Double(p.done) / p.elapsed : 0
        let eta = rate > 0 ? Self.duration(Double(p.total - p.done) / rate) : "--"
        var status = String(format: "%d/%d %@  %.2f %@/s  ETA %@", p.done, p.total, label, rate, label, eta)
        if !p.detail.isEmpty { status += "  " + p.detail }
        show(status, done: p.done, total: p.total, elapsed: p.elapsed)
    }

    /// Shows a status line the caller composed (a bar on a terminal, a plain line at most every two seconds otherwise).
    func show(_ status: String, done: Int, total: Int, elapsed: Double) {
        guard !quiet, total > 0 else { return }
        if isTerminal {
            let width = 30, filled = width * min(done, total) / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K[\(bar)] \(status)".utf8))
            drewBar = true
        } else if done == total || elapsed - lastPlain >= 2 || (done == 0 && lastPlain < 0) {
            // plain lines, at most one every two seconds, for logs
            lastPlain = elapsed
            FileHandle.standardError.write(Data("orbit: \(status)\n".utf8))
        }
    }

    func finish() {
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)); drewBar = false }
    }

    static func duration(_ s: Double) -> String {
        if s < 60 { return String(format: "%.0fs", s) }
        if s < 3600 { return String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60) }
        return String(format: "%dh%02dm", Int(s) / 3600, (Int(s) % 3600) / 60)
    }
}
