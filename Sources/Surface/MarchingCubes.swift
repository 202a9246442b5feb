import Geometry

/// Marching cubes with consistent face cases, so the surface has no cracks and is closed wherever the
/// level set is closed inside the lattice.
///
/// "Inside" is `value > iso` (density above the threshold); triangles are counter-clockwise seen from outside,
/// so their normals point towards lower values.
///
/// The case table is generated rather than typed in: for every corner configuration, each cube face contributes
/// the segments where the surface cuts it, oriented so that inside is on the same side, and the segments are
/// chained into loops and fanned into triangles. A face whose diagonal corners agree (the ambiguous case) is
/// resolved by the asymptotic decider (Nielson & Hamann 1991): the inside corners are joined when the bilinear
/// interpolant's saddle value is inside. The decision depends only on the face's four values, so the two cubes
/// that share a face always cut it the same way; that is what makes the mesh crack-free. The classic 256-case
/// table resolves faces by case alone and leaves holes between some neighbours.
public enum MarchingCubes {
    /// Corner c of a cell is at offset (c & 1, (c >> 1) & 1, c >> 2).
    static let edges: [(UInt8, UInt8)] = [
        (0, 1), (2, 3), (4, 5), (6, 7),   // along x
        (0, 2), (1, 3), (4, 6), (5, 7),   // along y
        (0, 4), (1, 5), (2, 6), (3, 7),   // along z
    ]
    /// Each face's corners in counter-clockwise order seen from outside the cell.
    static let faces: [[Int]] = [[0, 4, 6, 2], [1, 3, 7, 5], [0, 1, 5, 4], [2, 6, 7, 3], [0, 2, 3, 1], [4, 5, 7, 6]]

    static func edgeIndex(_ a: Int, _ b: Int) -> Int {
        let (lo, hi) = (min(a, b), max(a, b))
        return edges.firstIndex { Int($0.0) == lo && Int($0.1) == hi }!
    }

    /// Polygons (loops of cell-edge indices) per key `case | faceJoinBits << 8`, flattened as
    /// `[count, needsCentre, e₀, e₁, …]`, with offsets per key.
    ///
    /// A loop is fanned from e₀, rotated so that no fan diagonal joins two points on one cube face: such a
    /// diagonal could coincide with the neighbouring cell's and make an edge with four triangles. A loop with no
    /// such rotation is fanned around a new vertex at its centre instead.
    struct Table {
        var offsets: [Int32]          // 256·64 + 1
        var polygons: [UInt8]
        /// Bit f set when face f is ambiguous for this case.
        var ambiguousFaces: [UInt8]
    }

    static let table: Table = {
        var offsets: [Int32] = [0], polygons: [UInt8] = [], ambiguous = [UInt8](repeating: 0, count: 256)
        func onCommonFace(_ e: Int, _ f: Int) -> Bool {
            let corners = [Int(edges[e].0), Int(edges[e].1), Int(edges[f].0), Int(edges[f].1)]
            return faces.contains { face in corners.allSatisfy(face.contains) }
        }
        for key in 0..<(256 * 64) {
            let config = key & 255, joins = key >> 8
            func inside(_ c: Int) -> Bool { config & (1 << c) != 0 }
            var next = [Int](repeating: -1, count: 12)
            for (f, walk) in faces.enumerated() {
                var crossings: [(edge: Int, entry: Bool)] = []
                for m in 0..<4 {
                    let a = walk[m], b = walk[(m + 1) % 4]
                    if inside(a) != inside(b) { crossings.append((edgeIndex(a, b), inside(b))) }
                }
                if crossings.count == 4 { ambiguous[config] |= UInt8(1 << f) }
                let join = crossings.count == 4 && joins & (1 << f) != 0
                for (p, c) in crossings.enumerated() where c.entry {
                    // each segment runs from where the walk enters the inside to where it leaves
                    let partner = join ? (p + crossings.count - 1) % crossings.count : (p + 1) % crossings.count
                    next[c.edge] = crossings[partner].edge
                }
            }
            var visited = [Bool](repeating: false, count: 12)
            for start in 0..<12 where next[start] >= 0 && !visited[start] {
                var loop: [Int] = []
                var e = start
                while !visited[e] { visited[e] = true; loop.append(e); e = next[e] }
                let n = loop.count
                let rotation = (0..<n).first { r in (2..<max(2, n - 1)).allSatisfy { i in !onCommonFace(loop[r], loop[(r + i) % n]) } }
                let rotated = (0..<n).map { loop[((rotation ?? 0) + $0) % n] }
                polygons += [UInt8(n), rotation == nil ? 1 : 0] + rotated.map(UInt8.init)
            }
            offsets.append(Int32(polygons.count))
        }
        return Table(offsets: offsets, polygons: polygons, ambiguousFaces: ambiguous)
    }()

    /// The `iso` level set of `grid` as an indexed mesh with shared vertices (positions only).
    public static func extract(_ grid: ScalarGrid, iso: Float) -> TriangleMesh {
        var marcher = CubeMarcher(grid: grid, iso: iso)
        grid.values.withUnsafeBufferPointer { v in
            for k in 0..<(grid.nz - 1) {
                if k > 0 { marcher.recycleSlots(plane: k) }
                for j in 0..<(grid.ny - 1) {
                    for i in 0..<(grid.nx - 1) { marcher.march(i, j, k, values: v) }
                }
            }
        }
        return TriangleMesh(positions: marcher.positions, indices: marcher.indices)
    }

