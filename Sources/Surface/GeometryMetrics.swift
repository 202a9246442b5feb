import Dispatch
import Geometry

/// Points sampled uniformly by area on a mesh's surface, deterministic for a seed.
public func sampleSurface(_ mesh: TriangleMesh, count: Int, seed: UInt64 = 0) -> [Vec3d] {
    sampleSurfaceWithNormals(mesh, count: count, seed: seed).points
}

/// Points sampled uniformly by area on a mesh's surface with the unit normal of the triangle each lies on (the
/// winding's normal), deterministic for a seed.
public func sampleSurfaceWithNormals(_ mesh: TriangleMesh, count: Int, seed: UInt64 = 0) -> (points: [Vec3d], normals: [Vec3d]) {
    guard mesh.triangleCount > 0, count > 0 else { return ([], []) }
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
    guard total > 0 else { return ([], []) }
    var rng = RandomStream(seed: seed, 0x5375_7266)
    var points: [Vec3d] = [], normals: [Vec3d] = []
    points.reserveCapacity(count); normals.reserveCapacity(count)
    for _ in 0..<count {
        let target = rng.nextDouble() * total
        var lo = 0, hi = cumulative.count - 1
        while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] <= target { lo = mid + 1 } else { hi = mid } }
        var u = rng.nextDouble(), v = rng.nextDouble()
        if u + v > 1 { u = 1 - u; v = 1 - v }
        let a = corner(lo, 0), e1 = corner(lo, 1) - a, e2 = corner(lo, 2) - a
        points.append(a + u * e1 + v * e2)
        normals.append(normalize(cross(e1, e2)))
    }
    return (points, normals)
}

/// Exact nearest-neighbour distances to a fixed set of points: a k-d tree stored implicitly (each node's
/// point is the median of its range along the range's widest axis), so queries cost O(log n) wherever they are.
public struct PointIndex: Sendable {
    /// Points reordered into tree order; `axis[m]` is the split axis of the node at the middle of its range.
    let points: [Vec3d]
    let axis: [UInt8]
    /// `order[m]`: the index, in the array the index was built from, of `points[m]`.
    let order: [Int32]

    public init(_ points: [Vec3d]) {
        precondition(!points.isEmpty)
        var p = points
        var order = (0..<Int32(points.count)).map { $0 }
        var axis = [UInt8](repeating: 0, count: points.count)
        // iterative build over (lo, hi) ranges
        var stack: [(Int, Int)] = [(0, points.count)]
        while let (lo, hi) = stack.popLast() {
            guard hi - lo > 1 else { continue }
            var lower = Vec3d(repeating: .infinity), upper = Vec3d(repeating: -.infinity)
            for i in lo..<hi { lower = pointwiseMin(lower, p[i]); upper = pointwiseMax(upper, p[i]) }
            let extent = upper - lower
            let a = extent.x >= extent.y && extent.x >= extent.z ? 0 : (extent.y >= extent.z ? 1 : 2)
            let mid = (lo + hi) / 2
            Self.select(&p, &order, lo, hi, mid, a)
            axis[mid] = UInt8(a)
            stack.append((lo, mid)); stack.append((mid + 1, hi))
        }
        self.points = p; self.axis = axis; self.order = order
    }

    /// Quickselect: puts the element of rank `k` (along axis `a`) at `k`, smaller ones before it, larger after.
    static func select(_ p: inout [Vec3d], _ order: inout [Int32], _ lo: Int, _ hi: Int, _ k: Int, _ a: Int) {
        var lo = lo, hi = hi - 1
        while lo < hi {
            let pivot = p[(lo + hi) / 2][a]
            var i = lo, j = hi
            while i <= j {
                while p[i][a] < pivot { i += 1 }
                while p[j][a] > pivot { j -= 1 }
                if i <= j { p.swapAt(i, j); order.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return }
        }
    }

    /// `nearest` of every query, on all cores, in order.
    public func nearestNeighbours(_ queries: [Vec3d]) -> [(index: Int, distance: Double)] {
        var out = [(index: Int, distance: Double)](repeating: (0, 0), count: queries.count)
        let chunk = 4096, chunks = (queries.count + chunk - 1) / chunk
        out.withUnsafeMutableBufferPointer { buffer in
            let target = UnsafeSendable(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in (c * chunk)..<min(queries.count, (c + 1) * chunk) { target.pointer[i] = nearest(queries[i]) }
            }
        }
        return out
    }

    /// Distances from every query to the nearest indexed point, on all cores, in order.
    public func nearestDistances(_ queries: [Vec3d]) -> [Double] { nearestNeighbours(queries).map(\.distance) }

    /// Distance from `q` to the nearest indexed point.
    public func nearestDistance(_ q: Vec3d) -> Double { nearest(q).distance }

    /// The nearest indexed point to `q`: its index in the array the index was built from, and its distance.
    public func nearest(_ q: Vec3d) -> (index: Int, distance: Double) {
        var best = Double.infinity, bestIndex = 0
        func search(_ lo: Int, _ hi: Int) {
            guard lo < hi else { return }
            let mid = (lo + hi) / 2
            let p = points[mid]
            let d = p - q
            let squared = dot(d, d)
            if squared < best { best = squared; bestIndex = mid }
            guard hi - lo > 1 else { return }
            let a = Int(axis[mid])
            let delta = q[a] - p[a]
            // the side of the split holding q first; the other only if the split plane is nearer than the best
            if delta < 0 {
                search(lo, mid)
                if delta * delta < best { search(mid + 1, hi) }
            } else {
                search(mid + 1, hi)
                if delta * delta < best { search(lo, mid) }
            }
        }
        search(0, points.count)
        return (Int(order[bestIndex]), best.squareRoot())
    }
}

/// Chamfer distance, F-score and normal consistency between a predicted and a ground-truth surface.
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
    /// Mean |n · n'| between each sample's triangle normal and that of its nearest sample on the other surface, over
    /// the pairs closer than `threshold`, averaged over both directions (predicted → ground truth and back); 1 for
    /// identical surfaces. Pits, dents and staircases lower it while barely moving Chamfer and F-score.
    public var normalConsistency: Double
    /// The predicted → ground-truth direction of `normalConsistency` alone (how smooth the prediction is where
    /// it lies on the truth).
    public var normalAccuracy: Double

