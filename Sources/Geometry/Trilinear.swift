/// Trilinear interpolation on a lattice, written once: the cell and fraction of a position, the eight corner
/// weights (for values that are also differentiated or scattered, as the volume renderer's are) and the nested
/// linear interpolation (for values that are only read). Corner c has bit 0 for +x, bit 1 for +y, bit 2 for +z.
public enum Trilinear {
    /// The lower lattice index and the fraction inside the cell of lattice coordinate `x` on an axis of `count`
    /// points (≥ 2); positions outside the lattice are clamped to its end points.
    @inlinable @inline(__always) public static func split(_ x: Double, count: Int) -> (index: Int, fraction: Double) {
        let c = min(max(x, 0), Double(count - 1))
        let i = min(Int(c), count - 2)
        return (i, c - Double(i))
    }

    /// The weights of the eight corners for fraction `f` inside a cell; they sum to one.
    @inlinable @inline(__always) public static func weights<S: SIMDScalar & BinaryFloatingPoint>(_ f: SIMD3<S>) -> SIMD8<S> {
        let gx = 1 - f.x, gy = 1 - f.y, gz = 1 - f.z
        return SIMD8(gx * gy * gz, f.x * gy * gz, gx * f.y * gz, f.x * f.y * gz, gx * gy * f.z, f.x * gy * f.z, gx * f.y * f.z, f.x * f.y * f.z)
    }

    /// The index offset of corner `c` in a lattice stored x fastest, with `row` points per row and `slice` per slice.
    @inlinable @inline(__always) public static func offset(_ c: Int, row: Int, slice: Int) -> Int { (c & 1) + ((c >> 1) & 1) * row + (c >> 2) * slice }

    /// The value at fraction `f` of a cell whose corners hold `v`, as nested linear interpolations (x, then y, then z).
    @inlinable @inline(__always) public static func interpolate(_ v: SIMD8<Float>, _ f: SIMD3<Float>) -> Float {
        @inline(__always) func lerp(_ a: Float, _ b: Float, _ t: Float) -> Float { a + (b - a) * t }
        let c00 = lerp(v[0], v[1], f.x), c10 = lerp(v[2], v[3], f.x), c01 = lerp(v[4], v[5], f.x), c11 = lerp(v[6], v[7], f.x)
        return lerp(lerp(c00, c10, f.y), lerp(c01, c11, f.y), f.z)
    }
}
