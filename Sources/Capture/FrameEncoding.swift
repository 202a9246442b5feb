import Geometry
import Media
import Render

/// Conversions from a rendered `Frame` to the images of the dataset folder (docs/conventions.md).
public enum FrameEncoding {
    /// 8-bit sRGB RGBA with straight (un-premultiplied) colour and alpha = coverage.
    public static func rgba(_ frame: Frame) -> Image8 {
        var image = Image8(width: frame.width, height: frame.height, channels: 4)
        image.samples.withUnsafeMutableBufferPointer { out in
            for i in 0..<(frame.width * frame.height) {
                let c = frame.straightColor(i)
                out[4 * i] = SRGB.encode8(c.x); out[4 * i + 1] = SRGB.encode8(c.y); out[4 * i + 2] = SRGB.encode8(c.z)
                out[4 * i + 3] = UInt8(frame.alpha[i] * 255 + 0.5)
            }
        }
        return image
    }

    /// 8-bit sRGB RGB composited over `matte` (linear) in linear light, for the video.
    public static func composited(_ frame: Frame, matte: Vec3) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: frame.width * frame.height * 3)
        for i in 0..<(frame.width * frame.height) {
            let c = frame.radiance[i] + matte * (1 - frame.alpha[i])
            out[3 * i] = SRGB.encode8(c.x); out[3 * i + 1] = SRGB.encode8(c.y); out[3 * i + 2] = SRGB.encode8(c.z)
        }
        return out
    }

    /// Largest depth a 16-bit millimetre PNG holds, in metres; farther hits saturate to 65535.
    public static let maxDepth: Float = 65.535

    /// 16-bit gray z-depth in millimetres (rounded); 0 where nothing was hit.
    public static func depthMillimetres(_ frame: Frame) -> Image16 {
        Image16(width: frame.width, height: frame.height, channels: 1,
                samples: frame.depth.map { $0 <= 0 ? 0 : Quantize.clamp16($0 * 1000) })
    }

    /// 16-bit RGB world-space normals mapped from [−1, 1] to [0, 65535]; 0 where nothing was hit.
    public static func normals(_ frame: Frame) -> Image16 {
        var samples = [UInt16](repeating: 0, count: frame.width * frame.height * 3)
        for (i, n) in frame.normals.enumerated() where n != .zero {
            for c in 0..<3 { samples[3 * i + c] = Quantize.unit16((n[c] + 1) / 2) }
        }
        return Image16(width: frame.width, height: frame.height, channels: 3, samples: samples)
    }

    /// 8-bit gray mask: coverage × 255 (0 = background).
    public static func mask(_ frame: Frame) -> Image8 {
        Image8(width: frame.width, height: frame.height, channels: 1, samples: frame.alpha.map { UInt8($0 * 255 + 0.5) })
    }

    /// 16-bit gray instance ids (object index + 1; 0 = background).
    public static func instances(_ frame: Frame) -> Image16 {
        Image16(width: frame.width, height: frame.height, channels: 1, samples: frame.instanceIDs)
    }
}
