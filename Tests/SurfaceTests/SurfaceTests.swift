import Foundation
import Geometry
import Surface
import Testing

/// Signed volume by the divergence theorem (positive when triangles face outwards).
func enclosedVolume(_ mesh: TriangleMesh) -> Double {
    var v = 0.0
    for t in 0..<mesh.triangleCount {
        let p = (0..<3).map { k -> Vec3d in let q = mesh.positions[Int(mesh.indices[3 * t + k])]; return Vec3d(Double(q.x), Double(q.y), Double(q.z)) }
        v += dot(p[0], cross(p[1], p[2])) / 6
    }
    return v
}

/// How many triangles use each undirected edge, and whether every edge is used once in each direction.
func edgeUse(_ mesh: TriangleMesh) -> (counts: [Int: Int], consistentlyOriented: Bool) {
    var undirected = [Int: Int](), directed = Set<Int>()
    var consistent = true
    let n = mesh.positions.count
    for t in 0..<mesh.triangleCount {
        for k in 0..<3 {
            let a = Int(mesh.indices[3 * t + k]), b = Int(mesh.indices[3 * t + (k + 1) % 3])
            undirected[min(a, b) * n + max(a, b), default: 0] += 1
            if !directed.insert(a * n + b).inserted { consistent = false }
        }
    }
    return (undirected, consistent)
}

@Suite struct MarchingCubesTests {
    @Test func analyticSphereAt128HasTheRightAreaVolumeAndIsClosed() {
        let r = 0.8
        let bounds = Bounds3(lower: Vec3d(repeating: -1), upper: Vec3d(repeating: 1))
        // density-like: positive inside, so the surface's normals point outwards
        let grid = ScalarGrid(resolution: 128, bounds: bounds) { p in Float(r - length(p)) }
        let mesh = MarchingCubes.extract(grid, iso: 0)
        let area = mesh.surfaceArea, volume = enclosedVolume(mesh)
        #expect(abs(area / (4 * .pi * r * r) - 1) < 0.01)
        #expect(abs(volume / (4.0 / 3.0 * .pi * r * r * r) - 1) < 0.01)
        let (edges, oriented) = edgeUse(mesh)
        #expect(edges.values.allSatisfy { $0 == 2 })
        #expect(oriented)
        #expect(mesh.triangleCount > 50_000)
    }

    /// Saddle-heavy fields exercise every ambiguous face: the gyroid and random noise must still give a surface
    /// where each edge is shared by exactly two triangles with opposite orientation (no cracks), away from the
    /// lattice's boundary, which open surfaces cross.
    @Test func ambiguousFacesNeverCrack() {
        var rng = RandomStream(seed: 7)
        let random = ScalarGrid(nx: 12, ny: 12, nz: 12, origin: .zero, spacing: Vec3d(repeating: 1),
                                values: (0..<(12 * 12 * 12)).map { i in
                                    let (x, y, z) = (i % 12, (i / 12) % 12, i / 144)
                                    // zero on the boundary layer, so the level set is closed inside the lattice
                                    return x == 0 || y == 0 || z == 0 || x == 11 || y == 11 || z == 11 ? -1 : rng.nextFloat() * 2 - 1
                                })
        let gyroid = ScalarGrid(resolution: 48, bounds: Bounds3(lower: Vec3d(repeating: -6), upper: Vec3d(repeating: 6))) { p in
            let inside = 5.5 - max(abs(p.x), max(abs(p.y), abs(p.z)))
            let g = sin(p.x) * cos(p.y) + sin(p.y) * cos(p.z) + sin(p.z) * cos(p.x)
            return Float(min(inside, g))
        }
        for grid in [random, gyroid] {
            let mesh = MarchingCubes.extract(grid, iso: 0)
            #expect(mesh.triangleCount > 100)
            let (edges, oriented) = edgeUse(mesh)
            #expect(edges.values.allSatisfy { $0 == 2 })
            #expect(oriented)
        }
        // the random field has many face saddles: check that both decisions occurred
        var joined = 0, separated = 0
        for k in 0..<11 { for j in 0..<11 { for i in 0..<11 {
            let a = random.value(i, j, k), b = random.value(i + 1, j, k), c = random.value(i + 1, j + 1, k), d = random.value(i, j + 1, k)
            guard (a > 0) == (c > 0), (b > 0) == (d > 0), (a > 0) != (b > 0) else { continue }
            if (a * c - b * d) / (a + c - b - d) > 0 { joined += 1 } else { separated += 1 }
        } } }
        #expect(joined > 5 && separated > 5)
    }

