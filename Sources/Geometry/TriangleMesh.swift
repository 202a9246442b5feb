/// An indexed triangle mesh. Triangles are counter-clockwise seen from the side their normal points to.
public struct TriangleMesh: Sendable, Equatable {
    /// Vertex positions in metres.
    public var positions: [Vec3]
    /// Unit per-vertex normals, or empty (flat shading from the geometric normal).
    public var normals: [Vec3]
    /// Texture coordinates, origin at the image's bottom-left (OpenGL), or empty.
    public var uvs: [Vec2]
    /// Linear RGB per-vertex colours, or empty.
    public var colors: [Vec3]
    /// Three indices per triangle.
    public var indices: [UInt32]

    /// A mesh of the given vertex attributes and triangle indices.
    public init(positions: [Vec3] = [], normals: [Vec3] = [], uvs: [Vec2] = [], colors: [Vec3] = [], indices: [UInt32] = []) {
        self.positions = positions; self.normals = normals; self.uvs = uvs; self.colors = colors; self.indices = indices
    }

    /// Triangles in the mesh.
    public var triangleCount: Int { indices.count / 3 }

    /// The box around the vertices.
    public var bounds: Bounds3 {
        var b = Bounds3.empty
        for p in positions { b.include(Vec3d(Double(p.x), Double(p.y), Double(p.z))) }
        return b
    }

    /// The mesh with `transform` applied to positions and normals.
    public func transformed(by transform: Matrix4) -> TriangleMesh {
        var out = self
        out.positions = positions.map { p in
            let q = transform.transformPoint(Vec3d(Double(p.x), Double(p.y), Double(p.z)))
            return Vec3(Float(q.x), Float(q.y), Float(q.z))
        }
        let nm = transform.normalMatrix()
        out.normals = normals.map { n in
            let q = normalize(nm.transformVector(Vec3d(Double(n.x), Double(n.y), Double(n.z))))
            return Vec3(Float(q.x), Float(q.y), Float(q.z))
        }
        // a mirroring transform flips the winding; restore counter-clockwise order
        if transform.linearDeterminant < 0 {
            for t in stride(from: 0, to: out.indices.count, by: 3) { out.indices.swapAt(t + 1, t + 2) }
        }
        return out
    }

    /// Appends `other`, offsetting its indices. Attributes present in only one mesh are dropped.
    public mutating func append(_ other: TriangleMesh) {
        let offset = UInt32(positions.count)
        let keepNormals = normals.count == positions.count && other.normals.count == other.positions.count
        let keepUVs = uvs.count == positions.count && other.uvs.count == other.positions.count
        let keepColors = colors.count == positions.count && other.colors.count == other.positions.count
        let wasEmpty = positions.isEmpty
        positions += other.positions
        normals = (keepNormals || wasEmpty) ? normals + other.normals : []
        uvs = (keepUVs || wasEmpty) ? uvs + other.uvs : []
        colors = (keepColors || wasEmpty) ? colors + other.colors : []
        indices += other.indices.map { $0 + offset }
    }

    /// Total surface area in square metres.
    public var surfaceArea: Double {
        var area = 0.0
        for t in stride(from: 0, to: indices.count, by: 3) {
            let a = positions[Int(indices[t])], b = positions[Int(indices[t + 1])], c = positions[Int(indices[t + 2])]
            area += Double(length(cross(b - a, c - a))) / 2
        }
        return area
    }
}