    /// The table key of a cell: its configuration (bit c: corner c above `iso`) and, for each ambiguous face,
    /// whether the face's saddle point joins its two positive corners (bits 8 and up).
    @inline(__always) static func key(_ values: SIMD8<Float>, config: Int, iso: Float, table: Table) -> Int {
        var joins = 0
        let ambiguous = Int(table.ambiguousFaces[config])
        if ambiguous != 0 {
            for f in 0..<6 where ambiguous & (1 << f) != 0 {
                let w = faces[f]
                let a = values[w[0]], b = values[w[1]], c = values[w[2]], d = values[w[3]]
                let saddle = (a * c - b * d) / (a + c - b - d)
                if saddle > iso { joins |= 1 << f }
            }
        }
        return config | joins << 8
    }
}

/// The state of one extraction: the mesh so far and the vertex ids of the lattice edges with a crossing (x and
/// y edges of two planes, z edges of one slab), so that neighbouring cells share their vertices.
struct CubeMarcher {
    let grid: ScalarGrid
    let iso: Float
    let nx: Int, ny: Int
    let table = MarchingCubes.table
    var positions: [Vec3] = [], indices: [UInt32] = []
    var xIds: [[Int32]], yIds: [[Int32]], zIds: [Int32]
    /// A polygon's vertex ids (a loop crosses at most all 12 edges), reused for every polygon.
    var ids = [UInt32](repeating: 0, count: 12)
    static let cornerOffset = (0..<8).map { c in (c & 1, (c >> 1) & 1, c >> 2) }

    init(grid: ScalarGrid, iso: Float) {
        self.grid = grid; self.iso = iso; nx = grid.nx; ny = grid.ny
        xIds = [[Int32]](repeating: [Int32](repeating: -1, count: (nx - 1) * ny), count: 2)
        yIds = [[Int32]](repeating: [Int32](repeating: -1, count: nx * (ny - 1)), count: 2)
        zIds = [Int32](repeating: -1, count: nx * ny)
    }

    /// Before the cells of slab `k`: plane k − 1's slots become plane k + 1's.
    mutating func recycleSlots(plane k: Int) {
        let stale = (k + 1) & 1
        for s in xIds[stale].indices { xIds[stale][s] = -1 }
        for s in yIds[stale].indices { yIds[stale][s] = -1 }
        for s in zIds.indices { zIds[s] = -1 }
    }

    /// The polygons of cell (i, j, k).
    mutating func march(_ i: Int, _ j: Int, _ k: Int, values v: UnsafeBufferPointer<Float>) {
        var values = SIMD8<Float>()
        var config = 0
        for c in 0..<8 {
            let (dx, dy, dz) = Self.cornerOffset[c]
            values[c] = v[((k + dz) * ny + j + dy) * nx + i + dx]
            if values[c] > iso { config |= 1 << c }
        }
        if config == 0 || config == 255 { return }
        let key = MarchingCubes.key(values, config: config, iso: iso, table: table)
        var s = Int(table.offsets[key])
        while s < Int(table.offsets[key + 1]) {
            let n = Int(table.polygons[s]), centred = table.polygons[s + 1] != 0
            for m in 0..<n { ids[m] = vertex(edge: Int(table.polygons[s + 2 + m]), i, j, k, values: values) }
            if centred {
                let centre = UInt32(positions.count)
                positions.append(ids[0..<n].reduce(Vec3.zero) { $0 + positions[Int($1)] } / Float(n))
                for m in 0..<n { indices += [centre, ids[m], ids[(m + 1) % n]] }
            } else {
                for m in 1..<(n - 1) { indices += [ids[0], ids[m], ids[m + 1]] }
            }
            s += 2 + n
        }
    }

    /// The id of the vertex where the cell's edge `e` crosses the level, made on first use.
    mutating func vertex(edge e: Int, _ i: Int, _ j: Int, _ k: Int, values: SIMD8<Float>) -> UInt32 {
        let (ca, cb) = (Int(MarchingCubes.edges[e].0), Int(MarchingCubes.edges[e].1))
        let (ax, ay, az) = Self.cornerOffset[ca]
        let (gi, gj) = (i + ax, j + ay)
        // which slot holds this lattice edge
        let id: Int32
        switch e {
        case 0...3: id = xIds[(k + az) & 1][gj * (nx - 1) + gi]
        case 4...7: id = yIds[(k + az) & 1][gj * nx + gi]
        default: id = zIds[gj * nx + gi]
        }
        if id >= 0 { return UInt32(id) }
        let va = values[ca], vb = values[cb]
        let t = Double((iso - va) / (vb - va))
        let (bx, by, bz) = Self.cornerOffset[cb]
        let pa = Vec3d(Double(gi), Double(gj), Double(k + az))
        let pb = Vec3d(Double(i + bx), Double(j + by), Double(k + bz))
        let p = grid.origin + (pa + (pb - pa) * t) * grid.spacing
        let newID = Int32(positions.count)
        positions.append(Vec3(Float(p.x), Float(p.y), Float(p.z)))
        switch e {
        case 0...3: xIds[(k + az) & 1][gj * (nx - 1) + gi] = newID
        case 4...7: yIds[(k + az) & 1][gj * nx + gi] = newID
        default: zIds[gj * nx + gi] = newID
        }
        return UInt32(newID)
    }
}
