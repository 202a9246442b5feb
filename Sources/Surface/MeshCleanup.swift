import CMeshOptimizer
import Geometry

/// Clean-up steps between extraction and export: small components, simplification, compaction.
public enum MeshCleanup {
    /// Connected components (triangles sharing a vertex) and each triangle's component, largest first.
    public static func components(_ mesh: TriangleMesh) -> (labels: [Int32], sizes: [Int]) {
        var parent = [Int32](0..<Int32(mesh.positions.count))
        func find(_ x: Int32) -> Int32 {
            var r = x
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var y = x
            while parent[Int(y)] != r { let n = parent[Int(y)]; parent[Int(y)] = r; y = n }
            return r
        }
        for t in 0..<mesh.triangleCount {
            let a = find(Int32(mesh.indices[3 * t])), b = find(Int32(mesh.indices[3 * t + 1])), c = find(Int32(mesh.indices[3 * t + 2]))
            parent[Int(b)] = a
            parent[Int(c)] = a
        }
        var rootLabel = [Int32: Int](), counts: [Int] = []
        var raw = [Int](repeating: 0, count: mesh.triangleCount)
        for t in 0..<mesh.triangleCount {
            let r = find(Int32(mesh.indices[3 * t]))
            let label = rootLabel[r] ?? { rootLabel[r] = counts.count; counts.append(0); return counts.count - 1 }()
            counts[label] += 1
            raw[t] = label
        }
        // relabel by size, largest first (ties by first appearance, so the order is deterministic)
        let order = counts.indices.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        var rank = [Int32](repeating: 0, count: counts.count)
        for (r, label) in order.enumerated() { rank[label] = Int32(r) }
        return (raw.map { rank[$0] }, order.map { counts[$0] })
    }

    /// Drops connected components with fewer triangles than `minFraction` of the largest one (floaters),
    /// then unused vertices. Returns the mesh and the number of components removed.
    public static func removeSmallComponents(_ mesh: TriangleMesh, minFraction: Double) -> (mesh: TriangleMesh, removed: Int) {
        guard mesh.triangleCount > 0 else { return (mesh, 0) }
        let (labels, sizes) = components(mesh)
        let keepCount = sizes.filter { Double($0) >= minFraction * Double(sizes[0]) }.count
        var out = mesh
        out.indices = []
        out.indices.reserveCapacity(mesh.indices.count)
        for t in 0..<mesh.triangleCount where labels[t] < keepCount {
            out.indices += mesh.indices[(3 * t)..<(3 * t + 3)]
        }
        return (compacted(out), sizes.count - keepCount)
    }

    /// Simplifies to at most `targetTriangles` with meshoptimizer's edge-collapse simplifier (topology
    /// preserving; it may stop early rather than exceed `maxError`, a fraction of the mesh's extent). Vertices
    /// stay original vertices, so normals and colours carry over. Returns the mesh and the error reached.
    public static func simplify(_ mesh: TriangleMesh, targetTriangles: Int, maxError: Float = 0.01) -> (mesh: TriangleMesh, error: Float) {
        guard mesh.triangleCount > targetTriangles, targetTriangles > 0 else { return (mesh, 0) }
        var destination = [UInt32](repeating: 0, count: mesh.indices.count)
        var error: Float = 0
        let count = destination.withUnsafeMutableBufferPointer { dst in
            mesh.indices.withUnsafeBufferPointer { src in
                mesh.positions.withUnsafeBytes { pos in
                    meshopt_simplify(dst.baseAddress, src.baseAddress, src.count, pos.baseAddress!.assumingMemoryBound(to: Float.self),
                                     mesh.positions.count, MemoryLayout<Vec3>.stride, targetTriangles * 3, maxError, 0, &error)
                }
            }
        }
        var out = mesh
        out.indices = Array(destination[0..<count])
        return (compacted(out), error)
    }

    /// Reorders triangles for the GPU's vertex cache and vertices for fetch locality, dropping unused vertices
    /// (meshoptimizer). Geometry is unchanged.
    public static func compacted(_ mesh: TriangleMesh) -> TriangleMesh {
        guard !mesh.indices.isEmpty else { return TriangleMesh() }
        var indices = [UInt32](repeating: 0, count: mesh.indices.count)
        indices.withUnsafeMutableBufferPointer { dst in
            mesh.indices.withUnsafeBufferPointer { meshopt_optimizeVertexCache(dst.baseAddress, $0.baseAddress, $0.count, mesh.positions.count) }
        }
        var remap = [UInt32](repeating: 0, count: mesh.positions.count)
        let unique = remap.withUnsafeMutableBufferPointer { r in
            indices.withUnsafeBufferPointer { meshopt_optimizeVertexFetchRemap(r.baseAddress, $0.baseAddress, $0.count, mesh.positions.count) }
        }
        func apply<T>(_ values: [T]) -> [T] {
            guard values.count == mesh.positions.count, let first = values.first else { return [] }
            var out = [T](repeating: first, count: unique)
            for (old, new) in remap.enumerated() where new != UInt32.max { out[Int(new)] = values[old] }
            return out
        }
        var out = TriangleMesh(positions: apply(mesh.positions), normals: apply(mesh.normals), uvs: apply(mesh.uvs), colors: apply(mesh.colors))
        out.indices = indices.map { remap[Int($0)] }
        return out
    }
}
