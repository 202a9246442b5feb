import Foundation
import Geometry
import Surface
import Testing

/// Checks every promise of an atlas: the surface unchanged, every triangle inside the image with its
/// orientation kept, no texel centre claimed by two triangles, and charts at least a gutter apart.
func checkAtlas(_ atlas: UVAtlas, of mesh: TriangleMesh, gutter: Int = 2) {
    let size = atlas.size, out = atlas.mesh
    #expect(out.triangleCount == mesh.triangleCount)
    #expect(out.uvs.count == out.positions.count && out.normals.count == out.positions.count)
    #expect(abs(out.surfaceArea - mesh.surfaceArea) < 1e-6 * max(1, mesh.surfaceArea))
    var owner = [Int32](repeating: -1, count: size * size)
    var overlaps = 0, flipped = 0
    for t in 0..<out.triangleCount {
        let p = (0..<3).map { k -> Vec2d in
            let uv = out.uvs[Int(out.indices[3 * t + k])]
            #expect(uv.x >= 0 && uv.x <= 1 && uv.y >= 0 && uv.y <= 1)
            return Vec2d(Double(uv.x) * Double(size), (1 - Double(uv.y)) * Double(size))
        }
        // counter-clockwise in (u, v) with v up is clockwise in texel rows
        let area = (p[1].x - p[0].x) * (p[2].y - p[0].y) - (p[1].y - p[0].y) * (p[2].x - p[0].x)
        if area >= 0 { flipped += 1 }
        Raster.triangle(p[0], p[1], p[2], width: size, height: size) { x, y, _ in
            if owner[y * size + x] >= 0 { overlaps += 1 } else { owner[y * size + x] = Int32(t) }
        }
    }
    #expect(overlaps == 0, "\(overlaps) texel centres claimed twice")
    #expect(flipped == 0, "\(flipped) triangles mirrored")
    // texels of different charts are more than a gutter apart (Chebyshev distance ≥ 2 · gutter − 1 would be exact;
    // rasterised coverage may reach half a texel into the gutter, so ask for gutter)
    var nearest = 0
    for y in 0..<size { for x in 0..<size where owner[y * size + x] >= 0 {
        let chart = atlas.chartOfTriangle[Int(owner[y * size + x])]
        for dy in -gutter...gutter { for dx in -gutter...gutter {
            let nx = x + dx, ny = y + dy
            guard nx >= 0, ny >= 0, nx < size, ny < size, owner[ny * size + nx] >= 0 else { continue }
            if atlas.chartOfTriangle[Int(owner[ny * size + nx])] != chart { nearest += 1 }
        } }
    } }
    #expect(nearest == 0, "\(nearest) texel pairs of different charts within the gutter")
}

@Suite struct UVAtlasTests {
    @Test func aSphereBecomesAFewChartsThatDoNotOverlap() {
        let sphere = Primitives.sphere(radius: 0.5, rings: 32, segments: 64)
        let atlas = UVAtlas(mesh: sphere, size: 512)
        checkAtlas(atlas, of: sphere)
        #expect(atlas.chartCount <= 8, "\(atlas.chartCount) charts")
        #expect(atlas.coverage > 0.4, "\(atlas.coverage)")
        // one texel density: a metre of surface is the same number of texels everywhere
        #expect(atlas.texelsPerMetre > 0)
    }

    @Test func aBoxKeepsOneChartPerFace() {
        let box = Primitives.box(size: Vec3(1, 2, 0.5))
        let atlas = UVAtlas(mesh: box, size: 256)
        checkAtlas(atlas, of: box)
        #expect(atlas.chartCount == 6)
    }

    @Test func aKnotAndANoisySurfaceStayFreeOfOverlaps() {
        // a torus knot folds over itself along every axis: charts must be split where their projection overlaps
        let knot = Primitives.torusKnot()
        checkAtlas(UVAtlas(mesh: knot, size: 1024), of: knot)
        var rng = RandomStream(seed: 4)
        var rough = Primitives.sphere(radius: 1, rings: 40, segments: 80)
        rough.positions = rough.positions.map { $0 * Float(1 + 0.03 * (2 * rng.nextDouble() - 1)) }
        checkAtlas(UVAtlas(mesh: rough, size: 1024), of: rough)
    }

