import Foundation
import Geometry

/// The similarity transform b ≈ s · R · a + t that best maps points `a` onto points `b` in the least-squares
/// sense (Horn 1987: the rotation is the unit quaternion of the largest eigenvalue of a 4×4 symmetric matrix,
/// the scale the ratio of the spreads). Used to compare recovered cameras with true ones.
public struct SimilarityTransform: Sendable {
    public var scale: Double
    public var rotation: Quaternion
    public var translation: Vec3d

    public func apply(_ p: Vec3d) -> Vec3d { scale * rotation.rotate(p) + translation }

    /// nil with fewer than three pairs or when the points of `a` coincide.
    public static func fit(from a: [Vec3d], to b: [Vec3d]) -> SimilarityTransform? {
        guard a.count == b.count, a.count >= 3 else { return nil }
        let n = Double(a.count)
        let ca = a.reduce(.zero, +) / n, cb = b.reduce(.zero, +) / n
        let pa = a.map { $0 - ca }, pb = b.map { $0 - cb }
        let spreadA = pa.reduce(0) { $0 + dot($1, $1) }, spreadB = pb.reduce(0) { $0 + dot($1, $1) }
        guard spreadA > 1e-18 else { return nil }
        var m = [[Double]](repeating: [0, 0, 0], count: 3)   // Σ a bᵀ
        for (x, y) in zip(pa, pb) { for i in 0..<3 { for j in 0..<3 { m[i][j] += x[i] * y[j] } } }
        let (sxx, sxy, sxz) = (m[0][0], m[0][1], m[0][2]), (syx, syy, syz) = (m[1][0], m[1][1], m[1][2]), (szx, szy, szz) = (m[2][0], m[2][1], m[2][2])
        let nMatrix: [[Double]] = [
            [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
            [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
            [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
            [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
        ]
        let q = largestEigenvector(nMatrix)
        let rotation = Quaternion(w: q[0], x: q[1], y: q[2], z: q[3]).normalized
        let scale = (spreadB / spreadA).squareRoot()
        return SimilarityTransform(scale: scale, rotation: rotation, translation: cb - scale * rotation.rotate(ca))
    }

    /// Cyclic Jacobi iteration on a symmetric matrix; the eigenvector of the largest eigenvalue.
    static func largestEigenvector(_ matrix: [[Double]]) -> [Double] {
        var a = matrix
        let size = a.count
        var v = (0..<size).map { i in (0..<size).map { j in i == j ? 1.0 : 0.0 } }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<size { for q in (p + 1)..<size { off += a[p][q] * a[p][q] } }
            if off < 1e-30 { break }
            for p in 0..<size {
                for q in (p + 1)..<size where abs(a[p][q]) > 1e-300 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<size {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq; a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<size {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk; a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<size {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq; v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let best = (0..<size).max { a[$0][$0] < a[$1][$1] }!
        return (0..<size).map { v[$0][best] }
    }
}
