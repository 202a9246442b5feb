import Foundation
import Geometry

/// A texture atlas for a triangle mesh: the surface cut into charts, each flattened and packed into one square
/// image without overlap.
///
/// Written here because the usual library for this, xatlas, is not packaged in Debian 12. The method:
/// - **Charts**: each triangle is labelled with the axis direction (±X, ±Y, ±Z) nearest its normal (the mean of
///   its vertex normals where the mesh has them, which are smoother than the facets of a marching-cubes surface);
///   labels are smoothed by a few rounds of majority vote among edge neighbours, islands smaller than
///   `minChartTriangles` join a neighbouring chart, and a chart is a connected set of triangles of one label. A
///   label is only ever given to a triangle whose own normal is within 80° of its axis.
/// - **Flattening** is the orthographic projection along the chart's axis, turned to its principal axes (smallest
///   box). Every triangle keeps its orientation (its normal has a positive component along the axis), and stretch
///   stays moderate (at most 1/cos 55° ≈ 1.7 before smoothing). A chart whose projection still overlaps itself (a
///   surface folding back over the plane) is split by regrowing it from seeds under a 40° normal cone, then
///   halving the cone, down to single triangles, which never overlap.
/// - **Packing**: charts keep one texel density, are sorted by height and placed on shelves, each with a gutter
///   of `gutter` texels on every side; the density is lowered in 3% steps until everything fits.
public struct UVAtlas: Sendable {
    /// The mesh with its seams split: a vertex on a chart border appears once per chart, with the chart's texture
    /// coordinates (`uvs`, origin at the image's bottom-left); positions, normals and colours are copied.
    public var mesh: TriangleMesh
    /// The chart of each triangle of `mesh`.
    public var chartOfTriangle: [Int32]
    /// Charts in the atlas.
    public var chartCount: Int
    /// Width and height of the atlas image, texels.
    public var size: Int
    /// Texels per metre on the surface (the same for every chart).
    public var texelsPerMetre: Double
    /// Fraction of the image covered by charts.
    public var coverage: Double

    /// How an atlas is made.
    public struct Settings: Sendable {
        /// Empty texels around each chart. Default 2; the baker fills them with the nearest chart colour.
        public var gutter = 2
        /// Connected pieces of one label with fewer triangles join a neighbouring chart when they can. Default 64.
        public var minChartTriangles = 64
        /// The defaults.
        public init() {}
    }

    static let axes: [Vec3d] = [Vec3d(1, 0, 0), Vec3d(-1, 0, 0), Vec3d(0, 1, 0), Vec3d(0, -1, 0), Vec3d(0, 0, 1), Vec3d(0, 0, -1)]

    /// The atlas of `mesh` in a `size` × `size` image.
    public init(mesh: TriangleMesh, size: Int, settings: Settings = Settings()) {
        precondition(size >= 16)
        let faces = FaceData(mesh)
        var charts: [(faces: [Int], axis: Vec3d?)] = []
        for (chart, axis) in Self.axisCharts(mesh: mesh, faces: faces, minTriangles: settings.minChartTriangles) {
            charts += Self.withoutOverlap(chart, axis: Self.axes[axis], faces: faces, angle: 40 * Double.pi / 180)
        }
        let flat = charts.map { Flattened(faces: $0.faces, data: faces, axis: $0.axis) }
        let (scale, offsets) = Self.pack(flat, size: size, gutter: settings.gutter, totalArea: faces.totalArea)
        // split vertices per chart and write texture coordinates
        var out = TriangleMesh()
        var chartOfTriangle: [Int32] = []
        var covered = 0.0
        let hasNormals = mesh.normals.count == mesh.positions.count, hasColors = mesh.colors.count == mesh.positions.count
        for (c, chart) in flat.enumerated() {
            var local = [UInt32: UInt32]()
            for (f, face) in chart.faces.enumerated() {
                for corner in 0..<3 {
                    let v = mesh.indices[3 * face + corner]
                    if let existing = local[v] { out.indices.append(existing); continue }
                    let index = UInt32(out.positions.count)
                    local[v] = index
                    out.positions.append(mesh.positions[Int(v)])
                    if hasNormals { out.normals.append(mesh.normals[Int(v)]) }
                    if hasColors { out.colors.append(mesh.colors[Int(v)]) }
                    let texel = offsets[c] + chart.uv[3 * f + corner] * scale   // texels from the image's top-left
                    out.uvs.append(Vec2(Float(texel.x / Double(size)), Float(1 - texel.y / Double(size))))
                    out.indices.append(index)
                }
                chartOfTriangle.append(Int32(c))
            }
            covered += chart.area * scale * scale
        }
        self.mesh = out
        self.chartOfTriangle = chartOfTriangle
        chartCount = flat.count
        self.size = size
        texelsPerMetre = scale
        coverage = covered / Double(size * size)
    }

