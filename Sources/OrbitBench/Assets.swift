import Exporters
import Foundation
import Geometry
import Media

/// The example scenes' assets, made by Orbit itself (see scenes/assets/README.md).
enum ExampleAssets {
    static func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // a torus knot with its own MTL colour (written +Y up, as most OBJ files are, by the one mesh writer)
        let knot = Primitives.torusKnot(radius: 1, tube: 0.3, segments: 128, sides: 16)
        try MeshWriter.write(knot, to: folder.appendingPathComponent("knot.obj"),
                             material: MeshMaterial(name: "copper", baseColor: Vec3(0.72, 0.36, 0.2), roughness: 0.5), overwrite: true)
        // the same knot textured through map_Kd
        try MeshWriter.write(knot, to: folder.appendingPathComponent("knot_textured.obj"),
                             material: MeshMaterial(name: "grid", roughness: 0.5, baseColorTexture: "uv_grid.png"), overwrite: true)
        try PNG.write(uvGrid(size: 256, cells: 8), to: folder.appendingPathComponent("uv_grid.png"))
        try PNG.write(blobs(size: 512, count: 700, seed: 11), to: folder.appendingPathComponent("blobs.png"))
    }

    /// Discs of random sizes and colours on grey: a texture feature matchers (SIFT) find distinct features in
    /// everywhere, unlike a repeating grid (for the video example and its tests).
    static func blobs(size: Int, count: Int, seed: UInt64) -> Image8 {
        var image = Image8(width: size, height: size, channels: 3, samples: [UInt8](repeating: 200, count: size * size * 3))
        var rng = RandomStream(seed: seed)
        for _ in 0..<count {
            let r = [3, 5, 8, 12, 20, 30][Int(rng.nextUInt64() % 6)]
            let cx = Int(rng.nextUInt64() % UInt64(size)), cy = Int(rng.nextUInt64() % UInt64(size))
            let colour = (0..<3).map { _ in UInt8(rng.nextUInt64() % 256) }
            for y in max(0, cy - r)..<min(size, cy + r) {
                for x in max(0, cx - r)..<min(size, cx + r) where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r {
                    for c in 0..<3 { image[x, y, c] = colour[c] }
                }
            }
        }
        return image
    }

    /// A colourful checkerboard whose cells vary in hue along u and brightness along v.
    static func uvGrid(size: Int, cells: Int) -> Image8 {
        var image = Image8(width: size, height: size, channels: 3)
        for y in 0..<size {
            for x in 0..<size {
                let cx = x * cells / size, cy = y * cells / size
                let hue = Double(cx) / Double(cells), value = 0.45 + 0.55 * Double(cells - cy) / Double(cells)
                var rgb = hsv(hue, (cx + cy) % 2 == 0 ? 0.75 : 0.25, value)
                if x % (size / cells) == 0 || y % (size / cells) == 0 { rgb = (0.1, 0.1, 0.1) }
                image[x, y, 0] = UInt8(rgb.0 * 255); image[x, y, 1] = UInt8(rgb.1 * 255); image[x, y, 2] = UInt8(rgb.2 * 255)
            }
        }
        return image
    }

    static func hsv(_ h: Double, _ s: Double, _ v: Double) -> (Double, Double, Double) {
        let i = Int(h * 6) % 6, f = h * 6 - Double(Int(h * 6)), p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s)
        switch i {
        case 0: return (v, t, p)
        case 1: return (q, v, p)
        case 2: return (p, v, t)
        case 3: return (p, q, v)
        case 4: return (t, p, v)
        default: return (v, p, q)
        }
    }
}
