import Foundation

/// A lens's distortion in COLMAP's (and OpenCV's) models, acting on normalised image coordinates
/// (u, v) = ((x − cx) / fx, (y − cy) / fy), x right and y down (docs/conventions.md, "Lenses").
/// `distort` maps where a ray through an ideal pinhole lands to where the real lens puts it; `undistort`
/// inverts it by Newton's method (exact to 1e-12 in normalised units inside the lens's working field).
public enum LensDistortion: Sendable, Equatable {
    /// An ideal pinhole (COLMAP's PINHOLE and SIMPLE_PINHOLE).
    case none
    /// Radial: r' = r (1 + k1 r² + k2 r⁴) (SIMPLE_RADIAL has k2 = 0; RADIAL both).
    case radial(k1: Double, k2: Double)
    /// OpenCV's (Brown–Conrady) radial k1 k2 and tangential p1 p2 (COLMAP's OPENCV).
    case opencv(k1: Double, k2: Double, p1: Double, p2: Double)
    /// OpenCV's fisheye (Kannala–Brandt) model: θ_d = θ (1 + k1 θ² + k2 θ⁴ + k3 θ⁶ + k4 θ⁸) with θ the angle
    /// from the optical axis (COLMAP's OPENCV_FISHEYE).
    case fisheye(k1: Double, k2: Double, k3: Double, k4: Double)

    /// True for `.none` and for models whose coefficients are all zero.
    public var isIdentity: Bool {
        switch self {
        case .none: return true
        case let .radial(k1, k2): return k1 == 0 && k2 == 0
        case let .opencv(k1, k2, p1, p2): return k1 == 0 && k2 == 0 && p1 == 0 && p2 == 0
        case .fisheye: return false  // even with zero coefficients, a fisheye maps angles, not tangents
        }
    }

    /// True for the fisheye model.
    public var isFisheye: Bool { if case .fisheye = self { return true } else { return false } }

    /// The coefficients as transforms.json names them: OPENCV's `k1 k2 p1 p2` (zeros for an ideal pinhole; a radial
    /// lens has p1 = p2 = 0), or OPENCV_FISHEYE's `k1 k2 k3 k4`.
    public var coefficients: [(String, Double)] {
        switch self {
        case .none: return [("k1", 0), ("k2", 0), ("p1", 0), ("p2", 0)]
        case let .radial(k1, k2): return [("k1", k1), ("k2", k2), ("p1", 0), ("p2", 0)]
        case let .opencv(k1, k2, p1, p2): return [("k1", k1), ("k2", k2), ("p1", p1), ("p2", p2)]
        case let .fisheye(k1, k2, k3, k4): return [("k1", k1), ("k2", k2), ("k3", k3), ("k4", k4)]
        }
    }

    /// COLMAP's name of the model.
    public var modelName: String {
        switch self {
        case .none: return "PINHOLE"
        case .radial: return "RADIAL"
        case .opencv: return "OPENCV"
        case .fisheye: return "OPENCV_FISHEYE"
        }
    }

    /// Where the lens puts the ideal image point `p` (normalised coordinates).
    public func distort(_ p: SIMD2<Double>) -> SIMD2<Double> {
        switch self {
        case .none: return p
        case let .radial(k1, k2):
            let r2 = p.x * p.x + p.y * p.y
            return p * (1 + r2 * (k1 + k2 * r2))
        case let .opencv(k1, k2, p1, p2):
            let (u, v) = (p.x, p.y), r2 = u * u + v * v, radial = r2 * (k1 + k2 * r2)
            return SIMD2(u + u * radial + 2 * p1 * u * v + p2 * (r2 + 2 * u * u),
                         v + v * radial + 2 * p2 * u * v + p1 * (r2 + 2 * v * v))
        case let .fisheye(k1, k2, k3, k4):
            let r = (p.x * p.x + p.y * p.y).squareRoot()
            guard r > 1e-12 else { return p }
            let theta = atan(r), t2 = theta * theta
            let thetaD = theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))
            return p * (thetaD / r)
        }
    }

    /// The ideal image point that the lens puts at `q` (normalised coordinates): `distort(undistort(q)) == q`.
    public func undistort(_ q: SIMD2<Double>) -> SIMD2<Double> {
        switch self {
        case .none: return q
        case let .fisheye(k1, k2, k3, k4):
            // solve θ (1 + k1 θ² + …) = |q| for θ, then r = tan θ
            let rd = (q.x * q.x + q.y * q.y).squareRoot()
            guard rd > 1e-12 else { return q }
            var theta = min(rd, 1.5)
            for _ in 0..<40 {
                let t2 = theta * theta
                let f = theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4)))) - rd
                let df = 1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4)))
                guard df.isFinite, abs(df) > 1e-12 else { break }
                let step = f / df
                theta = min(max(theta - step, 0), .pi / 2 - 1e-9)
                if abs(step) < 1e-15 { break }
            }
            return q * (tan(theta) / rd)
        default:
            // Newton's method on distort(p) − q with the analytic Jacobian, from p = q
            var p = q
            for _ in 0..<40 {
                let (d, j) = distortWithJacobian(p)
                let e = d - q
                let det = j.0 * j.3 - j.1 * j.2
                guard det.isFinite, abs(det) > 1e-15 else { break }
                let step = SIMD2((j.3 * e.x - j.1 * e.y) / det, (-j.2 * e.x + j.0 * e.y) / det)
                p -= step
                if abs(step.x) + abs(step.y) < 1e-15 { break }
            }
            return p
        }
    }

    /// `distortWithJacobian`, for the finite-difference test of its hand-written derivatives.
    public func jacobianForTesting(_ p: SIMD2<Double>) -> (SIMD2<Double>, (Double, Double, Double, Double)) { distortWithJacobian(p) }

    /// `distort(p)` and its Jacobian (∂x'/∂u, ∂x'/∂v, ∂y'/∂u, ∂y'/∂v) for the radial and OpenCV models.
    func distortWithJacobian(_ p: SIMD2<Double>) -> (SIMD2<Double>, (Double, Double, Double, Double)) {
        let (u, v) = (p.x, p.y), r2 = u * u + v * v
        switch self {
        case let .radial(k1, k2):
            let s = 1 + r2 * (k1 + k2 * r2), ds = k1 + 2 * k2 * r2  // ∂s/∂(r²)
            return (p * s, (s + 2 * u * u * ds, 2 * u * v * ds, 2 * u * v * ds, s + 2 * v * v * ds))
        case let .opencv(k1, k2, p1, p2):
            let s = 1 + r2 * (k1 + k2 * r2), ds = k1 + 2 * k2 * r2
            let x = u * s + 2 * p1 * u * v + p2 * (r2 + 2 * u * u)
            let y = v * s + 2 * p2 * u * v + p1 * (r2 + 2 * v * v)
            let xu = s + 2 * u * u * ds + 2 * p1 * v + 6 * p2 * u
            let xv = 2 * u * v * ds + 2 * p1 * u + 2 * p2 * v
            let yu = 2 * u * v * ds + 2 * p2 * v + 2 * p1 * u
            let yv = s + 2 * v * v * ds + 2 * p2 * u + 6 * p1 * v
            return (SIMD2(x, y), (xu, xv, yu, yv))
        default:
            return (p, (1, 0, 0, 1))
        }
    }
}
