import Foundation

/// How much memory and work a command may plan for, checked before the work starts, so that a small
/// hostile file (a PLY header claiming 2·10⁹ vertices, a PNG of 20000² one-bit pixels) or a slip of the
/// finger (`--coarse 512 --fine 512`) ends in one line instead of an exhausted machine.
public struct ResourceBudget: Sendable {
    /// Memory one command may plan to use, bytes. Default: three quarters of the machine's memory.
    public var maxMemory: Int
    /// Pixels of one decoded image (PNG or JPEG frame, texture). Default 2²⁷ (134 M, e.g. 16384 × 8192).
    public var maxImagePixels: Int = 1 << 27
    /// Camera samples (pixels × samples per pixel × frames) one render job may plan. Default 10¹²: about
    /// a week of rendering on two cores at the measured 1.5-2 M samples/s.
    public var maxCameraSamples: Int = 1_000_000_000_000

    public init(maxMemory: Int? = nil) {
        self.maxMemory = maxMemory ?? Int(ProcessInfo.processInfo.physicalMemory / 4 * 3)
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var value = ResourceBudget()

    /// The budget of this process; the command line sets it once from `--max-memory`.
    public static var current: ResourceBudget {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }

    /// Throws when `bytes` (nil: an estimate that overflowed) exceeds the memory budget.
    public func checkMemory(_ bytes: Int?, for subject: String, what: String) throws {
        guard let bytes, bytes <= maxMemory else {
            throw BudgetError(subject: subject, what: what, estimate: bytes, limit: maxMemory, unit: .bytes)
        }
    }

    /// Throws when a render of `samples` camera samples exceeds the work limit.
    public func checkSamples(_ samples: Int?, for subject: String, what: String) throws {
        guard let samples, samples <= maxCameraSamples else {
            throw BudgetError(subject: subject, what: what, estimate: samples, limit: maxCameraSamples, unit: .samples)
        }
    }

    /// Throws when an image of `width` × `height` exceeds the per-image pixel limit.
    public func checkImage(width: Int, height: Int, for subject: String) throws {
        guard width > 0, height > 0 else { throw BudgetError(subject: subject, what: "an image of \(width)x\(height) pixels", estimate: 0, limit: 0, unit: .pixels) }
        let pixels = Checked.product([width, height])
        guard let pixels, pixels <= maxImagePixels else {
            throw BudgetError(subject: subject, what: "a \(width)x\(height) image", estimate: pixels, limit: maxImagePixels, unit: .pixels)
        }
    }
}

/// A plan that exceeds the budget: what needs it, the estimate and the limit.
public struct BudgetError: Error, Sendable, CustomStringConvertible {
    public enum Unit: Sendable { case bytes, pixels, count, samples }
    /// The file, field or option that asked for it.
    public var subject: String
    /// What would be made, in words ("a lattice of 512³ points").
    public var what: String
    /// The estimate (nil when it does not even fit a 64-bit integer).
    public var estimate: Int?
    public var limit: Int
    public var unit: Unit

    public init(subject: String, what: String, estimate: Int?, limit: Int, unit: Unit) {
        self.subject = subject; self.what = what; self.estimate = estimate; self.limit = limit; self.unit = unit
    }

    public var description: String {
        switch unit {
        case .bytes:
            return "\(subject): \(what) needs about \(estimate.map(Self.bytes) ?? "more than 9 EB") of memory, more than the limit of \(Self.bytes(limit)); make it smaller or raise the memory limit"
        case .pixels:
            if limit == 0 { return "\(subject): \(what) has no pixels" }
            return "\(subject): \(what) has \(estimate.map { Self.count($0) } ?? "too many") pixels, more than the limit of \(Self.count(limit)); use a smaller image"
        case .samples:
            return "\(subject): \(what) is \(estimate.map { Self.count($0) } ?? "too many") camera samples, more than the limit of \(Self.count(limit)); make it smaller or raise the work limit"
        case .count:
            return "\(subject): \(what) is \(estimate.map { Self.count($0) } ?? "too many"), more than the limit of \(Self.count(limit))"
        }
    }

    static func bytes(_ n: Int) -> String {
        let d = Double(n)
        if d >= 1e9 { return String(format: "%.1f GB", d / 1e9) }
        if d >= 1e6 { return String(format: "%.0f MB", d / 1e6) }
        return String(format: "%.0f kB", d / 1e3)
    }

    static func count(_ n: Int) -> String {
        let d = Double(n)
        if d >= 1e9 { return String(format: "%.1f billion", d / 1e9) }
        if d >= 1e6 { return String(format: "%.1f million", d / 1e6) }
        return "\(n)"
    }
}

/// Arithmetic on sizes read from files, which must never trap on overflow.
public enum Checked {
    /// The product, or nil if it overflows or a factor is negative.
    public static func product(_ factors: [Int]) -> Int? {
        var out = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (p, overflow) = out.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            out = p
        }
        return out
    }

    /// The sum, or nil if it overflows.
    public static func sum(_ terms: [Int]) -> Int? {
        var out = 0
        for t in terms {
            let (s, overflow) = out.addingReportingOverflow(t)
            if overflow { return nil }
            out = s
        }
        return out
    }

    /// `value` as an Int when it is finite, integral (within `tolerance`) and in `range`; nil otherwise.
    public static func integer(_ value: Double, in range: ClosedRange<Int>) -> Int? {
        guard value.isFinite, value >= Double(range.lowerBound), value <= Double(range.upperBound) else { return nil }
        return Int(value.rounded())
    }
}
