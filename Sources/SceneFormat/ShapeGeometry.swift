import Geometry

/// The geometry of each analytic shape, written once for every module that needs it (invariant checks, the
/// simulator's contact margins, the renderer and the exporters). Meshes have none: their file gives it.
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

    /// The triangle mesh of an analytic shape in object space (the renderer traces spheres analytically; this is
    /// for the other shapes and for export). A mesh shape has no tessellation of its own: its file gives it.
    public func tessellated() -> TriangleMesh {
        func f3(_ v: Vec3d) -> Vec3 { Vec3(Float(v.x), Float(v.y), Float(v.z)) }
        switch self {
        case .sphere(let center, let radius): return Primitives.sphere(center: f3(center), radius: Float(radius))
        case .box(let size): return Primitives.box(size: f3(size))
        case .quad(let size): return Primitives.quad(size: Vec2(Float(size.x), Float(size.y)))
        case .cylinder(let radius, let height): return Primitives.cylinder(radius: Float(radius), height: Float(height))
        case .mesh: preconditionFailure("meshes come from their files")
        }
    }
}