    @Test func aRampThatWindsOverItselfIsSplitWhereItsProjectionOverlaps() {
        // a helical ramp of two turns: every normal is within 20° of +Z, so it is one chart by label, and its two
        // turns cover the same ground
        var ramp = TriangleMesh()
        let steps = 160, across = 4
        for i in 0...steps { for j in 0...across {
            let theta = 4 * Float.pi * Float(i) / Float(steps), r = 0.5 + 0.5 * Float(j) / Float(across)
            ramp.positions.append(Vec3(r * cos(theta), r * sin(theta), 0.1 * theta))
            ramp.normals.append(Vec3(0, 0, 1))
        } }
        for i in 0..<steps { for j in 0..<across {
            let a = UInt32(i * (across + 1) + j), b = a + 1, c = a + UInt32(across + 1), d = c + 1
            ramp.indices += [a, c, d, a, d, b]
        } }
        let atlas = UVAtlas(mesh: ramp, size: 512)
        checkAtlas(atlas, of: ramp)
        #expect(atlas.chartCount >= 2)
    }

    @Test func theSameMeshGivesTheSameAtlas() {
        let knot = Primitives.torusKnot()
        #expect(UVAtlas(mesh: knot, size: 256).mesh == UVAtlas(mesh: knot, size: 256).mesh)
    }
}

@Suite struct MeshRasterTests {
    @Test func aQuadFacingTheCameraFillsItsProjectionAtItsDepth() {
        // a 2 m square at z = 0 seen from 2 m above: 90° field of view, 100 pixels → the square spans 50 pixels
        var quad = Primitives.quad(size: Vec2(2, 2))
        quad.uvs = quad.positions.map { Vec2(($0.x + 1) / 2, ($0.y + 1) / 2) }
        let camera = Camera(width: 100, height: 100, fovX: .pi / 2, cameraToWorld: Camera.lookAt(eye: Vec3d(0, 0, 2), target: .zero, up: Vec3d(0, 1, 0)))
        let raster = MeshRaster(quad, camera: camera)
        let covered = raster.triangle.filter { $0 >= 0 }.count
        #expect(covered == 50 * 50, "\(covered)")
        #expect(abs(raster.depth[50 * 100 + 50] - 2) < 1e-4)
        // perspective-correct texture coordinates: the pixel centre at (62.5, 37.5) looks at (0.5, 0.5) on the quad
        let t = Int(raster.triangle[37 * 100 + 62]), w = raster.barycentrics[37 * 100 + 62]
        let uv = (0..<3).reduce(Vec2.zero) { $0 + w[$1] * quad.uvs[Int(quad.indices[3 * t + $1])] }
        #expect(abs(uv.x - 0.75) < 1e-3 && abs(uv.y - 0.75) < 1e-3, "\(uv)")
        // nearer triangles win
        var both = quad
        var front = Primitives.quad(size: Vec2(0.5, 0.5))
        front.positions = front.positions.map { $0 + Vec3(0, 0, 1) }
        front.uvs = front.positions.map { _ in Vec2(0, 0) }
        both.append(front)
        let layered = MeshRaster(both, camera: camera)
        #expect(abs(layered.depth[50 * 100 + 50] - 1) < 1e-4)
    }

    @Test func bilinearSamplingReadsTexelCentres() {
        let sampler = TextureSampler(size: 2, rgb: [0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 255, 0])
        // top-left texel centre is uv (0.25, 0.75)
        #expect(sampler.sample(Vec2(0.25, 0.75)) == Vec3(0, 0, 0))
        #expect(sampler.sample(Vec2(0.75, 0.75)) == Vec3(1, 1, 1))
        #expect(sampler.sample(Vec2(0.25, 0.25)) == Vec3(1, 0, 0))
        let middle = sampler.sample(Vec2(0.5, 0.5))
        #expect(abs(middle.x - 0.5) < 1e-6 && abs(middle.y - 0.5) < 1e-6 && abs(middle.z - 0.25) < 1e-6)
    }
}