    /// Compares surfaces by `samples` area-uniform points on each (Euclidean nearest-neighbour distances, the
    /// "Chamfer-L1" of Occupancy Networks). With `crop`, only points inside the box count on either side, for
    /// reconstructions that cover part of a scene; the diagonal is then the cropped ground truth's.
    public static func compare(predicted: TriangleMesh, groundTruth: TriangleMesh, samples: Int = 200_000,
                               thresholdFraction: Double = 0.01, crop: Bounds3? = nil, seed: UInt64 = 0) -> SurfaceComparison? {
        func inside(_ p: Vec3d) -> Bool { crop.map { all(p .>= $0.lower) && all(p .<= $0.upper) } ?? true }
        let cropTruth = crop.map { box in groundTruth.clipped(to: box) } ?? groundTruth
        let cropPredicted = crop.map { box in predicted.clipped(to: box) } ?? predicted
        let (p, pn) = Self.samples(cropPredicted, count: samples, seed: seed, inside: inside)
        let (g, gn) = Self.samples(cropTruth, count: samples, seed: seed &+ 1, inside: inside)
        guard !p.isEmpty, !g.isEmpty else { return nil }
        var box = Bounds3.empty
        for x in g { box.include(x) }
        let diagonal = box.diagonal
        let threshold = thresholdFraction * diagonal
        let toTruth = PointIndex(g), toPredicted = PointIndex(p)
        let np = toTruth.nearestNeighbours(p), ng = toPredicted.nearestNeighbours(g)
        let dp = np.map(\.distance), dg = ng.map(\.distance)
        let accuracy = dp.reduce(0, +) / Double(dp.count), completeness = dg.reduce(0, +) / Double(dg.count)
        let precision = Double(dp.filter { $0 < threshold }.count) / Double(dp.count)
        let recall = Double(dg.filter { $0 < threshold }.count) / Double(dg.count)
        let f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        // |n · n'| over the pairs within the threshold; 0 when no pair is that close
        func agreement(_ pairs: [(index: Int, distance: Double)], _ own: [Vec3d], _ other: [Vec3d]) -> Double {
            var sum = 0.0, count = 0
            for (i, pair) in pairs.enumerated() where pair.distance < threshold {
                sum += abs(dot(own[i], other[pair.index])); count += 1
            }
            return count > 0 ? sum / Double(count) : 0
        }
        let forward = agreement(np, pn, gn), backward = agreement(ng, gn, pn)
        return SurfaceComparison(accuracy: accuracy, completeness: completeness, chamferL1: (accuracy + completeness) / 2 / diagonal,
                                 precision: precision, recall: recall, fScore: f, threshold: threshold, diagonal: diagonal, samples: samples,
                                 normalConsistency: (forward + backward) / 2, normalAccuracy: forward)
    }

    static func samples(_ mesh: TriangleMesh, count: Int, seed: UInt64, inside: (Vec3d) -> Bool) -> ([Vec3d], [Vec3d]) {
        let (points, normals) = sampleSurfaceWithNormals(mesh, count: count, seed: seed)
        var keptPoints: [Vec3d] = [], keptNormals: [Vec3d] = []
        for i in points.indices where inside(points[i]) { keptPoints.append(points[i]); keptNormals.append(normals[i]) }
        return (keptPoints, keptNormals)
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