    @Test func emptyAndFullFieldsGiveNoTriangles() {
        let bounds = Bounds3(lower: .zero, upper: Vec3d(repeating: 1))
        #expect(MarchingCubes.extract(ScalarGrid(resolution: 8, bounds: bounds) { _ in 1 }, iso: 0).triangleCount == 0)
        #expect(MarchingCubes.extract(ScalarGrid(resolution: 8, bounds: bounds) { _ in -1 }, iso: 0).triangleCount == 0)
    }

    @Test func gradientOfALinearFieldIsExact() {
        let grid = ScalarGrid(resolution: 16, bounds: Bounds3(lower: .zero, upper: Vec3d(repeating: 1))) { p in Float(2 * p.x - 3 * p.y + 0.5 * p.z) }
        let g = grid.gradient(Vec3d(0.4, 0.5, 0.6))
        #expect(length(g - Vec3(2, -3, 0.5)) < 1e-4)
        #expect(abs(grid.sample(Vec3d(0.33, 0.71, 0.12)) - Float(2 * 0.33 - 3 * 0.71 + 0.06)) < 1e-5)
    }
}

@Suite struct MeshCleanupTests {
    func twoSpheres() -> TriangleMesh {
        let bounds = Bounds3(lower: Vec3d(repeating: -1), upper: Vec3d(repeating: 1))
        let grid = ScalarGrid(resolution: 64, bounds: bounds) { p in
            Float(max(0.5 - length(p - Vec3d(-0.3, 0, 0)), 0.08 - length(p - Vec3d(0.7, 0.6, 0.6))))
        }
        return MarchingCubes.extract(grid, iso: 0)
    }

    @Test func componentsAreFoundAndSmallOnesRemoved() {
        let mesh = twoSpheres()
        let (_, sizes) = MeshCleanup.components(mesh)
        #expect(sizes.count == 2)
        #expect(sizes[0] > 20 * sizes[1])
        let (kept, removed) = MeshCleanup.removeSmallComponents(mesh, minFraction: 0.05)
        #expect(removed == 1)
        #expect(kept.triangleCount == sizes[0])
        #expect(edgeUse(kept).counts.values.allSatisfy { $0 == 2 })
        #expect(MeshCleanup.removeSmallComponents(mesh, minFraction: 0.001).removed == 0)
    }

    @Test func simplificationMeetsTheTargetAndKeepsTheShape() {
        let bounds = Bounds3(lower: Vec3d(repeating: -1), upper: Vec3d(repeating: 1))
        var mesh = MarchingCubes.extract(ScalarGrid(resolution: 96, bounds: bounds) { p in Float(0.7 - length(p)) }, iso: 0)
        mesh.colors = mesh.positions.map { _ in Vec3(0.1, 0.2, 0.3) }
        let (simple, error) = MeshCleanup.simplify(mesh, targetTriangles: 2000)
        #expect(simple.triangleCount <= 2000 && simple.triangleCount > 1500)
        #expect(simple.colors.count == simple.positions.count && simple.colors.allSatisfy { $0 == Vec3(0.1, 0.2, 0.3) })
        #expect(error < 0.01)
        #expect(abs(simple.surfaceArea / mesh.surfaceArea - 1) < 0.02)
        #expect(edgeUse(simple).counts.values.allSatisfy { $0 == 2 })
        // every vertex is used after compaction
        #expect(Set(simple.indices).count == simple.positions.count)
    }
}

@Suite struct MeshTopologyTests {
    @Test func closedSurfacesAreClosedAndHolesAndFinsAreCounted() {
        let spheres = MeshCleanupTests().twoSpheres()
        let closed = MeshTopology(spheres)
        #expect(closed.isClosed && closed.pieces == 2 && closed.summary == "closed, 2 pieces")
        // one triangle gone: its three edges are left with one triangle each
        var holed = spheres
        holed.indices.removeSubrange(0..<3)
        let open = MeshTopology(holed)
        #expect(!open.isClosed && open.boundaryEdges == 3 && open.nonManifoldEdges == 0)
        // a fin glued onto an edge: that edge has three triangles, the fin's own two edges one each
        var fin = spheres
        let a = fin.indices[0], b = fin.indices[1]
        fin.positions.append(fin.positions[Int(a)] + Vec3(0, 0, 0.3))
        fin.indices += [a, b, UInt32(fin.positions.count - 1)]
        let finned = MeshTopology(fin)
        #expect(finned.nonManifoldEdges == 1 && finned.boundaryEdges == 2 && finned.pieces == 2)
        #expect(MeshTopology(TriangleMesh()).isClosed == false)
    }

