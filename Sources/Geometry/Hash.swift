/// 64-bit FNV-1a, used for scene hashes and determinism checks (not for security).
public struct FNV1a64: Sendable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325
    /// The defaults.
    public init() {}

    /// Folds `bytes` into the hash.
    public mutating func combine<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    }

    /// Folds the bytes of `array`'s elements into the hash.
    public mutating func combine<T: BitwiseCopyable>(contentsOf array: [T]) {
        array.withUnsafeBytes { combine(bytes: $0) }
    }

    /// The hash as 16 hex digits.
    public var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
