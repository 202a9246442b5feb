import CPNGShim
import FileSafety
import Foundation

public struct MediaError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public init(file: String, message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}

/// PNG files through libpng. 8-bit images hold sRGB-encoded colour or plain codes; 16-bit images hold data
/// (depth in millimetres, instance ids, normals).
public enum PNG {
    /// A decoded PNG of either bit depth.
    public enum Decoded: Sendable {
        case eight(Image8)
        case sixteen(Image16)

        /// The image as 8 bits per sample (16-bit samples are rounded).
        public var as8: Image8 {
            switch self {
            case .eight(let i): return i
            case .sixteen(let i):
                return Image8(width: i.width, height: i.height, channels: i.channels,
                              samples: i.samples.map { UInt8((UInt32($0) * 255 + 32767) / 65535) })
            }
        }
    }

    public static func write(_ image: Image8, to url: URL) throws {
        try write(samples: image.samples, width: image.width, height: image.height, channels: image.channels, bitDepth: 8, url: url)
    }

    public static func write(_ image: Image16, to url: URL) throws {
        try write(samples: image.samples, width: image.width, height: image.height, channels: image.channels, bitDepth: 16, url: url)
    }

    private static func write<T>(samples: [T], width: Int, height: Int, channels: Int, bitDepth: Int, url: URL) throws {
        var message = [CChar](repeating: 0, count: 256)
        let status = samples.withUnsafeBytes { raw in
            orbit_png_write(url.path, raw.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(bitDepth), &message, message.count)
        }
        if status != 0 { throw MediaError(file: url.path, message: cText(message)) }
    }

    public static func read(_ url: URL) throws -> Decoded {
        var image = orbit_png_image()
        var message = [CChar](repeating: 0, count: 256)
        guard orbit_png_read_file(url.path, ResourceBudget.current.maxImagePixels, &image, &message, message.count) == 0 else {
            throw MediaError(file: url.path, message: cText(message))
        }
        defer { orbit_png_free(&image) }
        return convert(image)
    }

    /// Decodes PNG bytes (e.g. a texture embedded in a GLB file); `name` is used in messages.
    public static func decode(_ data: Data, name: String) throws -> Decoded {
        var image = orbit_png_image()
        var message = [CChar](repeating: 0, count: 256)
        let limit = ResourceBudget.current.maxImagePixels
        let status = data.withUnsafeBytes { orbit_png_read_memory($0.baseAddress, data.count, limit, &image, &message, message.count) }
        guard status == 0 else { throw MediaError(file: name, message: cText(message)) }
        defer { orbit_png_free(&image) }
        return convert(image)
    }

    private static func convert(_ image: orbit_png_image) -> Decoded {
        let w = Int(image.width), h = Int(image.height), c = Int(image.channels)
        let count = w * h * c
        if image.bit_depth == 16 {
            let p = image.pixels.assumingMemoryBound(to: UInt16.self)
            return .sixteen(Image16(width: w, height: h, channels: c, samples: Array(UnsafeBufferPointer(start: p, count: count))))
        }
        let p = image.pixels.assumingMemoryBound(to: UInt8.self)
        return .eight(Image8(width: w, height: h, channels: c, samples: Array(UnsafeBufferPointer(start: p, count: count))))
    }
}
