import Foundation
import Geometry
import Media

/// Which images of a dataset to read.
public enum DatasetSplit: String, Sendable, CaseIterable {
    case train, val, test
}

/// One image with its camera. Pixels are kept as 8-bit RGBA (sRGB-encoded) to save memory.
public struct PosedImage: Sendable {
    /// File stem, e.g. `r_12` or `frame_00012`, used to name rendered views after their ground truth.
    public var name: String
    /// The camera, at the image's resolution.
    public var camera: Camera
    /// The pixels, 8-bit sRGB with straight alpha.
    public var rgba: Image8
}

/// The images of one split of a dataset.
public struct PosedImages: Sendable {
    /// The images, in file order.
    public var images: [PosedImage]
    /// Colour composited under transparent pixels (sRGB-encoded, 0...1). Default white, the NeRF-synthetic protocol.
    public var background: Vec3
    /// Image width, pixels (every image of a split has the same size).
    public var width: Int { images.first?.camera.width ?? 0 }
    /// Image height, pixels.
    public var height: Int { images.first?.camera.height ?? 0 }

    /// Pixel (x, y) of image `i`: sRGB-encoded colour in [0, 1] and alpha (coverage).
    @inlinable public func rgba(_ i: Int, _ x: Int, _ y: Int) -> (Vec3, Float) {
        let image = images[i].rgba
        let base = (y * image.width + x) * 4
        return (Vec3(Float(image.samples[base]), Float(image.samples[base + 1]), Float(image.samples[base + 2])) / 255,
                Float(image.samples[base + 3]) / 255)
    }

    /// Pixel (x, y) of image `i` composited over the background, in sRGB-encoded [0, 1] (the protocol's space).
    @inlinable public func color(_ i: Int, _ x: Int, _ y: Int) -> Vec3 {
        let (c, a) = rgba(i, x, y)
        return c * a + background * (1 - a)
    }

    /// Every pixel of image `i` composited over the background, row-major (the ground truth for metrics).
    public func colors(_ i: Int) -> [Vec3] {
        var out = [Vec3](repeating: .zero, count: width * height)
        for y in 0..<height { for x in 0..<width { out[y * width + x] = color(i, x, y) } }
        return out
    }
}
