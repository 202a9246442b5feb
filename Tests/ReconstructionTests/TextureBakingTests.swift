import Foundation
import Geometry
import Reconstruction
import Surface
import Testing

/// A field holding an opaque ball of radius 0.5, red where x > 0 and blue where x < 0, and eight views around it.
func twoColouredBall() -> (RadianceGrid<Float>, [Camera]) {
    let n = 64
    var grid = RadianceGrid<Float>(resolution: n, lower: Vec3d(repeating: -1), upper: Vec3d(repeating: 1), initialDensity: 0)
    let k = Float(4 / SphericalHarmonics.c0)
    for z in 0..<n { for y in 0..<n { for x in 0..<n {
        let p = grid.lower + Vec3d(Double(x), Double(y), Double(z)) * grid.spacing
        let i = (z * n + y) * n + x
        grid.density[i] = length(p) < 0.5 ? 400 : 0
        let red = p.x > 0
        grid.sh[12 * i] = red ? k : -k; grid.sh[12 * i + 4] = -k; grid.sh[12 * i + 8] = red ? -k : k
    } } }
    let cameras = (0..<8).map { c -> Camera in
        let a = 2 * Double.pi * Double(c) / 8, e = c % 2 == 0 ? 0.4 : -0.4
        let eye = 3 * Vec3d(cos(e) * cos(a), cos(e) * sin(a), sin(e))
        return Camera(width: 64, height: 64, fovX: 40 * .pi / 180, cameraToWorld: Camera.lookAt(eye: eye, target: .zero))
    }
    return (grid, cameras)
}

@Suite struct TextureBakingTests {
    @Test func texelsTakeTheColourOfTheSurfaceTheyLieOn() {
        let (grid, cameras) = twoColouredBall()
        var mesh = MarchingCubes.extract(ScalarGrid(resolution: 48, bounds: Bounds3(lower: Vec3d(repeating: -1), upper: Vec3d(repeating: 1))) { Float(0.5 - length($0)) }, iso: 0)
        mesh.normals = mesh.positions.map { normalize($0) }
        let atlas = UVAtlas(mesh: mesh, size: 256)
        let views = grid.viewDepths(cameras: cameras, absorbed: 0.05, stepScale: 0.5, occupancy: nil, blockSize: 4, threads: 2)
        var settings = TextureBakeSettings()
        settings.size = 256
        let baked = grid.bakeTexture(atlas: atlas, views: views, stepScale: 0.5, settings: settings)
        #expect(baked.chartTexels > 0 && baked.seenTexels > baked.chartTexels * 9 / 10, "\(baked.seenTexels) of \(baked.chartTexels) seen")
        let sampler = TextureSampler(size: baked.size, rgb: baked.rgb)
        var wrong = 0, checked = 0
        for (v, p) in atlas.mesh.positions.enumerated() where abs(p.x) > 0.1 {
            let c = sampler.sample(atlas.mesh.uvs[v])
            checked += 1
            if p.x > 0 ? !(c.x > 0.8 && c.z < 0.2) : !(c.z > 0.8 && c.x < 0.2) { wrong += 1 }
        }
        #expect(checked > 100 && wrong == 0, "\(wrong) of \(checked) vertices show the other side's colour")
        // texels outside every chart are filled from the charts: no black left for mipmaps to mix in
        #expect(!stride(from: 0, to: baked.rgb.count, by: 3).contains { baked.rgb[$0] == 0 && baked.rgb[$0 + 1] == 0 && baked.rgb[$0 + 2] == 0 })
        // the same texture for any thread count
        settings.threads = 1
        #expect(grid.bakeTexture(atlas: atlas, views: views, stepScale: 0.5, settings: settings).rgb == baked.rgb)
    }

    @Test func aViewThatSeesAnotherSurfaceInFrontIsNoCandidate() {
        // a green tile hovers in front of the ball's +x pole: the view straight on sees the tile there, the views
        // at ±60° see the pole beside it
        var (grid, _) = twoColouredBall()
        let cameras = [0.0, 60, -60, 180].map { degrees -> Camera in
            let a = degrees * .pi / 180
            return Camera(width: 96, height: 96, fovX: 40 * .pi / 180, cameraToWorld: Camera.lookAt(eye: Vec3d(3 * cos(a), 3 * sin(a), 0), target: .zero))
        }
        let rays = cameras.map { PixelRays($0) }
        let pole = Vec3(0.5, 0, 0), h = Float(grid.spacing.x)
        var best: [(score: Float, view: Int)] = []
        let clear = grid.viewDepths(cameras: cameras, absorbed: 0.05, stepScale: 0.5, occupancy: nil, blockSize: 4, threads: 2)
        clear.bestViews(at: pole, normal: Vec3(1, 0, 0), rays: rays, tolerance: 2 * h, count: 4, into: &best)
        #expect(Set(best.map(\.view)) == [0, 1, 2])   // the view from −x does not face the pole
        let n = grid.resolution
        for z in 0..<n { for y in 0..<n { for x in 0..<n {
            let p = grid.lower + Vec3d(Double(x), Double(y), Double(z)) * grid.spacing
            if p.x > 0.7 && p.x < 0.75 && abs(p.y) < 0.15 && abs(p.z) < 0.15 { grid.density[(z * n + y) * n + x] = 400 }
        } } }
        let tiled = grid.viewDepths(cameras: cameras, absorbed: 0.05, stepScale: 0.5, occupancy: nil, blockSize: 4, threads: 2)
        tiled.bestViews(at: pole, normal: Vec3(1, 0, 0), rays: rays, tolerance: 2 * h, count: 4, into: &best)
        #expect(Set(best.map(\.view)) == [1, 2])
    }
}
