import Geometry

/// The extent of each analytic shape, written once for every module that needs it (invariant checks, the
/// simulator's contact margins, the camera framing). Meshes return nil: their extent is their file's.
extension Shape {
    /// The shape's box in its object frame, with the object's scale `s` applied. A quad is given a thickness of
    /// 2 mm so that its box has volume.
    public func bounds(scale s: Vec3d) -> Bounds3? {
        let half: Vec3d, center: Vec3d
        switch self {
        case .sphere(let c, let r): half = Vec3d(repeating: r * s.x); center = c * s
        case .box(let size): half = size * s / 2; center = .zero
        case .quad(let size): half = Vec3d(size.x * s.x / 2, size.y * s.y / 2, 0.001); center = .zero
        case .cylinder(let r, let h): half = Vec3d(r * s.x, r * s.x, h * s.z / 2); center = .zero
        case .mesh: return nil
        }
        return Bounds3(lower: center - half, upper: center + half)
    }

    /// The radius of a sphere about the object's origin that holds the scaled shape.
    public func boundingRadius(scale s: Vec3d) -> Double? {
        switch self {
        case .sphere(let c, let r): return length(c * s) + r * s.x
        case .box(let size): return length(size * s) / 2
        case .quad(let size): return length(Vec3d(size.x * s.x, size.y * s.y, 0)) / 2
        case .cylinder(let r, let h): return length(Vec3d(r * s.x, 0, h * s.z / 2))
        case .mesh: return nil
        }
    }
}
