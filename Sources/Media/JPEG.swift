import CJPEGShim
import FileSafety
import Foundation

/// JPEG decoding through libjpeg-turbo (baseline and progressive; grey, YCbCr 4:2:0 / 4:2:2 / 4:4:4, RGB,
/// CMYK and YCCK), turned upright by the file's EXIF orientation. Output is 8-bit RGB.
public enum JPEG {
    public static func isJPEG(_ data: Data) -> Bool { data.count > 3 && data[data.startIndex] == 0xFF && data[data.startIndex + 1] == 0xD8 }

    /// A decoded photograph and what the decoder noticed.
    public struct Decoded: Sendable {
        public var image: Image8
        /// The EXIF orientation that was applied (1 = none).
        public var orientation: Int
        /// True when the stream was truncated or damaged and the decoder filled in the missing part.
        public var damaged: Bool
    }

    /// Decodes JPEG bytes; `name` is used in messages. Damaged streams are an error unless `allowDamaged`.
    public static func decode(_ data: Data, name: String, allowDamaged: Bool = false) throws -> Image8 {
        let decoded = try decodeWithInfo(data, name: name)
        if decoded.damaged && !allowDamaged {
            throw MediaError(file: name, message: "the JPEG data is truncated or damaged; re-export or replace the image")
        }
        return decoded.image
    }

    public static func decodeWithInfo(_ data: Data, name: String) throws -> Decoded {
        let budget = ResourceBudget.current
        var image = orbit_jpeg_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { raw in
            orbit_jpeg_decode(raw.baseAddress, raw.count, budget.maxImagePixels, &image, &message, message.count)
        }
        guard status == 0 else { throw MediaError(file: name, message: "not a decodable JPEG image (\(cText(message)))") }
        defer { orbit_jpeg_free(&image) }
        let w = Int(image.width), h = Int(image.height)
        let samples = Array(UnsafeBufferPointer(start: image.pixels, count: w * h * 3))
        return Decoded(image: Image8(width: w, height: h, channels: 3, samples: samples), orientation: Int(image.orientation),
                       damaged: image.damaged != 0)
    }

    /// Width and height as stored (before EXIF orientation), read from the header alone.
    public static func size(_ data: Data, name: String) throws -> (width: Int, height: Int) {
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { orbit_jpeg_info($0.baseAddress, $0.count, &w, &h, &c, &message, message.count) }
        guard status == 0 else { throw MediaError(file: name, message: "not a decodable JPEG image (\(cText(message)))") }
        return (Int(w), Int(h))
    }

    /// Encodes pixels (1 grey, 3 RGB or 4 CMYK channels) as a JPEG, for tests and test corpora.
    public static func encode(_ image: Image8, quality: Int = 90, progressive: Bool = false, sampling: Int = 420) throws -> Data {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.samples.withUnsafeBufferPointer { p in
            orbit_jpeg_encode(p.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), Int32(quality),
                              progressive ? 1 : 0, Int32(sampling), &out, &size, &message, message.count)
        }
        guard status == 0, let out else { throw MediaError(file: "(memory)", message: cText(message)) }
        defer { orbit_jpeg_free_buffer(out) }
        return Data(bytes: out, count: size)
    }
}
