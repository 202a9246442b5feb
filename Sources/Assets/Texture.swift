import FileSafety
import Foundation
import Geometry
import Media

/// A colour texture decoded to linear RGB (sRGB-encoded files are decoded on load).
/// Texel (i, j) covers [i, i+1) × [j, j+1) with j counted from the top row; UV (0, 0) is the bottom-left corner.
public struct Texture: Sendable {
    public var width: Int
    public var height: Int
    /// Linear RGB, row-major from the top row.
    public var texels: [Vec3]

    public init(width: Int, height: Int, texels: [Vec3]) {
        precondition(texels.count == width * height)
        self.width = width; self.height = height; self.texels = texels
    }

    /// A texture from an 8- or 16-bit PNG (sRGB-encoded colour; gray and alpha channels handled).
    public init(png decoded: PNG.Decoded) {
        let image = decoded.as8
        let table = SRGB.decodeTable
        var texels = [Vec3](repeating: .zero, count: image.width * image.height)
        for i in 0..<texels.count {
            let base = i * image.channels
            if image.channels >= 3 {
                texels[i] = Vec3(table[Int(image.samples[base])], table[Int(image.samples[base + 1])], table[Int(image.samples[base + 2])])
            } else {
                texels[i] = Vec3(repeating: table[Int(image.samples[base])])
            }
        }
        self.init(width: image.width, height: image.height, texels: texels)
    }

    /// Loads a PNG or JPEG texture file.
    public static func load(_ url: URL) throws -> Texture {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw MediaError(file: url.path, message: "cannot read the file") }
        return try decode(data, name: url.path)
    }

    /// Decodes PNG or JPEG bytes, told apart by their signature.
    public static func decode(_ data: Data, name: String) throws -> Texture {
        // 16 bytes of linear colour per texel, on top of the decoded image
        if let size = JPEG.isJPEG(data) ? try? JPEG.size(data, name: name) : nil {
            try ResourceBudget.current.checkMemory(Checked.product([size.width, size.height, 20]), for: name, what: "a \(size.width)x\(size.height) texture")
        }
        if JPEG.isJPEG(data) { return Texture(png: .eight(try JPEG.decode(data, name: name))) }
        return Texture(png: try PNG.decode(data, name: name))
    }

    /// Bilinearly filtered lookup with wrap-around (repeat) addressing.
    @inlinable public func sample(_ uv: Vec2) -> Vec3 {
        let x = (uv.x - uv.x.rounded(.down)) * Float(width) - 0.5
        let y = (1 - (uv.y - uv.y.rounded(.down))) * Float(height) - 0.5
        let x0f = x.rounded(.down), y0f = y.rounded(.down)
        let fx = x - x0f, fy = y - y0f
        let x0 = (Int(x0f) % width + width) % width, y0 = (Int(y0f) % height + height) % height
        let x1 = (x0 + 1) % width, y1 = (y0 + 1) % height
        let a = texels[y0 * width + x0], b = texels[y0 * width + x1]
        let c = texels[y1 * width + x0], d = texels[y1 * width + x1]
        return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy
    }
}
