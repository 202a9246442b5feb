import Foundation
import Geometry

/// The similarity that takes recovered poses into Orbit's world: +Z up (the cameras' mean up direction), the
/// object centred at the origin and scaled into the cube [−1, 1]³. p' = scale · rotation · (p − center).
public struct PoseNormalization: Sendable {
    public var rotation: Matrix4
    public var center: Vec3d
    public var scale: Double

    public static let identity = PoseNormalization(rotation: .identity, center: .zero, scale: 1)

    /// From camera-to-world poses (OpenGL axes) and the sparse points. The object is the middle 90% of the
    /// points along each axis (outliers ignored); with fewer than 10 points, the point nearest every camera's
    /// viewing axis and the cameras' spread stand in for it.
    public static func estimate(cameras: [Matrix4], points: [Vec3d]) -> PoseNormalization {
        // up: the mean of the cameras' +Y axes, rotated onto +Z
        var up = Vec3d.zero
        for c in cameras { up += Vec3d(c[0, 1], c[1, 1], c[2, 1]) }
        let rotation = length(up) > 1e-9 ? rotationTaking(normalize(up), to: Vec3d(0, 0, 1)) : .identity
        let rotated = points.map { rotation.transformVector($0) }
        var lower = Vec3d.zero, upper = Vec3d.zero
        if rotated.count >= 10 {
            for a in 0..<3 {
                let values = rotated.map { $0[a] }.sorted()
                lower[a] = values[Int(0.05 * Double(values.count - 1))]
                upper[a] = values[Int(0.95 * Double(values.count - 1))]
            }
        } else {
            let focus = rotation.transformVector(focusPoint(cameras))
            let spread = cameras.map { length(rotation.transformVector(Vec3d($0[0, 3], $0[1, 3], $0[2, 3])) - focus) }.max() ?? 1
            lower = focus - Vec3d(repeating: spread / 3); upper = focus + Vec3d(repeating: spread / 3)
        }
        let centerRotated = (lower + upper) / 2
        let half = max((upper - lower).max() / 2, 1e-9)
        // rotation is orthonormal: its transpose takes the rotated centre back
        let center = transpose(rotation).transformVector(centerRotated)
        return PoseNormalization(rotation: rotation, center: center, scale: 1 / half)
    }

    public func point(_ p: Vec3d) -> Vec3d { scale * rotation.transformVector(p - center) }

    /// A camera-to-world pose moved with the world (its axes rotate, its position maps like a point).
    public func pose(_ m: Matrix4) -> Matrix4 {
        var out = rotation * m
        let p = point(Vec3d(m[0, 3], m[1, 3], m[2, 3]))
        for row in 0..<3 { out[row, 3] = p[row] }
        out[3, 0] = 0; out[3, 1] = 0; out[3, 2] = 0; out[3, 3] = 1
        return out
    }

    /// The least-squares point nearest every camera's viewing axis.
    static func focusPoint(_ cameras: [Matrix4]) -> Vec3d {
        nearestPoint(toLines: cameras.map { c in (Vec3d(c[0, 3], c[1, 3], c[2, 3]), normalize(-Vec3d(c[0, 2], c[1, 2], c[2, 2]))) }) ?? .zero
    }

    /// The rotation taking unit vector `a` onto unit vector `b` (about their common normal).
    static func rotationTaking(_ a: Vec3d, to b: Vec3d) -> Matrix4 {
        let axis = cross(a, b), c = dot(a, b)
        if length(axis) < 1e-12 {
            return c > 0 ? .identity : Matrix4.rotation(axis: abs(a.x) < 0.9 ? Vec3d(1, 0, 0) : Vec3d(0, 1, 0), angle: .pi)
        }
        return Matrix4.rotation(axis: axis, angle: atan2(length(axis), c))
    }

    static func transpose(_ m: Matrix4) -> Matrix4 {
        var t = Matrix4.identity
        for i in 0..<3 { for j in 0..<3 { t[i, j] = m[j, i] } }
        return t
    }
}
