/// Points with unit normals and linear RGB colours (each array empty or one entry per point).
public struct PointCloud: Sendable, Equatable {
    /// Positions, world coordinates (metres).
    public var positions: [Vec3]
    /// Unit normals, one per point (or none).
    public var normals: [Vec3]
    /// Linear RGB colours in [0, 1], one per point (or none).
    public var colors: [Vec3]

    /// A cloud of the given points.
    public init(positions: [Vec3] = [], normals: [Vec3] = [], colors: [Vec3] = []) {
        self.positions = positions; self.normals = normals; self.colors = colors
    }

    /// Points in the cloud.
    public var count: Int { positions.count }
}
