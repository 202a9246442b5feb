import Foundation

/// Triangle meshes of the analytic primitives, in object space (see `Shape` in the scene format).
public enum Primitives {
    /// A UV sphere with `rings` latitude bands and `segments` longitude segments, with exact normals and UVs.
    public static func sphere(center: Vec3 = .zero, radius: Float, rings: Int = 64, segments: Int = 128) -> TriangleMesh {
        var mesh = TriangleMesh()
        for r in 0...rings {
            let theta = Float.pi * Float(r) / Float(rings)
            for s in 0...segments {
                let phi = 2 * Float.pi * Float(s) / Float(segments)
                let n = Vec3(sin(theta) * cos(phi), sin(theta) * sin(phi), cos(theta))
                mesh.positions.append(center + radius * n)
                mesh.normals.append(n)
                mesh.uvs.append(Vec2(Float(s) / Float(segments), 1 - Float(r) / Float(rings)))
            }
        }
        let w = UInt32(segments + 1)
        for r in 0..<UInt32(rings) {
            for s in 0..<UInt32(segments) {
                let a = r * w + s, b = a + w
                if r != 0 { mesh.indices += [a, b, a + 1] }
                if r != UInt32(rings) - 1 { mesh.indices += [a + 1, b, b + 1] }
            }
        }
        return mesh
    }

    /// An axis-aligned box centred at the origin with flat faces (24 vertices).
    public static func box(size: Vec3) -> TriangleMesh {
        var mesh = TriangleMesh()
        let h = size / 2
        let faces: [(Vec3, Vec3, Vec3)] = [  // normal, u axis, v axis (u × v = normal)
            (Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1)), (Vec3(-1, 0, 0), Vec3(0, -1, 0), Vec3(0, 0, 1)),
            (Vec3(0, 1, 0), Vec3(-1, 0, 0), Vec3(0, 0, 1)), (Vec3(0, -1, 0), Vec3(1, 0, 0), Vec3(0, 0, 1)),
            (Vec3(0, 0, 1), Vec3(1, 0, 0), Vec3(0, 1, 0)), (Vec3(0, 0, -1), Vec3(-1, 0, 0), Vec3(0, 1, 0)),
        ]
        for (n, u, v) in faces {
            let base = UInt32(mesh.positions.count)
            for (su, sv) in [(Float(-1), Float(-1)), (1, -1), (1, 1), (-1, 1)] {
                mesh.positions.append((n + su * u + sv * v) * h)
                mesh.normals.append(n)
                mesh.uvs.append(Vec2((su + 1) / 2, (sv + 1) / 2))
            }
            mesh.indices += [base, base + 1, base + 2, base, base + 2, base + 3]
        }
        return mesh
    }

    /// A rectangle of `size` centred at the origin in the z = 0 plane, facing +Z.
    public static func quad(size: Vec2) -> TriangleMesh {
        let h = size / 2
        return TriangleMesh(
            positions: [Vec3(-h.x, -h.y, 0), Vec3(h.x, -h.y, 0), Vec3(h.x, h.y, 0), Vec3(-h.x, h.y, 0)],
            normals: Array(repeating: Vec3(0, 0, 1), count: 4),
            uvs: [Vec2(0, 0), Vec2(1, 0), Vec2(1, 1), Vec2(0, 1)],
            indices: [0, 1, 2, 0, 2, 3])
    }

    /// A capped cylinder about the z axis centred at the origin; smooth side normals, flat caps.
    public static func cylinder(radius: Float, height: Float, segments: Int = 128) -> TriangleMesh {
        var mesh = TriangleMesh()
        let h = height / 2
        for s in 0...segments {
            let phi = 2 * Float.pi * Float(s) / Float(segments)
            let n = Vec3(cos(phi), sin(phi), 0)
            for z in [-h, h] {
                mesh.positions.append(radius * n + Vec3(0, 0, z))
                mesh.normals.append(n)
                mesh.uvs.append(Vec2(Float(s) / Float(segments), z > 0 ? 1 : 0))
            }
        }
        for s in 0..<UInt32(segments) {
            let a = 2 * s
            mesh.indices += [a, a + 2, a + 3, a, a + 3, a + 1]
        }
        for z in [-h, h] {
            let n = Vec3(0, 0, z > 0 ? 1 : -1)
            let centre = UInt32(mesh.positions.count)
            mesh.positions.append(Vec3(0, 0, z)); mesh.normals.append(n); mesh.uvs.append(Vec2(0.5, 0.5))
            for s in 0...segments {
                let phi = 2 * Float.pi * Float(s) / Float(segments)
                mesh.positions.append(Vec3(radius * cos(phi), radius * sin(phi), z))
                mesh.normals.append(n)
                mesh.uvs.append(Vec2(0.5 + 0.5 * cos(phi), 0.5 + 0.5 * sin(phi)))
            }
            for s in 0..<UInt32(segments) {
                mesh.indices += z > 0 ? [centre, centre + 1 + s, centre + 2 + s] : [centre, centre + 2 + s, centre + 1 + s]
            }
        }
        return mesh
    }
}

extension Primitives {
    /// A (p, q) torus knot tube: a closed, smooth mesh of `2 · segments · sides` triangles, made by Orbit
    /// for examples and benchmarks (no third-party asset needed).
    public static func torusKnot(p: Int = 2, q: Int = 3, radius: Float = 1, tube: Float = 0.3,
                                 segments: Int = 700, sides: Int = 50) -> TriangleMesh {
        func curve(_ t: Float) -> Vec3 {
            let r = radius * (2 + cos(Float(q) * t)) / 3
            return Vec3(r * cos(Float(p) * t), r * sin(Float(p) * t), radius * sin(Float(q) * t) / 3)
        }
        var mesh = TriangleMesh()
        for s in 0..<segments {
            let t = 2 * Float.pi * Float(s) / Float(segments)
            let c = curve(t), next = curve(t + 1e-3), prev = curve(t - 1e-3)
            let tangent = normalize(next - prev)
            let bendNormal = normalize(next + prev - 2 * c)
            let binormal = normalize(cross(tangent, bendNormal))
            let normal = cross(binormal, tangent)
            for k in 0..<sides {
                let a = 2 * Float.pi * Float(k) / Float(sides)
                let n = normal * cos(a) + binormal * sin(a)
                mesh.positions.append(c + tube * n)
                mesh.normals.append(n)
                mesh.uvs.append(Vec2(Float(s) / Float(segments), Float(k) / Float(sides)))
            }
        }
        for s in 0..<segments {
            for k in 0..<sides {
                let a = UInt32(s * sides + k), b = UInt32(((s + 1) % segments) * sides + k)
                let a1 = UInt32(s * sides + (k + 1) % sides), b1 = UInt32(((s + 1) % segments) * sides + (k + 1) % sides)
                mesh.indices += [a, b1, b, a, a1, b1]  // counter-clockwise seen from outside
            }
        }
        return mesh
    }
}
