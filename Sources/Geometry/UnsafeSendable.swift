/// A raw pointer that may cross into concurrently running closures; each use writes disjoint elements.
public struct UnsafeSendable<T>: @unchecked Sendable {
    /// The pointer.
    public let pointer: UnsafeMutablePointer<T>
    /// Wraps a mutable pointer.
    public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
    /// Wraps a pointer that is only read.
    public init(_ pointer: UnsafePointer<T>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}
