import Geometry

/// Whether a mesh is a closed surface: every edge shared by exactly two triangles. Vertices at the same position
/// count as one (a textured mesh splits its vertices along chart seams, which leaves the surface closed), and
/// triangles with two corners at one position are skipped.
public struct MeshTopology: Sendable, Equatable {
    /// Edges of exactly one triangle: the rims of holes and of open sheets.
    public var boundaryEdges: Int
    /// Edges of three or more triangles.
    public var nonManifoldEdges: Int
    /// Connected pieces (triangles that share a position).
    public var pieces: Int
    /// Every edge in exactly two triangles (an empty mesh is not closed).
    public var isClosed: Bool { boundaryEdges == 0 && nonManifoldEdges == 0 && pieces > 0 }

    /// The topology of `mesh`.
    public init(_ mesh: TriangleMesh) {
        var weld = [SIMD3<UInt32>: UInt32]()
        weld.reserveCapacity(mesh.positions.count)
        let welded = mesh.positions.map { p -> UInt32 in
            let key = SIMD3(p.x.bitPattern, p.y.bitPattern, p.z.bitPattern)
            if let index = weld[key] { return index }
            let index = UInt32(weld.count)
            weld[key] = index
            return index
        }
        var edges = [UInt64: Int32]()
        edges.reserveCapacity(mesh.indices.count)
        var indices: [UInt32] = []
        indices.reserveCapacity(mesh.indices.count)
        for t in 0..<mesh.triangleCount {
            let v = (0..<3).map { welded[Int(mesh.indices[3 * t + $0])] }
            guard v[0] != v[1], v[1] != v[2], v[0] != v[2] else { continue }
            indices += v
            for k in 0..<3 {
                let a = min(v[k], v[(k + 1) % 3]), b = max(v[k], v[(k + 1) % 3])
                edges[UInt64(a) << 32 | UInt64(b), default: 0] += 1
            }
        }
        boundaryEdges = edges.values.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        nonManifoldEdges = edges.values.reduce(0) { $0 + ($1 > 2 ? 1 : 0) }
        let positions = [Vec3](repeating: .zero, count: weld.count)
        pieces = indices.isEmpty ? 0 : MeshCleanup.components(TriangleMesh(positions: positions, indices: indices)).sizes.count
    }

    /// "closed, 3 pieces" or "open: 12 boundary edges, 0 non-manifold edges, 3 pieces".
    public var summary: String {
        let count = "\(pieces) piece\(pieces == 1 ? "" : "s")"
        return isClosed ? "closed, \(count)" : "open: \(boundaryEdges) boundary edges, \(nonManifoldEdges) non-manifold edges, \(count)"
    }
}
