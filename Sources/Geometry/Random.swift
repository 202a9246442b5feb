/// A small counter-based random stream. Every pixel sample seeds its own stream from
/// (seed, frame, pixel, sample), so images do not depend on thread count or tile order.
public struct RandomStream: Sendable {
    @usableFromInline var state: UInt64

    /// A stream keyed by `seed` and up to three more words (pixel, sample, frame, …).
    @inlinable public init(seed: UInt64, _ a: UInt64 = 0, _ b: UInt64 = 0, _ c: UInt64 = 0) {
        var s = RandomStream.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        s = RandomStream.mix(s ^ (a &* 0xBF58_476D_1CE4_E5B9))
        s = RandomStream.mix(s ^ (b &* 0x94D0_49BB_1331_11EB))
        s = RandomStream.mix(s ^ (c &* 0xD6E8_FEB8_6659_FD93))
        state = s
    }

    /// SplitMix64's finaliser.
    @inlinable static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inlinable public mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return RandomStream.mix(state)
    }

    /// A uniform Float in [0, 1).
    @inlinable public mutating func nextFloat() -> Float {
        Float(nextUInt64() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform Double in [0, 1).
    @inlinable public mutating func nextDouble() -> Double {
        Double(nextUInt64() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }
}
