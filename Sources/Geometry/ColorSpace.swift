import Foundation

/// The sRGB transfer function (IEC 61966-2-1). Radiance is linear Rec.709/sRGB primaries everywhere;
/// only 8-bit images on disk are sRGB-encoded (docs/conventions.md).
public enum SRGB {
    @inlinable public static func encode(_ linear: Float) -> Float {
        let x = min(max(linear, 0), 1)
        return x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055
    }

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
