import Foundation
import Geometry
import Reconstruction
import Testing

/// A random grid in Double with densities kept away from the ReLU's kink, so central differences are smooth.
func randomGrid(resolution: Int, seed: UInt64) -> RadianceGrid<Double> {
    var rng = RandomStream(seed: seed)
    var grid = RadianceGrid<Double>(resolution: resolution, lower: Vec3d(-1, -1, -1), upper: Vec3d(1, 1.2, 0.9))
    for i in grid.density.indices { grid.density[i] = 0.2 + 1.3 * rng.nextDouble() }
    for i in grid.sh.indices { grid.sh[i] = 2 * rng.nextDouble() - 1 }
    return grid
}

/// Runs `body` with a view of `grid` (no occupancy) and a sample buffer for one ray.
func withView<R>(_ grid: RadianceGrid<Double>, _ body: (FieldView<Double>, UnsafeMutablePointer<RaySample<Double>>) -> R) -> R {
    let samples = UnsafeMutablePointer<RaySample<Double>>.allocate(capacity: 4096)
    defer { samples.deallocate() }
    return grid.density.withUnsafeBufferPointer { density in
        grid.sh.withUnsafeBufferPointer { sh in
            let view = FieldView<Double>(density: density.baseAddress!, sh: sh.baseAddress!, resolution: grid.resolution, lower: grid.lower,
                                         spacing: grid.spacing, stepScale: 0.5, occupancy: nil, blockSize: 4)
            return body(view, samples)
        }
    }
}

/// L = g · C for one ray, and its analytic gradient.
func lossAndGradient(_ grid: RadianceGrid<Double>, origin: SIMD3<Double>, direction: SIMD3<Double>, g: SIMD3<Double>,
                     background: SIMD3<Double>) -> (Double, [Double], [Double]) {
    var gradDensity = [Double](repeating: 0, count: grid.density.count), gradSH = [Double](repeating: 0, count: grid.sh.count)
    let loss: Double = withView(grid) { view, samples in
        let result = view.render(origin: origin, direction: direction, jitter: 0.3, background: background, samples: samples, capacity: 4096)
        gradDensity.withUnsafeMutableBufferPointer { gd in
            gradSH.withUnsafeMutableBufferPointer { gs in
                view.backward(direction: direction, samples: samples, count: result.sampleCount, result: result, dLdC: g,
                              gradDensity: gd.baseAddress!, gradSH: gs.baseAddress!)
            }
        }
        return (g * result.color).sum()
    }
    return (loss, gradDensity, gradSH)
}

@Suite struct GradientTests {
    /// Central differences in Double at random parameters against the hand-written backward pass of
    /// volume rendering (density through the ReLU and transmittance; colour through SH and the sigmoid).
    @Test(arguments: [UInt64(1), 2, 3])
    func volumeRenderingBackwardMatchesFiniteDifferences(seed: UInt64) {
        var grid = randomGrid(resolution: 6, seed: seed)
        var rng = RandomStream(seed: seed, 99)
        let origin = SIMD3<Double>(-3, -0.4 + 0.8 * rng.nextDouble(), -0.3 + 0.6 * rng.nextDouble())
        let direction = normalize(Vec3d(1, 0.3 * rng.nextDouble() - 0.15, 0.3 * rng.nextDouble() - 0.15))
        let g = SIMD3<Double>(rng.nextDouble() - 0.5, rng.nextDouble() - 0.5, rng.nextDouble() - 0.5)
        let background = SIMD3<Double>(1, 0.9, 0.8)
        let (_, gradDensity, gradSH) = lossAndGradient(grid, origin: origin, direction: direction, g: g, background: background)
        #expect(gradDensity.contains { $0 != 0 } && gradSH.contains { $0 != 0 })
        let h = 1e-6
        var checked = 0
        // every parameter the ray touches, plus a few it does not
        let densityIndices = gradDensity.indices.filter { gradDensity[$0] != 0 } + [0, grid.density.count - 1]
        for i in densityIndices {
            let saved = grid.density[i]
            grid.density[i] = saved + h
            let up = lossAndGradient(grid, origin: origin, direction: direction, g: g, background: background).0
            grid.density[i] = saved - h
            let down = lossAndGradient(grid, origin: origin, direction: direction, g: g, background: background).0
            grid.density[i] = saved
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - gradDensity[i]) < 1e-7 + 1e-5 * abs(numeric), "density[\(i)]: \(numeric) vs \(gradDensity[i])")
            checked += 1
        }
        for i in gradSH.indices where gradSH[i] != 0 && i % 5 == 0 {
            let saved = grid.sh[i]
            grid.sh[i] = saved + h
            let up = lossAndGradient(grid, origin: origin, direction: direction, g: g, background: background).0
            grid.sh[i] = saved - h
            let down = lossAndGradient(grid, origin: origin, direction: direction, g: g, background: background).0
            grid.sh[i] = saved
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - gradSH[i]) < 1e-7 + 1e-5 * abs(numeric), "sh[\(i)]: \(numeric) vs \(gradSH[i])")
            checked += 1
        }
        #expect(checked > 40)
    }

    @Test func layoutIsPinned() {
        var grid = RadianceGrid<Double>(resolution: 4, lower: .zero, upper: Vec3d(3, 3, 3), initialDensity: 0)
        #expect(grid.density.count == 64 && grid.sh.count == 64 * 12)
        // point (i, j, k) = (1, 2, 3) has index (3·4 + 2)·4 + 1 = 57; its red constant SH term is sh[57·12]
        grid.density[57] = 5
        grid.sh[57 * 12 + 0] = 1
        let cell = TrilinearCell(lattice: Vec3d(1, 2, 3), resolution: 4)
        #expect(zip(cell.indices, cell.weights).contains { $0.0 == 57 && $0.1 == 1 })
        #expect(abs(SphericalHarmonics.basis(SIMD3<Double>(0, 0, 1)).2 - 0.4886025119029199) < 1e-15)
    }

    @Test func upsamplingKeepsALinearFieldExactly() {
        var grid = RadianceGrid<Double>(resolution: 5, lower: Vec3d(-1, -1, -1), upper: Vec3d(1, 1, 1), initialDensity: 0)
        for k in 0..<5 { for j in 0..<5 { for i in 0..<5 { grid.density[(k * 5 + j) * 5 + i] = Double(i) + 2 * Double(j) - Double(k) } } }
        let fine = grid.upsampled(to: 9)
        for k in 0..<9 { for j in 0..<9 { for i in 0..<9 {
            let expected = (Double(i) + 2 * Double(j) - Double(k)) / 2
            #expect(abs(fine.density[(k * 9 + j) * 9 + i] - expected) < 1e-12)
        } } }
    }
}

