// Small vector helpers over the standard library's SIMD types.
// Rendering uses Float; camera poses and scene transforms are composed in Double.

/// Single-precision 3-vectors: positions, directions, colours in the renderer and the field.
public typealias Vec3 = SIMD3<Float>
/// Single-precision 2-vectors: texture coordinates.
public typealias Vec2 = SIMD2<Float>
/// Double-precision 3-vectors: scene coordinates, cameras, physics.
public typealias Vec3d = SIMD3<Double>
/// Double-precision 2-vectors: texture-atlas layout and rasterisation.
public typealias Vec2d = SIMD2<Double>

/// Dot product.
@inlinable public func dot(_ a: Vec3, _ b: Vec3) -> Float { (a * b).sum() }
@inlinable public func cross(_ a: Vec3, _ b: Vec3) -> Vec3 {
    Vec3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
/// Euclidean length.
@inlinable public func length(_ a: Vec3) -> Float { dot(a, a).squareRoot() }
@inlinable public func normalize(_ a: Vec3) -> Vec3 { a / length(a) }

/// Dot product.
@inlinable public func dot(_ a: Vec3d, _ b: Vec3d) -> Double { (a * b).sum() }
@inlinable public func cross(_ a: Vec3d, _ b: Vec3d) -> Vec3d {
    Vec3d(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
/// Euclidean length.
@inlinable public func length(_ a: Vec3d) -> Double { dot(a, a).squareRoot() }
@inlinable public func normalize(_ a: Vec3d) -> Vec3d { a / length(a) }

/// An orthonormal basis around unit vector `n` (Duff et al. 2017, "Building an Orthonormal Basis, Revisited").
@inlinable public func orthonormalBasis(_ n: Vec3) -> (Vec3, Vec3) {
    let sign: Float = n.z >= 0 ? 1 : -1
    let a = -1 / (sign + n.z)
    let b = n.x * n.y * a
    return (Vec3(1 + sign * n.x * n.x * a, sign * b, -sign * n.x), Vec3(b, sign + n.y * n.y * a, -n.y))
}

/// An axis-aligned box. An empty box has `lower > upper`.
public struct Bounds3: Sendable, Equatable, Codable {
    /// The smallest corner.
    public var lower: Vec3d
    /// The largest corner.
    public var upper: Vec3d
    /// The box between `lower` and `upper`.
    public init(lower: Vec3d, upper: Vec3d) { self.lower = lower; self.upper = upper }
    /// A box holding nothing, to grow with `include`.
    public static let empty = Bounds3(lower: Vec3d(repeating: .infinity), upper: Vec3d(repeating: -.infinity))
    /// True when the box holds no point.
    public var isEmpty: Bool { any(lower .> upper) }
    /// Grows the box to hold `p`.
    public mutating func include(_ p: Vec3d) { lower = pointwiseMin(lower, p); upper = pointwiseMax(upper, p) }
    /// Grows the box to hold `b`.
    public mutating func include(_ b: Bounds3) { lower = pointwiseMin(lower, b.lower); upper = pointwiseMax(upper, b.upper) }
    /// The centre.
    public var center: Vec3d { (lower + upper) / 2 }
    /// The length of the diagonal (0 when empty).
    public var diagonal: Double { isEmpty ? 0 : length(upper - lower) }
}

extension Bounds3 {
    /// The parameter range [t0, t1] (t0 ≥ 0) where the ray is inside the box, or nil.
    public func intersect(origin o: Vec3d, direction d: Vec3d) -> (Double, Double)? {
        var t0 = 0.0, t1 = Double.infinity
        for a in 0..<3 {
            if d[a] == 0 {
                if o[a] < lower[a] || o[a] > upper[a] { return nil }
                continue
            }
            var near = (lower[a] - o[a]) / d[a], far = (upper[a] - o[a]) / d[a]
            if near > far { swap(&near, &far) }
            t0 = max(t0, near); t1 = min(t1, far)
        }
        return t0 <= t1 ? (t0, t1) : nil
    }
}
