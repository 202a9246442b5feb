import Geometry

/// Which triangle each pixel of a camera sees, and where on it: a z-buffer over pixel centres with
/// perspective-correct barycentrics. For measuring and previewing exported meshes without lights or a viewer.
public struct MeshRaster: Sendable {
    public var width: Int, height: Int
    /// The nearest triangle at each pixel centre, row-major from the top; -1 where none.
    public var triangle: [Int32]
    /// Weights of the triangle's three corners at the pixel centre (perspective-correct).
    public var barycentrics: [Vec3]
    /// Camera-space depth (along the view axis), metres; infinity where no triangle.
    public var depth: [Float]

    /// Rasterises `mesh` as `camera` sees it. Triangles with a corner closer than `near` metres (or behind the
    /// camera) are left out: meshes are measured from cameras outside them.
    public init(_ mesh: TriangleMesh, camera: Camera, near: Float = 1e-3) {
        width = camera.width; height = camera.height
        triangle = Array(repeating: -1, count: width * height)
        barycentrics = Array(repeating: .zero, count: width * height)
        depth = Array(repeating: .infinity, count: width * height)
        let rays = PixelRays(camera)
        var screen = [Vec2d](repeating: .zero, count: mesh.positions.count), inverseZ = [Float](repeating: 0, count: mesh.positions.count)
        for (i, p) in mesh.positions.enumerated() {
            let d = p - rays.origin
            let z = -dot(d, rays.back)
            inverseZ[i] = z > near ? 1 / z : 0
            if z > near { screen[i] = Vec2d(Double(rays.cx + rays.fx * dot(d, rays.right) / z), Double(rays.cy - rays.fy * dot(d, rays.up) / z)) }
        }
        for t in 0..<mesh.triangleCount {
            let a = Int(mesh.indices[3 * t]), b = Int(mesh.indices[3 * t + 1]), c = Int(mesh.indices[3 * t + 2])
            let iz = Vec3(inverseZ[a], inverseZ[b], inverseZ[c])
            guard iz.x > 0, iz.y > 0, iz.z > 0 else { continue }
            let w = width
            Raster.triangle(screen[a], screen[b], screen[c], width: width, height: height) { x, y, s in
                // screen-space weights → perspective-correct ones: interpolate 1/z linearly in the image
                let weighted = Vec3(Float(s.x), Float(s.y), Float(s.z)) * iz
                let sum = weighted.sum()
                guard sum > 0 else { return }
                let z = 1 / sum, index = y * w + x
                if z < depth[index] {
                    depth[index] = z; triangle[index] = Int32(t); barycentrics[index] = weighted / sum
                }
            }
        }
    }

    /// Colours of the visible surface by `shade(triangle, barycentrics)`, `background` elsewhere.
    public func shaded(background: Vec3, _ shade: (Int, Vec3) -> Vec3) -> [Vec3] {
        (0..<(width * height)).map { i in triangle[i] >= 0 ? shade(Int(triangle[i]), barycentrics[i]) : background }
    }
}

/// An 8-bit RGB texture sampled like a GPU: bilinear, clamped at the border, texel centres at half-integers,
/// texture coordinates with their origin at the bottom-left.
public struct TextureSampler: Sendable {
    public var size: Int
    public var rgb: [UInt8]
    public init(size: Int, rgb: [UInt8]) { precondition(rgb.count == 3 * size * size); self.size = size; self.rgb = rgb }

    /// The colour at `uv`, in the texture's own encoding scaled to [0, 1].
    public func sample(_ uv: Vec2) -> Vec3 {
        let x = Double(uv.x) * Double(size) - 0.5, y = (1 - Double(uv.y)) * Double(size) - 0.5
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = Float(x - Double(x0)), fy = Float(y - Double(y0))
        func texel(_ i: Int, _ j: Int) -> Vec3 {
            let ci = min(max(i, 0), size - 1), cj = min(max(j, 0), size - 1), k = 3 * (cj * size + ci)
            return Vec3(Float(rgb[k]), Float(rgb[k + 1]), Float(rgb[k + 2])) / 255
        }
        let top = texel(x0, y0) * (1 - fx) + texel(x0 + 1, y0) * fx
        let bottom = texel(x0, y0 + 1) * (1 - fx) + texel(x0 + 1, y0 + 1) * fx
        return top * (1 - fy) + bottom * fy
    }
}