@Suite struct TotalVariationTests {
    /// The total-variation gradient against central differences of its energy, in Double, with a stride
    /// (as used for interleaved SH coefficients).
    @Test func gradientMatchesFiniteDifferences() {
        let r = 5, stride = 3
        var rng = RandomStream(seed: 11)
        var values = (0..<(r * r * r * stride)).map { _ in rng.nextDouble() * 2 - 1 }
        let h = 1e-6
        for p in [0, 7, 31, 62, 124] {
            let i = p % r, j = (p / r) % r, k = p / (r * r)
            let analytic = values.withUnsafeBufferPointer { TotalVariation.gradient($0.baseAddress!, at: p, i: i, j: j, k: k, resolution: r, stride: stride) }
            let saved = values[p * stride]
            values[p * stride] = saved + h
            let up = values.withUnsafeBufferPointer { TotalVariation.energy($0.baseAddress!, resolution: r, stride: stride) }
            values[p * stride] = saved - h
            let down = values.withUnsafeBufferPointer { TotalVariation.energy($0.baseAddress!, resolution: r, stride: stride) }
            values[p * stride] = saved
            #expect(abs((up - down) / (2 * h) - analytic) < 1e-6, "point \(p)")
        }
    }
}

/// The distortion loss of one ray and its analytic density gradient.
func distortionAndGradient(_ grid: RadianceGrid<Double>, origin: SIMD3<Double>, direction: SIMD3<Double>) -> (Double, [Double]) {
    var gradDensity = [Double](repeating: 0, count: grid.density.count)
    let loss: Double = withView(grid) { view, samples in
        let result = view.render(origin: origin, direction: direction, jitter: 0.3, background: .zero, samples: samples, capacity: 4096)
        return gradDensity.withUnsafeMutableBufferPointer { gd in
            view.distortion(samples: samples, count: result.sampleCount, scale: 1, gradDensity: gd.baseAddress!)
        }
    }
    return (loss, gradDensity)
}

@Suite struct DistortionTests {
    @Test(arguments: [UInt64(4), 5, 6])
    func distortionGradientMatchesFiniteDifferences(seed: UInt64) {
        var grid = randomGrid(resolution: 6, seed: seed)
        var rng = RandomStream(seed: seed, 7)
        let origin = SIMD3<Double>(-3, -0.4 + 0.8 * rng.nextDouble(), -0.3 + 0.6 * rng.nextDouble())
        let direction = normalize(Vec3d(1, 0.3 * rng.nextDouble() - 0.15, 0.3 * rng.nextDouble() - 0.15))
        let (loss, gradient) = distortionAndGradient(grid, origin: origin, direction: direction)
        #expect(loss > 0)
        let h = 1e-6
        var checked = 0
        for i in gradient.indices where gradient[i] != 0 || i == 0 {
            let saved = grid.density[i]
            grid.density[i] = saved + h
            let up = distortionAndGradient(grid, origin: origin, direction: direction).0
            grid.density[i] = saved - h
            let down = distortionAndGradient(grid, origin: origin, direction: direction).0
            grid.density[i] = saved
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - gradient[i]) <= 1e-6 * max(1, abs(numeric)), "density[\(i)]: analytic \(gradient[i]), numeric \(numeric)")
            checked += 1
        }
        #expect(checked > 8)
    }

    /// Weight gathered in one thin stretch costs less than the same weight spread along the ray.
    @Test func concentratedWeightCostsLessThanSpreadWeight() {
        let r = 8
        func loss(_ fill: (Int) -> Double) -> Double {
            var grid = RadianceGrid<Double>(resolution: r, lower: Vec3d(0, 0, 0), upper: Vec3d(1, 1, 1), initialDensity: 0)
            for k in 0..<r { for j in 0..<r { for i in 0..<r { grid.density[(k * r + j) * r + i] = fill(i) } } }
            return distortionAndGradient(grid, origin: SIMD3(-1, 0.5, 0.5), direction: SIMD3(1, 0, 0)).0
        }
        let thin = loss { $0 == 3 ? 60 : 0 }, spread = loss { _ in 2.5 }
        #expect(thin < spread / 3, "thin \(thin), spread \(spread)")
    }
}
