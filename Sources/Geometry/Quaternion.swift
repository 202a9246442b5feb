import Foundation

/// A rotation as a unit quaternion `w + xi + yj + zk` in Double (MuJoCo's order: w first).
/// Rotates column vectors right-handedly, like `Matrix4.rotation(axis:angle:)`.
public struct Quaternion: Sendable, Equatable {
    /// Scalar and vector parts.
    public var w: Double, x: Double, y: Double, z: Double
    /// The quaternion w + xi + yj + zk.
    public init(w: Double, x: Double, y: Double, z: Double) { self.w = w; self.x = x; self.y = y; self.z = z }

    /// No rotation.
    public static let identity = Quaternion(w: 1, x: 0, y: 0, z: 0)

    /// Rotation by `angle` radians about `axis` (any non-zero length).
    public init(axis: Vec3d, angle: Double) {
        let a = normalize(axis), s = sin(angle / 2)
        self.init(w: cos(angle / 2), x: a.x * s, y: a.y * s, z: a.z * s)
    }

    /// The rotation of a matrix's upper-left 3×3 block, which must be orthonormal with determinant 1
    /// (Shepperd's method: the largest of the four candidates keeps it accurate).
    public init(rotation m: Matrix4) {
        let trace = m[0, 0] + m[1, 1] + m[2, 2]
        if trace > 0 {
            let s = (trace + 1).squareRoot() * 2
            self.init(w: s / 4, x: (m[2, 1] - m[1, 2]) / s, y: (m[0, 2] - m[2, 0]) / s, z: (m[1, 0] - m[0, 1]) / s)
        } else if m[0, 0] > m[1, 1] && m[0, 0] > m[2, 2] {
            let s = (1 + m[0, 0] - m[1, 1] - m[2, 2]).squareRoot() * 2
            self.init(w: (m[2, 1] - m[1, 2]) / s, x: s / 4, y: (m[0, 1] + m[1, 0]) / s, z: (m[0, 2] + m[2, 0]) / s)
        } else if m[1, 1] > m[2, 2] {
            let s = (1 + m[1, 1] - m[0, 0] - m[2, 2]).squareRoot() * 2
            self.init(w: (m[0, 2] - m[2, 0]) / s, x: (m[0, 1] + m[1, 0]) / s, y: s / 4, z: (m[1, 2] + m[2, 1]) / s)
        } else {
            let s = (1 + m[2, 2] - m[0, 0] - m[1, 1]).squareRoot() * 2
            self.init(w: (m[1, 0] - m[0, 1]) / s, x: (m[0, 2] + m[2, 0]) / s, y: (m[1, 2] + m[2, 1]) / s, z: s / 4)
        }
        self = normalized
    }

    /// A rotation drawn uniformly from SO(3) (Shoemake 1992) from three uniforms in [0, 1).
    public static func uniform(_ u1: Double, _ u2: Double, _ u3: Double) -> Quaternion {
        let a = (1 - u1).squareRoot(), b = u1.squareRoot()
        return Quaternion(w: b * cos(2 * .pi * u3), x: a * sin(2 * .pi * u2), y: a * cos(2 * .pi * u2), z: b * sin(2 * .pi * u3))
    }

    /// The Euclidean norm (1 for a rotation).
    public var norm: Double { (w * w + x * x + y * y + z * z).squareRoot() }
    /// This quaternion scaled to norm 1.
    public var normalized: Quaternion { let n = norm; return Quaternion(w: w / n, x: x / n, y: y / n, z: z / n) }
    /// The conjugate (the inverse rotation of a unit quaternion).
    public var conjugate: Quaternion { Quaternion(w: w, x: -x, y: -y, z: -z) }

    /// The Hamilton product: rotation `b`, then `a`.
    public static func * (a: Quaternion, b: Quaternion) -> Quaternion {
        Quaternion(w: a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
                   x: a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
                   y: a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
                   z: a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w)
    }

    /// `v` rotated.
    public func rotate(_ v: Vec3d) -> Vec3d {
        let u = Vec3d(x, y, z)
        let t = 2 * cross(u, v)
        return v + w * t + cross(u, t)
    }

    /// The rotation as a 4×4 matrix (no translation).
    public var matrix: Matrix4 {
        let xx = x * x, yy = y * y, zz = z * z, xy = x * y, xz = x * z, yz = y * z, wx = w * x, wy = w * y, wz = w * z
        return Matrix4(rows: [
            [1 - 2 * (yy + zz), 2 * (xy - wz), 2 * (xz + wy), 0],
            [2 * (xy + wz), 1 - 2 * (xx + zz), 2 * (yz - wx), 0],
            [2 * (xz - wy), 2 * (yz + wx), 1 - 2 * (xx + yy), 0],
            [0, 0, 0, 1],
        ])
    }
}

extension Matrix4 {
    /// A transform built from translation, rotation and per-axis scale: `T · R · S`.
    public static func compose(translation t: Vec3d, rotation r: Quaternion, scale s: Vec3d = Vec3d(1, 1, 1)) -> Matrix4 {
        var m = r.matrix
        for row in 0..<3 {
            for column in 0..<3 { m[row, column] *= s[column] }
            m[row, 3] = t[row]
        }
        return m
    }

    /// Splits a `T · R · S` transform (no shear, positive scales) into its parts.
    public var decomposed: (translation: Vec3d, rotation: Quaternion, scale: Vec3d) {
        let columns = (0..<3).map { c in Vec3d(self[0, c], self[1, c], self[2, c]) }
        var scale = Vec3d(length(columns[0]), length(columns[1]), length(columns[2]))
        // a rotation's columns have length 1 up to rounding: report exactly 1 then
        for c in 0..<3 where abs(scale[c] - 1) < 1e-12 { scale[c] = 1 }
        var r = Matrix4.identity
        for c in 0..<3 { for row in 0..<3 { r[row, c] = columns[c][row] / scale[c] } }
        return (Vec3d(self[0, 3], self[1, 3], self[2, 3]), Quaternion(rotation: r), scale)
    }
}