    /// Per-triangle normals, areas and edge neighbours.
    struct FaceData {
        var normals: [Vec3d] = []
        var areas: [Double] = []
        /// Up to three triangles sharing an edge with each triangle (-1: none, or a non-manifold edge).
        var neighbours: [SIMD3<Int32>] = []
        var positions: [Vec3d] = []
        var indices: [UInt32]
        var totalArea = 0.0

        init(_ mesh: TriangleMesh) {
            indices = mesh.indices
            positions = mesh.positions.map { Vec3d(Double($0.x), Double($0.y), Double($0.z)) }
            var edges = [UInt64: Int32]()
            neighbours = Array(repeating: SIMD3(-1, -1, -1), count: mesh.triangleCount)
            for t in 0..<mesh.triangleCount {
                let a = positions[Int(indices[3 * t])], b = positions[Int(indices[3 * t + 1])], c = positions[Int(indices[3 * t + 2])]
                let n = cross(b - a, c - a), l = length(n)
                normals.append(l > 0 ? n / l : Vec3d(0, 0, 1)); areas.append(l / 2); totalArea += l / 2
                for e in 0..<3 {
                    let u = indices[3 * t + e], v = indices[3 * t + (e + 1) % 3]
                    let key = UInt64(min(u, v)) << 32 | UInt64(max(u, v))
                    if let other = edges[key] {
                        // the first two triangles on an edge are neighbours; a third is left unlinked
                        if other >= 0 {
                            let o = Int(other)
                            for s in 0..<3 where neighbours[o][s] == -1 && edgeKey(o, s) == key { neighbours[o][s] = Int32(t); break }
                            neighbours[t][e] = other
                            edges[key] = -1
                        }
                    } else { edges[key] = Int32(t) }
                }
            }
        }

        func edgeKey(_ t: Int, _ e: Int) -> UInt64 {
            let u = indices[3 * t + e], v = indices[3 * t + (e + 1) % 3]
            return UInt64(min(u, v)) << 32 | UInt64(max(u, v))
        }

        func corner(_ t: Int, _ k: Int) -> Vec3d { positions[Int(indices[3 * t + k])] }
    }

    /// Charts by nearest axis direction: labels, smoothed, small islands merged, connected components.
    static func axisCharts(mesh: TriangleMesh, faces: FaceData, minTriangles: Int) -> [(faces: [Int], axis: Int)] {
        let count = mesh.triangleCount
        let hasNormals = mesh.normals.count == mesh.positions.count
        let smooth: [Vec3d] = (0..<count).map { t in
            guard hasNormals else { return faces.normals[t] }
            var n = Vec3d.zero
            for k in 0..<3 { let v = mesh.normals[Int(mesh.indices[3 * t + k])]; n += Vec3d(Double(v.x), Double(v.y), Double(v.z)) }
            return length(n) > 0 && dot(n, faces.normals[t]) > 0 ? normalize(n) : faces.normals[t]
        }
        // a label is allowed when the triangle's own normal is within 80° of its axis
        let allowedDot = cos(80 * Double.pi / 180)
        func allowed(_ t: Int, _ label: Int) -> Bool { dot(faces.normals[t], axes[label]) > allowedDot }
        var labels = smooth.enumerated().map { t, n -> Int in
            let best = axes.indices.max { dot(n, axes[$0]) < dot(n, axes[$1]) }!
            return allowed(t, best) ? best : axes.indices.max { dot(faces.normals[t], axes[$0]) < dot(faces.normals[t], axes[$1]) }!
        }
        for _ in 0..<3 {
            var next = labels
            for t in 0..<count {
                var votes = [Int](repeating: 0, count: 6)
                votes[labels[t]] += 1
                for e in 0..<3 where faces.neighbours[t][e] >= 0 { votes[labels[Int(faces.neighbours[t][e])]] += 1 }
                let winner = votes.indices.max { votes[$0] != votes[$1] ? votes[$0] < votes[$1] : $0 > $1 }!
                if votes[winner] >= 3 && allowed(t, winner) { next[t] = winner }
            }
            labels = next
        }
        var components = Self.components(labels: labels, faces: faces)
        for _ in 0..<4 {
            var changed = false
            var size = [Int](repeating: 0, count: components.count)
            var component = [Int](repeating: 0, count: count)
            for (c, list) in components.enumerated() { size[c] = list.count; for t in list { component[t] = c } }
            for (c, list) in components.enumerated() where list.count < minTriangles {
                // the largest neighbouring chart whose label every triangle of this island may take
                var best = -1
                for t in list { for e in 0..<3 {
                    let n = Int(faces.neighbours[t][e])
                    guard n >= 0, component[n] != c, best < 0 || size[component[n]] > size[best] else { continue }
                    if list.allSatisfy({ allowed($0, labels[n]) }) { best = component[n] }
                } }
                guard best >= 0 else { continue }
                let label = labels[components[best][0]]
                for t in list { labels[t] = label; component[t] = best }
                size[best] += list.count
                changed = true
            }
            guard changed else { break }
            components = Self.components(labels: labels, faces: faces)
        }
        return components.map { ($0, labels[$0[0]]) }
    }

