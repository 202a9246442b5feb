import Geometry

/// Points sampled uniformly by area on a mesh's surface, deterministic for a seed.
public func sampleSurface(_ mesh: TriangleMesh, count: Int, seed: UInt64 = 0) -> [Vec3d] {
    guard mesh.triangleCount > 0, count > 0 else { return [] }
    var cumulative = [Double](repeating: 0, count: mesh.triangleCount)
    var total = 0.0
    func corner(_ t: Int, _ k: Int) -> Vec3d {
        let p = mesh.positions[Int(mesh.indices[3 * t + k])]
        return Vec3d(Double(p.x), Double(p.y), Double(p.z))
    }
    for t in 0..<mesh.triangleCount {
        total += length(cross(corner(t, 1) - corner(t, 0), corner(t, 2) - corner(t, 0))) / 2
        cumulative[t] = total
    }
    guard total > 0 else { return [] }
    var rng = RandomStream(seed: seed, 0x5375_7266)
    var points: [Vec3d] = []
    points.reserveCapacity(count)
    for _ in 0..<count {
        let target = rng.nextDouble() * total
        var lo = 0, hi = cumulative.count - 1
        while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] <= target { lo = mid + 1 } else { hi = mid } }
        var u = rng.nextDouble(), v = rng.nextDouble()
        if u + v > 1 { u = 1 - u; v = 1 - v }
        let a = corner(lo, 0)
        points.append(a + u * (corner(lo, 1) - a) + v * (corner(lo, 2) - a))
    }
    return points
}

/// Exact nearest-neighbour distances to a fixed set of points, through a uniform grid of cells.
public struct PointIndex: Sendable {
    let points: [Vec3d]
    let lower: Vec3d
    let cell: Double
    let dims: SIMD3<Int>
    /// Points sorted by cell; `start[c] ..< start[c + 1]` are cell c's.
    let start: [Int32]
    let sorted: [Vec3d]

    /// `bounds` must contain every query point as well as `points`.
    public init(_ points: [Vec3d], bounds: Bounds3) {
        precondition(!points.isEmpty)
        self.points = points
        let extent = pointwiseMax(bounds.upper - bounds.lower, Vec3d(repeating: 1e-9))
        // about two points per cell if they filled the box's surface-like shell
        let cell = max(extent.max() / max(1, (Double(points.count) / 2).squareRoot()), 1e-9)
        let dims = SIMD3<Int>(Int((extent.x / cell).rounded(.up)) + 1, Int((extent.y / cell).rounded(.up)) + 1, Int((extent.z / cell).rounded(.up)) + 1)
        lower = bounds.lower; self.cell = cell; self.dims = dims
        func cellIndex(_ p: Vec3d) -> Int {
            let q = (p - bounds.lower) / cell
            let i = min(max(Int(q.x), 0), dims.x - 1), j = min(max(Int(q.y), 0), dims.y - 1), k = min(max(Int(q.z), 0), dims.z - 1)
            return (k * dims.y + j) * dims.x + i
        }
        var counts = [Int32](repeating: 0, count: dims.x * dims.y * dims.z + 1)
        let cells = points.map(cellIndex)
        for c in cells { counts[c + 1] += 1 }
        for c in 1..<counts.count { counts[c] += counts[c - 1] }
        var fill = counts
        var sorted = [Vec3d](repeating: .zero, count: points.count)
        for (p, c) in zip(points, cells) { sorted[Int(fill[c])] = p; fill[c] += 1 }
        start = counts; self.sorted = sorted
    }

    /// Distance from `q` to the nearest indexed point.
    public func nearestDistance(_ q: Vec3d) -> Double {
        let g = (q - lower) / cell
        let c = SIMD3<Int>(min(max(Int(g.x), 0), dims.x - 1), min(max(Int(g.y), 0), dims.y - 1), min(max(Int(g.z), 0), dims.z - 1))
        var best = Double.infinity
        let maxShell = dims.max()
        var r = 0
        while r <= maxShell {
            // visit the cells whose Chebyshev distance from c is exactly r
            for k in max(0, c.z - r)...min(dims.z - 1, c.z + r) {
                for j in max(0, c.y - r)...min(dims.y - 1, c.y + r) {
                    let onFace = abs(k - c.z) == r || abs(j - c.y) == r
                    func visit(_ i: Int) {
                        let id = (k * dims.y + j) * dims.x + i
                        for s in Int(start[id])..<Int(start[id + 1]) {
                            let d = sorted[s] - q
                            best = min(best, dot(d, d))
                        }
                    }
                    if onFace {
                        for i in max(0, c.x - r)...min(dims.x - 1, c.x + r) { visit(i) }
                    } else {
                        if c.x - r >= 0 { visit(c.x - r) }
                        if r > 0 && c.x + r < dims.x { visit(c.x + r) }
                    }
                }
            }
            // every point beyond this shell is at least r cells away from q's cell
            if best.squareRoot() <= Double(r) * cell { break }
            r += 1
        }
        return best.squareRoot()
    }
}

