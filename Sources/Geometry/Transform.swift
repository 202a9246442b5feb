import Foundation

/// A 4×4 matrix in Double, row-major: `m[row][column]`, acting on column vectors (p' = M p).
/// Used for object transforms and camera-to-world poses (see docs/conventions.md).
public struct Matrix4: Sendable, Equatable, Codable {
    /// The four rows.
    public var rows: [[Double]]

    /// A matrix from four rows of four values.
    public init(rows: [[Double]]) {
        precondition(rows.count == 4 && rows.allSatisfy { $0.count == 4 }, "Matrix4 needs 4×4 entries")
        self.rows = rows
    }

    /// The identity.
    public static let identity = Matrix4(rows: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])

    public subscript(row: Int, column: Int) -> Double {
        get { rows[row][column] }
        set { rows[row][column] = newValue }
    }

    /// The product: `b` applied first, then `a`.
    public static func * (a: Matrix4, b: Matrix4) -> Matrix4 {
        var r = Matrix4.identity
        for i in 0..<4 {
            for j in 0..<4 {
                r[i, j] = (0..<4).reduce(0) { $0 + a[i, $1] * b[$1, j] }
            }
        }
        return r
    }

    /// A translation by `t`.
    public static func translation(_ t: Vec3d) -> Matrix4 {
        Matrix4(rows: [[1, 0, 0, t.x], [0, 1, 0, t.y], [0, 0, 1, t.z], [0, 0, 0, 1]])
    }

    /// A scale by `s` along the axes.
    public static func scale(_ s: Vec3d) -> Matrix4 {
        Matrix4(rows: [[s.x, 0, 0, 0], [0, s.y, 0, 0], [0, 0, s.z, 0], [0, 0, 0, 1]])
    }

    /// Rotation by `angle` radians about unit `axis`, right-handed.
    public static func rotation(axis: Vec3d, angle: Double) -> Matrix4 {
        let a = normalize(axis), c = cos(angle), s = sin(angle), t = 1 - c
        return Matrix4(rows: [
            [t * a.x * a.x + c, t * a.x * a.y - s * a.z, t * a.x * a.z + s * a.y, 0],
            [t * a.x * a.y + s * a.z, t * a.y * a.y + c, t * a.y * a.z - s * a.x, 0],
            [t * a.x * a.z - s * a.y, t * a.y * a.z + s * a.x, t * a.z * a.z + c, 0],
            [0, 0, 0, 1],
        ])
    }

    /// The point `p` transformed (translation included).
    public func transformPoint(_ p: Vec3d) -> Vec3d {
        Vec3d(self[0, 0] * p.x + self[0, 1] * p.y + self[0, 2] * p.z + self[0, 3],
              self[1, 0] * p.x + self[1, 1] * p.y + self[1, 2] * p.z + self[1, 3],
              self[2, 0] * p.x + self[2, 1] * p.y + self[2, 2] * p.z + self[2, 3])
    }

    /// The direction `v` transformed (no translation).
    public func transformVector(_ v: Vec3d) -> Vec3d {
        Vec3d(self[0, 0] * v.x + self[0, 1] * v.y + self[0, 2] * v.z,
              self[1, 0] * v.x + self[1, 1] * v.y + self[1, 2] * v.z,
              self[2, 0] * v.x + self[2, 1] * v.y + self[2, 2] * v.z)
    }

    /// The upper-left 3×3 block's determinant.
    public var linearDeterminant: Double {
        let m = rows
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }

    /// Inverse-transpose of the linear part, for transforming normals.
    public func normalMatrix() -> Matrix4 {
        let m = rows, det = linearDeterminant
        precondition(det != 0, "singular transform")
        // cofactor matrix / det == inverse transpose
        var r = Matrix4.identity
        r[0, 0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) / det
        r[0, 1] = -(m[1][0] * m[2][2] - m[1][2] * m[2][0]) / det
        r[0, 2] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) / det
        r[1, 0] = -(m[0][1] * m[2][2] - m[0][2] * m[2][1]) / det
        r[1, 1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det
        r[1, 2] = -(m[0][0] * m[2][1] - m[0][1] * m[2][0]) / det
        r[2, 0] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det
        r[2, 1] = -(m[0][0] * m[1][2] - m[0][2] * m[1][0]) / det
        r[2, 2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det
        return r
    }

    /// The normal `n` transformed by the inverse transpose, unit length.
    public func transformNormal(_ n: Vec3d) -> Vec3d { normalize(normalMatrix().transformVector(n)) }
}