    /// Connected sets of edge-adjacent triangles with one label, in order of their first triangle.
    static func components(labels: [Int], faces: FaceData) -> [[Int]] {
        var seen = [Bool](repeating: false, count: labels.count)
        var out: [[Int]] = []
        for seed in labels.indices where !seen[seed] {
            var list = [seed], head = 0
            seen[seed] = true
            while head < list.count {
                let t = list[head]; head += 1
                for e in 0..<3 {
                    let n = Int(faces.neighbours[t][e])
                    if n >= 0, !seen[n], labels[n] == labels[seed] { seen[n] = true; list.append(n) }
                }
            }
            out.append(list)
        }
        return out
    }

    /// Breadth-first growth from `seed` over unassigned triangles of `allowed` whose normal stays within `angle`
    /// of the chart's running mean normal.
    static func grow(seed: Int, faces: FaceData, allowed: Set<Int>, angle: Double, assigned: inout [Bool]) -> [Int] {
        let limit = cos(angle)
        var chart = [seed], queue = [seed], head = 0
        assigned[seed] = true
        var sum = faces.normals[seed] * faces.areas[seed]
        while head < queue.count {
            let t = queue[head]; head += 1
            let mean = length(sum) > 0 ? normalize(sum) : faces.normals[seed]
            for e in 0..<3 {
                let n = Int(faces.neighbours[t][e])
                guard n >= 0, !assigned[n], allowed.contains(n), dot(faces.normals[n], mean) >= limit else { continue }
                assigned[n] = true
                chart.append(n); queue.append(n)
                sum += faces.normals[n] * faces.areas[n]
            }
        }
        return chart
    }

    /// `chart`, or its triangles regrown under a normal cone of `angle` (then half of it, and so on) when its
    /// projection along `axis` overlaps itself.
    static func withoutOverlap(_ chart: [Int], axis: Vec3d?, faces: FaceData, angle: Double) -> [(faces: [Int], axis: Vec3d?)] {
        guard chart.count > 1, Flattened(faces: chart, data: faces, axis: axis).overlaps(faces: faces) else { return [(chart, axis)] }
        let allowed = Set(chart)
        var assigned = [Bool](repeating: true, count: faces.areas.count)
        for t in chart { assigned[t] = false }
        var pieces: [(faces: [Int], axis: Vec3d?)] = []
        for seed in chart where !assigned[seed] {
            let piece = grow(seed: seed, faces: faces, allowed: allowed, angle: angle, assigned: &assigned)
            pieces += angle < 0.01 ? piece.map { ([$0], nil) } : withoutOverlap(piece, axis: nil, faces: faces, angle: angle / 2)
        }
        return pieces
    }

    /// A chart projected along an axis (its area-weighted mean normal when none is given), in metres, turned so
    /// its box is smallest along its principal axes and moved to start at (0, 0).
    struct Flattened {
        var faces: [Int]
        /// Three points per face, metres.
        var uv: [Vec2d]
        var width: Double, height: Double
        var area: Double

        init(faces: [Int], data: FaceData, axis: Vec3d? = nil) {
            self.faces = faces
            var sum = Vec3d.zero
            for t in faces { sum += data.normals[t] * data.areas[t] }
            let n = axis ?? (length(sum) > 0 ? normalize(sum) : data.normals[faces[0]])
            let helper = abs(n.x) < 0.9 ? Vec3d(1, 0, 0) : Vec3d(0, 1, 0)
            let a = normalize(cross(helper, n)), b = cross(n, a)
            var points: [Vec2d] = []
            points.reserveCapacity(3 * faces.count)
            area = 0
            for t in faces {
                for k in 0..<3 { let p = data.corner(t, k); points.append(Vec2d(dot(p, a), dot(p, b))) }
                area += data.areas[t]
            }
            // principal axes of the projected points
            var mean = Vec2d.zero
            for p in points { mean += p }
            mean /= Double(points.count)
            var sxx = 0.0, sxy = 0.0, syy = 0.0
            for p in points { let d = p - mean; sxx += d.x * d.x; sxy += d.x * d.y; syy += d.y * d.y }
            let theta = 0.5 * atan2(2 * sxy, sxx - syy)
            let c = cos(theta), s = sin(theta)
            points = points.map { Vec2d(c * $0.x + s * $0.y, -s * $0.x + c * $0.y) }
            var lo = Vec2d(repeating: .infinity), hi = Vec2d(repeating: -.infinity)
            for p in points { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
            // (a, b, n) is right-handed, so triangles facing n run counter-clockwise in (a, b); the atlas counts texel
            // rows downwards and v upwards, so b is turned to run down the rows, keeping them counter-clockwise in (u, v)
            uv = points.map { Vec2d($0.x - lo.x, hi.y - $0.y) }
            width = hi.x - lo.x; height = hi.y - lo.y
        }

        /// True when two triangles' projections overlap: texel centres of a fine raster (about 256 per side)
        /// covered twice, by a fill rule under which triangles that only share an edge never both cover a centre.
        func overlaps(faces data: FaceData) -> Bool {
            let extent = max(width, height)
            guard extent > 0 else { return false }
            let cells = 256.0 / extent
            let nx = Int(width * cells) + 2, ny = Int(height * cells) + 2
            var hits = [UInt8](repeating: 0, count: nx * ny)
            for f in faces.indices {
                let p = (0..<3).map { uv[3 * f + $0] * cells }
                var overlap = false
                Raster.triangle(p[0], p[1], p[2], width: nx, height: ny) { x, y, _ in
                    if hits[y * nx + x] != 0 { overlap = true } else { hits[y * nx + x] = 1 }
                }
                if overlap { return true }
            }
            return false
        }
    }

