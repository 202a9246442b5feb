import Dispatch
import Foundation

/// Result storage written from several threads, each index once.
public final class ResultSlots<R>: @unchecked Sendable {
    private let lock = NSLock()
    public private(set) var values: [R?]
    /// `count` empty slots.
    public init(count: Int) { values = Array(repeating: nil, count: count) }
    /// Stores `value` in slot `i` (each slot is written once).
    public func set(_ i: Int, _ value: R) { lock.lock(); values[i] = value; lock.unlock() }
}

/// `transform` applied to every element on all cores, results in order.
public func parallelMap<T: Sendable, R>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
    let slots = ResultSlots<R>(count: items.count)
    DispatchQueue.concurrentPerform(iterations: items.count) { i in slots.set(i, transform(items[i])) }
    return slots.values.map { $0! }
}
