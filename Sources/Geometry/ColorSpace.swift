import Foundation

/// The sRGB transfer function (IEC 61966-2-1). Radiance is linear Rec.709/sRGB primaries everywhere;
/// only 8-bit images on disk are sRGB-encoded (docs/conventions.md).
public enum SRGB {
    /// Linear → sRGB-encoded (IEC 61966-2-1), for values in [0, 1].
    @inlinable public static func encode(_ linear: Float) -> Float {
        let x = min(max(linear, 0), 1)
        return x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055
    }

    /// sRGB-encoded → linear.
    @inlinable public static func decode(_ encoded: Float) -> Float {
        encoded <= 0.04045 ? encoded / 12.92 : pow((encoded + 0.055) / 1.055, 2.4)
    }

    /// Linear value of each 8-bit code.
    public static let decodeTable: [Float] = (0..<256).map { decode(Float($0) / 255) }

    /// Linear → 8-bit sRGB with rounding to nearest.
    @inlinable public static func encode8(_ linear: Float) -> UInt8 {
        UInt8(encode(linear) * 255 + 0.5)
    }
}

/// Quantization to integer samples that never traps: values are clamped to the range, and NaN (from a
/// damaged input that got this far) becomes 0.
public enum Quantize {
    /// `v` in 0...1 → 0...255, rounded.
    @inlinable public static func unit8(_ v: Float) -> UInt8 { v.isNaN ? 0 : UInt8(Swift.min(Swift.max(v, 0), 1) * 255 + 0.5) }
    /// `v` in 0...1 → 0...65535, rounded.
    @inlinable public static func unit16(_ v: Float) -> UInt16 { v.isNaN ? 0 : UInt16(Swift.min(Swift.max(v, 0), 1) * 65535 + 0.5) }
    /// `v` (≥ 0) rounded into 0...65535 (depth in millimetres, say).
    @inlinable public static func clamp16(_ v: Double) -> UInt16 { v.isNaN ? 0 : UInt16(Swift.min(Swift.max(v + 0.5, 0), 65535)) }
    /// The same in single precision.
    @inlinable public static func clamp16(_ v: Float) -> UInt16 { v.isNaN ? 0 : UInt16(Swift.min(Swift.max(v + 0.5, 0), 65535)) }
}