    /// Shelf packing at one texel density: the largest density (in 3% steps down from a first guess) at which
    /// every chart fits. Returns texels per metre and each chart's top-left offset in texels.
    static func pack(_ charts: [Flattened], size: Int, gutter: Int, totalArea: Double) -> (Double, [Vec2d]) {
        var scale = (0.8 * Double(size * size) / max(totalArea, 1e-12)).squareRoot()
        let order = charts.indices.sorted { charts[$0].height != charts[$1].height ? charts[$0].height > charts[$1].height : $0 < $1 }
        while true {
            var offsets = [Vec2d](repeating: .zero, count: charts.count)
            var x = 0, y = 0, shelf = 0, fits = true
            for c in order {
                let w = Int((charts[c].width * scale).rounded(.up)) + 2 * gutter, h = Int((charts[c].height * scale).rounded(.up)) + 2 * gutter
                if x + w > size { x = 0; y += shelf; shelf = 0 }
                if w > size || y + h > size { fits = false; break }
                offsets[c] = Vec2d(Double(x + gutter), Double(y + gutter))
                x += w; shelf = max(shelf, h)
            }
            if fits { return (scale, offsets) }
            scale *= 0.97
        }
    }
}

/// Scan conversion of triangles at texel centres, shared by the atlas, the texture baker and the unlit renderer.
public enum Raster {
    /// Calls `body(x, y, barycentrics)` for every texel (x, y) of a `width` × `height` grid whose centre
    /// (x + ½, y + ½) lies inside the triangle (a, b, c) (texel units), with the top-left rule: a centre on an edge
    /// belongs to exactly one of two triangles sharing that edge. Barycentrics weight a, b, c.
    @inline(__always)
    public static func triangle(_ a: Vec2d, _ b: Vec2d, _ c: Vec2d, width: Int, height: Int, _ body: (Int, Int, Vec3d) -> Void) {
        var b = b, c = c
        var area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
        guard area != 0, area.isFinite else { return }
        var swapped = false
        if area < 0 { swap(&b, &c); area = -area; swapped = true }
        let x0 = max(0, Int((min(a.x, b.x, c.x) - 0.5).rounded(.down))), x1 = min(width - 1, Int((max(a.x, b.x, c.x) - 0.5).rounded(.up)))
        let y0 = max(0, Int((min(a.y, b.y, c.y) - 0.5).rounded(.down))), y1 = min(height - 1, Int((max(a.y, b.y, c.y) - 0.5).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        // edge function of (p, q) at r, and whether a zero on it counts (top or left edge, y pointing down)
        func edge(_ p: Vec2d, _ q: Vec2d, _ r: Vec2d) -> Double { (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x) }
        func owns(_ p: Vec2d, _ q: Vec2d) -> Bool { (p.y == q.y && q.x < p.x) || q.y > p.y }
        let ownA = owns(b, c), ownB = owns(c, a), ownC = owns(a, b)
        for y in y0...y1 {
            for x in x0...x1 {
                let r = Vec2d(Double(x) + 0.5, Double(y) + 0.5)
                let wa = edge(b, c, r), wb = edge(c, a, r), wc = edge(a, b, r)
                guard wa > 0 || (wa == 0 && ownA), wb > 0 || (wb == 0 && ownB), wc > 0 || (wc == 0 && ownC) else { continue }
                let bary = Vec3d(wa, wb, wc) / area
                body(x, y, swapped ? Vec3d(bary.x, bary.z, bary.y) : bary)
            }
        }
    }
}
