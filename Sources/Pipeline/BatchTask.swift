import Foundation

/// Which scenes of a batch one process makes: all of them, every N-th from K (a shard), or a block of M
/// consecutive scenes (one task of an array larger than the scheduler's array limit). docs/batch.md.
public enum BatchTask: Sendable, Equatable, CustomStringConvertible {
    case all
    /// Scenes K, K + N, K + 2N, … (`--shard K/N`, or an array task without `--scenes-per-task`).
    case shard(index: Int, count: Int)
    /// Scenes K·M ..< (K + 1)·M (an array task with `--scenes-per-task M`).
    case block(index: Int, size: Int)

    /// The scene indices of a family of `count` scenes this task makes, in order.
    public func indices(of count: Int) -> [Int] {
        switch self {
        case .all: return Array(0..<count)
        case .shard(let k, let n): return k < count ? Array(stride(from: k, to: count, by: n)) : []
        case .block(let k, let m):
            let start = k.multipliedReportingOverflow(by: m)
            guard !start.overflow, start.partialValue < count else { return [] }
            return Array(start.partialValue..<min(count, start.partialValue + m))
        }
    }

    public var description: String {
        switch self {
        case .all: return "all scenes"
        case .shard(let k, let n): return "shard \(k)/\(n)"
        case .block(let k, let m): return "task \(k) (scenes \(k * m)…\(k * m + m - 1))"
        }
    }

    /// Parses `K/N` (0 ≤ K < N).
    public static func shard(_ text: String) throws -> BatchTask {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 10_000_000, k >= 0, k < n else {
            throw BatchError(.badShard(text))
        }
        return .shard(index: k, count: n)
    }

    /// The task of an array job, from the scheduler's environment: Slurm's `SLURM_ARRAY_TASK_ID` with
    /// `SLURM_ARRAY_TASK_COUNT` (or `SLURM_ARRAY_TASK_MIN`/`MAX`), or Kubernetes' `JOB_COMPLETION_INDEX` with
    /// `ORBIT_TASK_COUNT` (an Indexed Job does not say how many completions it has). With `scenesPerTask`, the
    /// task makes a block of that many scenes and the count is not needed. nil: no array job (make all scenes,
    /// or, with `scenesPerTask`, an error).
    public static func fromEnvironment(_ env: [String: String], scenesPerTask: Int?) throws -> BatchTask? {
        func integer(_ name: String) throws -> Int? {
            guard let text = env[name] else { return nil }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else { throw BatchError(.badEnvironment(name, text)) }
            return v
        }
        var index: Int, count: Int?
        if let id = try integer("SLURM_ARRAY_TASK_ID") {
            let low = try integer("SLURM_ARRAY_TASK_MIN") ?? 0
            guard id >= low else { throw BatchError(.badEnvironment("SLURM_ARRAY_TASK_ID", String(id))) }
            index = id - low
            if let c = try integer("SLURM_ARRAY_TASK_COUNT") { count = c }
            else if let high = try integer("SLURM_ARRAY_TASK_MAX"), high >= low { count = high - low + 1 }
        } else if let k = try integer("JOB_COMPLETION_INDEX") {
            index = k
            count = try integer("ORBIT_TASK_COUNT")
            if count == nil, scenesPerTask == nil { throw BatchError(.missingTaskCount) }
        } else {
            if scenesPerTask != nil { throw BatchError(.scenesPerTaskWithoutArray) }
            return nil
        }
        if let m = scenesPerTask { return .block(index: index, size: m) }
        guard let n = count, n >= 1, index < n else { throw BatchError(.badEnvironment("SLURM_ARRAY_TASK_COUNT", count.map(String.init) ?? "(unset)")) }
        return .shard(index: index, count: n)
    }
}