/// Chamfer distance and F-score between a predicted and a ground-truth surface.
public struct SurfaceComparison: Sendable {
    /// Mean distance from predicted samples to the ground truth (precision side), and the reverse (recall side), metres.
    public var accuracy: Double
    public var completeness: Double
    /// (accuracy + completeness) / 2 divided by the ground truth's bounding-box diagonal.
    public var chamferL1: Double
    public var precision: Double
    public var recall: Double
    /// Harmonic mean of precision and recall at `threshold`.
    public var fScore: Double
    /// Distance threshold of the F-score, metres (`thresholdFraction` of the diagonal).
    public var threshold: Double
    public var diagonal: Double
    public var samples: Int

    /// Compares surfaces by `samples` area-uniform points on each (Euclidean nearest-neighbour distances, the
    /// "Chamfer-L1" of Occupancy Networks). With `crop`, only points inside the box count on either side, for
    /// reconstructions that cover part of a scene; the diagonal is then the cropped ground truth's.
    public static func compare(predicted: TriangleMesh, groundTruth: TriangleMesh, samples: Int = 200_000,
                               thresholdFraction: Double = 0.01, crop: Bounds3? = nil, seed: UInt64 = 0) -> SurfaceComparison? {
        func inside(_ p: Vec3d) -> Bool { crop.map { all(p .>= $0.lower) && all(p .<= $0.upper) } ?? true }
        let cropTruth = crop.map { box in groundTruth.clipped(to: box) } ?? groundTruth
        let cropPredicted = crop.map { box in predicted.clipped(to: box) } ?? predicted
        let p = sampleSurface(cropPredicted, count: samples, seed: seed).filter(inside)
        let g = sampleSurface(cropTruth, count: samples, seed: seed &+ 1).filter(inside)
        guard !p.isEmpty, !g.isEmpty else { return nil }
        var box = Bounds3.empty
        for x in g { box.include(x) }
        let diagonal = box.diagonal
        for x in p { box.include(x) }
        let threshold = thresholdFraction * diagonal
        let toTruth = PointIndex(g, bounds: box), toPredicted = PointIndex(p, bounds: box)
        let dp = p.map(toTruth.nearestDistance), dg = g.map(toPredicted.nearestDistance)
        let accuracy = dp.reduce(0, +) / Double(dp.count), completeness = dg.reduce(0, +) / Double(dg.count)
        let precision = Double(dp.filter { $0 < threshold }.count) / Double(dp.count)
        let recall = Double(dg.filter { $0 < threshold }.count) / Double(dg.count)
        let f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return SurfaceComparison(accuracy: accuracy, completeness: completeness, chamferL1: (accuracy + completeness) / 2 / diagonal,
                                 precision: precision, recall: recall, fScore: f, threshold: threshold, diagonal: diagonal, samples: samples)
    }
}

extension TriangleMesh {
    /// The part of the surface inside `box`: every triangle clipped against the box's six planes
    /// (Sutherland–Hodgman) and fanned back into triangles. Positions only.
    public func clipped(to box: Bounds3) -> TriangleMesh {
        var out = TriangleMesh()
        for t in 0..<triangleCount {
            var polygon = (0..<3).map { k -> Vec3d in
                let p = positions[Int(indices[3 * t + k])]
                return Vec3d(Double(p.x), Double(p.y), Double(p.z))
            }
            for axis in 0..<3 {
                for (bound, sign) in [(box.lower[axis], 1.0), (box.upper[axis], -1.0)] {
                    guard !polygon.isEmpty else { break }
                    // keep sign · (x − bound) ≥ 0
                    var kept: [Vec3d] = []
                    for m in polygon.indices {
                        let a = polygon[m], b = polygon[(m + 1) % polygon.count]
                        let da = sign * (a[axis] - bound), db = sign * (b[axis] - bound)
                        if da >= 0 { kept.append(a) }
                        if (da >= 0) != (db >= 0) { kept.append(a + (b - a) * (da / (da - db))) }
                    }
                    polygon = kept
                }
            }
            guard polygon.count >= 3 else { continue }
            let base = UInt32(out.positions.count)
            out.positions += polygon.map { Vec3(Float($0.x), Float($0.y), Float($0.z)) }
            for m in 1..<(polygon.count - 1) { out.indices += [base, base + UInt32(m), base + UInt32(m + 1)] }
        }
        return out
    }
}
