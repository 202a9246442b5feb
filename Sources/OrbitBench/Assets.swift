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
        // concave shapes for mesh export (scenes/concave.json), flat-shaded, metres
        try MeshWriter.write(crate(), to: folder.appendingPathComponent("crate.obj"),
                             material: MeshMaterial(name: "wood", baseColor: Vec3(0.75, 0.55, 0.3), roughness: 0.7), overwrite: true)
        try MeshWriter.write(lBlock(), to: folder.appendingPathComponent("l_block.obj"),
                             material: MeshMaterial(name: "blue", baseColor: Vec3(0.3, 0.45, 0.75), roughness: 0.6), overwrite: true)
        try PNG.write(uvGrid(size: 256, cells: 8), to: folder.appendingPathComponent("uv_grid.png"))
        try PNG.write(blobs(size: 512, count: 700, seed: 11), to: folder.appendingPathComponent("blobs.png"))
    }

    /// Flat-shaded quads (corners in any order around the quad), each turned to face `outward`.
    static func quads(_ list: [([Vec3], Vec3)]) -> TriangleMesh {
        var mesh = TriangleMesh()
        for (corners, outward) in list {
            var q = corners
            if dot(cross(q[1] - q[0], q[2] - q[0]), outward) < 0 { q = [q[0], q[3], q[2], q[1]] }
            let base = UInt32(mesh.positions.count), n = normalize(cross(q[1] - q[0], q[2] - q[0]))
            mesh.positions += q; mesh.normals += Array(repeating: n, count: 4)
            mesh.indices += [base, base + 1, base + 2, base, base + 2, base + 3]
        }
        return mesh
    }

    /// An open crate, +Z up: 1 × 1 × 0.6 m outside, a 0.8 × 0.8 × 0.5 m cavity open at the top, a closed surface.
    static func crate() -> TriangleMesh {
        let o: Float = 0.5, i: Float = 0.4, h: Float = 0.6, f: Float = 0.1
        func v(_ x: Float, _ y: Float, _ z: Float) -> Vec3 { Vec3(x, y, z) }
        var list: [([Vec3], Vec3)] = [([v(-o, -o, 0), v(o, -o, 0), v(o, o, 0), v(-o, o, 0)], v(0, 0, -1))]
        for (s, axis) in [(Float(-1), 0), (1, 0), (-1, 1), (1, 1)] {
            // outer wall outwards, inner wall into the cavity
            let outer = axis == 0 ? [v(s * o, -o, 0), v(s * o, o, 0), v(s * o, o, h), v(s * o, -o, h)] : [v(-o, s * o, 0), v(o, s * o, 0), v(o, s * o, h), v(-o, s * o, h)]
            let inner = axis == 0 ? [v(s * i, -i, f), v(s * i, i, f), v(s * i, i, h), v(s * i, -i, h)] : [v(-i, s * i, f), v(i, s * i, f), v(i, s * i, h), v(-i, s * i, h)]
            let n = axis == 0 ? v(s, 0, 0) : v(0, s, 0)
            list.append((outer, n)); list.append((inner, -n))
        }
        let ring = [v(-o, -o, h), v(o, -o, h), v(o, o, h), v(-o, o, h)], hole = [v(-i, -i, h), v(i, -i, h), v(i, i, h), v(-i, i, h)]
        for k in 0..<4 { list.append(([ring[k], ring[(k + 1) % 4], hole[(k + 1) % 4], hole[k]], v(0, 0, 1))) }
        list.append(([v(-i, -i, f), v(i, -i, f), v(i, i, f), v(-i, i, f)], v(0, 0, 1)))
        return quads(list)
    }

    /// An L-shaped block, +Z up: a 0.8 × 0.4 × 0.3 m base with a 0.2 m thick upright 0.9 m tall at one end.
    static func lBlock() -> TriangleMesh {
        let profile: [(Float, Float)] = [(0, 0), (0.8, 0), (0.8, 0.9), (0.6, 0.9), (0.6, 0.3), (0, 0.3)], y: Float = 0.2
        var list: [([Vec3], Vec3)] = []
        for k in profile.indices {
            let (x0, z0) = profile[k], (x1, z1) = profile[(k + 1) % profile.count]
            list.append(([Vec3(x0, -y, z0), Vec3(x1, -y, z1), Vec3(x1, y, z1), Vec3(x0, y, z0)], Vec3(z1 - z0, 0, x0 - x1)))
        }
        for (side, n) in [(-y, Vec3(0, -1, 0)), (y, Vec3(0, 1, 0))] {
            list.append(([Vec3(0, side, 0), Vec3(0.6, side, 0), Vec3(0.6, side, 0.3), Vec3(0, side, 0.3)], n))
            list.append(([Vec3(0.6, side, 0), Vec3(0.8, side, 0), Vec3(0.8, side, 0.9), Vec3(0.6, side, 0.9)], n))
        }
        return quads(list)
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
