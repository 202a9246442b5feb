/// Points with unit normals and linear RGB colours (each array empty or one entry per point).
public struct PointCloud: Sendable, Equatable {
    public var positions: [Vec3]
    public var normals: [Vec3]
    public var colors: [Vec3]

    public init(positions: [Vec3] = [], normals: [Vec3] = [], colors: [Vec3] = []) {
        self.positions = positions; self.normals = normals; self.colors = colors
    }

    public var count: Int { positions.count }
}
