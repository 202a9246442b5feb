import Geometry

/// Scalar values on a regular lattice: point (i, j, k) sits at `origin + (i, j, k) · spacing` and is stored at
/// `values[(k · ny + j) · nx + i]` (x fastest, the same layout as the radiance field's lattice).
public struct ScalarGrid: Sendable {
    public var nx: Int, ny: Int, nz: Int
    public var origin: Vec3d
    public var spacing: Vec3d
    public var values: [Float]

    public init(nx: Int, ny: Int, nz: Int, origin: Vec3d, spacing: Vec3d, values: [Float]) {
        precondition(nx >= 2 && ny >= 2 && nz >= 2 && values.count == nx * ny * nz)
        self.nx = nx; self.ny = ny; self.nz = nz; self.origin = origin; self.spacing = spacing; self.values = values
    }

    /// A grid of `n³` points spanning `bounds`, filled by `f(position)`.
    public init(resolution n: Int, bounds: Bounds3, _ f: (Vec3d) -> Float) {
        let spacing = (bounds.upper - bounds.lower) / Double(n - 1)
        var values = [Float](repeating: 0, count: n * n * n)
        for k in 0..<n { for j in 0..<n { for i in 0..<n {
            values[(k * n + j) * n + i] = f(bounds.lower + Vec3d(Double(i), Double(j), Double(k)) * spacing)
        } } }
        self.init(nx: n, ny: n, nz: n, origin: bounds.lower, spacing: spacing, values: values)
    }

    public var bounds: Bounds3 {
        Bounds3(lower: origin, upper: origin + spacing * Vec3d(Double(nx - 1), Double(ny - 1), Double(nz - 1)))
    }

    @inline(__always) public func value(_ i: Int, _ j: Int, _ k: Int) -> Float { values[(k * ny + j) * nx + i] }

    /// Trilinear interpolation at a world position (clamped to the lattice).
    public func sample(_ p: Vec3d) -> Float {
        let q = (p - origin) / spacing
        func split(_ x: Double, _ n: Int) -> (Int, Float) {
            let c = min(max(x, 0), Double(n - 1))
            let i = min(Int(c), n - 2)
            return (i, Float(c - Double(i)))
        }
        let (i, fx) = split(q.x, nx), (j, fy) = split(q.y, ny), (k, fz) = split(q.z, nz)
        func lerp(_ a: Float, _ b: Float, _ t: Float) -> Float { a + (b - a) * t }
        let c00 = lerp(value(i, j, k), value(i + 1, j, k), fx), c10 = lerp(value(i, j + 1, k), value(i + 1, j + 1, k), fx)
        let c01 = lerp(value(i, j, k + 1), value(i + 1, j, k + 1), fx), c11 = lerp(value(i, j + 1, k + 1), value(i + 1, j + 1, k + 1), fx)
        return lerp(lerp(c00, c10, fy), lerp(c01, c11, fy), fz)
    }

    /// The gradient at a world position by central differences of `sample` one lattice step apart: smooth across
    /// cells, unlike the piecewise-constant derivative of the trilinear interpolant.
    public func gradient(_ p: Vec3d) -> Vec3 {
        var g = Vec3.zero
        for a in 0..<3 {
            var e = Vec3d.zero
            e[a] = spacing[a]
            g[a] = (sample(p + e) - sample(p - e)) / Float(2 * spacing[a])
        }
        return g
    }
}
