import Foundation
import Geometry
import RealModule

/// The scalar types the field is written for: Float for training, Double for gradient checks.
public protocol FieldScalar: Real, BinaryFloatingPoint, SIMDScalar, Sendable {
    /// The value rounded towards zero, as an Int. In generic code `Int(x)` takes the standard library's generic
    /// conversion, which inspects the exponent and significand in software even when specialised: it was 30% of
    /// the time of every ray march. The concrete types' own conversions are one instruction.
    var truncatedInt: Int { get }
}

extension Float: FieldScalar {
    @inline(__always) public var truncatedInt: Int { Int(self) }
}

extension Double: FieldScalar {
    @inline(__always) public var truncatedInt: Int { Int(self) }
}

/// The parameters of the radiance field: values on a regular lattice of `resolution³` points spanning `bounds`.
/// Each point holds a density (1/m, made non-negative by a ReLU after interpolation) and, per colour channel,
/// four coefficients of real spherical harmonics of degree ≤ 1 (colour = sigmoid(Σ coefficient · basis)).
///
/// Layout (pinned by a test): point (i, j, k) has index `(k · R + j) · R + i`; `density[index]`;
/// `sh[index · 12 + channel · 4 + l]` with l = 0 (constant), 1 (−y), 2 (z), 3 (−x) terms.
public struct RadianceGrid<S: FieldScalar>: Sendable {
    public static var coefficientsPerPoint: Int { 12 }

    public var resolution: Int
    /// World-space box the lattice spans (first point at `lower`, last at `upper`).
    public var lower: Vec3d
    public var upper: Vec3d
    public var density: [S]
    public var sh: [S]

    public init(resolution: Int, lower: Vec3d, upper: Vec3d, initialDensity: S = 0.1) {
        precondition(resolution >= 2)
        self.resolution = resolution; self.lower = lower; self.upper = upper
        let n = resolution * resolution * resolution
        density = Array(repeating: initialDensity, count: n)
        sh = Array(repeating: 0, count: n * Self.coefficientsPerPoint)
    }

    public var pointCount: Int { resolution * resolution * resolution }
    /// Lattice spacing along each axis, metres.
    public var spacing: Vec3d { (upper - lower) / Double(resolution - 1) }

    /// The grid resampled (trilinearly) to a new resolution over the same bounds.
    public func upsampled(to newResolution: Int) -> RadianceGrid {
        var out = RadianceGrid(resolution: newResolution, lower: lower, upper: upper, initialDensity: 0)
        let scale = Double(resolution - 1) / Double(newResolution - 1)
        for k in 0..<newResolution {
            for j in 0..<newResolution {
                for i in 0..<newResolution {
                    let c = TrilinearCell(lattice: Vec3d(Double(i), Double(j), Double(k)) * scale, resolution: resolution)
                    let o = (k * newResolution + j) * newResolution + i
                    var d: S = 0
                    for corner in 0..<8 { d += S(c.weights[corner]) * density[c.indices[corner]] }
                    out.density[o] = d
                    for q in 0..<12 {
                        var v: S = 0
                        for corner in 0..<8 { v += S(c.weights[corner]) * sh[c.indices[corner] * 12 + q] }
                        out.sh[o * 12 + q] = v
                    }
                }
            }
        }
        return out
    }
}

/// The eight lattice points around a position and their trilinear weights.
public struct TrilinearCell: Sendable {
    public var indices: [Int]
    public var weights: [Double]

    /// `lattice` is the position in lattice units (0...R−1 on each axis); it is clamped into the lattice.
    public init(lattice p: Vec3d, resolution r: Int) {
        let (i, fx) = Trilinear.split(p.x, count: r), (j, fy) = Trilinear.split(p.y, count: r), (k, fz) = Trilinear.split(p.z, count: r)
        let w = Trilinear.weights(SIMD3(fx, fy, fz))
        let base = (k * r + j) * r + i
        indices = (0..<8).map { base + Trilinear.offset($0, row: r, slice: r * r) }
        weights = (0..<8).map { w[$0] }
    }
}

/// Real spherical harmonics of degree ≤ 1 in the sign convention of Plenoxels / instant-ngp.
public enum SphericalHarmonics {
    public static let c0 = 0.28209479177387814
    public static let c1 = 0.4886025119029199

    /// The four basis values for unit direction d.
    @inlinable public static func basis<S: FieldScalar>(_ d: SIMD3<S>) -> (S, S, S, S) {
        (S(c0), -S(c1) * d.y, S(c1) * d.z, -S(c1) * d.x)
    }
}