    /// A textured mesh splits vertices along seams: same positions, different indices. It stays closed.
    @Test func seamsSplitForTexturesDoNotOpenTheSurface() {
        let sphere = MarchingCubes.extract(ScalarGrid(resolution: 24, bounds: Bounds3(lower: Vec3d(repeating: -1), upper: Vec3d(repeating: 1))) { p in
            Float(0.7 - length(p))
        }, iso: 0)
        var split = TriangleMesh()
        for t in 0..<sphere.triangleCount {
            for k in 0..<3 { split.positions.append(sphere.positions[Int(sphere.indices[3 * t + k])]); split.indices.append(UInt32(3 * t + k)) }
        }
        #expect(edgeUse(split).counts.values.allSatisfy { $0 == 1 })
        let topology = MeshTopology(split)
        #expect(topology.isClosed && topology.pieces == 1)
    }
}

@Suite struct GeometryMetricTests {
    @Test func identicalSurfacesScorePerfectlyAndAShiftIsMeasured() throws {
        let sphere = Primitives.sphere(radius: 1, rings: 48, segments: 96)
        let same = try #require(SurfaceComparison.compare(predicted: sphere, groundTruth: sphere, samples: 50_000))
        #expect(same.fScore > 0.999)
        #expect(same.chamferL1 < 0.004)   // the sampling floor: half the spacing of 50k points
        // a sphere 5% larger: every point is 0.05 away, 1.44% of the diagonal 2√3 · 1.0
        var bigger = sphere
        bigger.positions = sphere.positions.map { $0 * 1.05 }
        let shifted = try #require(SurfaceComparison.compare(predicted: bigger, groundTruth: sphere, samples: 50_000))
        #expect(abs(shifted.accuracy - 0.05) < 0.003 && abs(shifted.completeness - 0.05) < 0.003)
        #expect(abs(shifted.chamferL1 - 0.05 / (2 * 3.0.squareRoot())) < 0.001)
        #expect(shifted.fScore < 0.05)   // 0.05 > the 1% threshold of 0.0346
    }

    @Test func normalConsistencySeesPitsThatFScoreDoesNot() throws {
        let sphere = Primitives.sphere(radius: 1, rings: 48, segments: 96)
        let same = try #require(SurfaceComparison.compare(predicted: sphere, groundTruth: sphere, samples: 50_000))
        #expect(same.normalConsistency > 0.998 && same.normalAccuracy > 0.998, "\(same)")
        // every vertex moved radially by up to ±1 cm: every point stays well within the F-score's 3.5 cm, but the
        // facets tilt by about 10–20°
        var rng = RandomStream(seed: 9)
        var pitted = sphere
        pitted.positions = sphere.positions.map { $0 * Float(1 + 0.01 * (2 * rng.nextDouble() - 1)) }
        let rough = try #require(SurfaceComparison.compare(predicted: pitted, groundTruth: sphere, samples: 50_000))
        #expect(rough.fScore > 0.99, "\(rough)")
        #expect(rough.normalAccuracy < 0.99 && rough.normalConsistency < 0.99, "\(rough)")
        // flipping every face changes nothing: the measure is of lines, not orientations
        var flipped = sphere
        for t in 0..<flipped.triangleCount { flipped.indices.swapAt(3 * t + 1, 3 * t + 2) }
        let unsigned = try #require(SurfaceComparison.compare(predicted: flipped, groundTruth: sphere, samples: 50_000))
        #expect(unsigned.normalConsistency > 0.998)
    }

    @Test func nearestNeighboursMatchBruteForce() {
        var rng = RandomStream(seed: 3)
        let points = (0..<2000).map { _ in Vec3d(rng.nextDouble(), rng.nextDouble() * 2, rng.nextDouble() * 0.1) }
        let index = PointIndex(points)
        for _ in 0..<300 {
            let q = Vec3d(rng.nextDouble() * 3 - 1, rng.nextDouble() * 4 - 1, rng.nextDouble() * 3 - 1)
            let distances = points.map { length($0 - q) }
            let brute = distances.min()!
            #expect(abs(index.nearestDistance(q) - brute) < 1e-12)
            // the index it names is the input's, not the tree's
            let found = index.nearest(q)
            #expect(abs(distances[found.index] - brute) < 1e-12)
        }
    }

    @Test func cropKeepsOnlyTheSurfaceInsideTheBox() {
        let plane = Primitives.quad(size: Vec2(8, 8))
        let box = Bounds3(lower: Vec3d(-1, -1, -1), upper: Vec3d(1, 1, 1))
        let cropped = plane.clipped(to: box)
        #expect(abs(cropped.surfaceArea - 4) < 1e-5)
    }
}
