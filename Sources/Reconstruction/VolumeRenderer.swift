import Foundation
import Geometry
import RealModule

/// One sample along a ray that has non-zero density, kept for the backward pass.
public struct RaySample<S: FieldScalar> {
    /// Index of the lattice point at the cell's lower corner, and the position inside the cell (0...1 per axis).
    public var base: Int
    public var fraction: SIMD3<S>
    /// Density after the ReLU (> 0), colour after the sigmoid, distance along the ray.
    public var sigma: S
    public var rgb: SIMD3<S>
    public var t: S
    public init(base: Int, fraction: SIMD3<S>, sigma: S, rgb: SIMD3<S>, t: S) {
        self.base = base; self.fraction = fraction; self.sigma = sigma; self.rgb = rgb; self.t = t
    }
}

/// What one ray renders to.
public struct RayResult<S: FieldScalar> {
    /// Composited colour, background included.
    public var color: SIMD3<S>
    /// Transmittance left at the end of the ray (the background's weight).
    public var transmittance: S
    /// Expected termination distance Σ wᵢ tᵢ, metres (background contributes nothing).
    public var depth: S
    public var sampleCount: Int
    /// Distance at which the transmittance falls to one half (infinity if it never does): the surface as this
    /// ray sees it, robust to density spread out behind the surface.
    public var medianDepth: S = .infinity
}

/// A read-only view of a grid's parameters and occupancy for marching rays. Valid while the storage it points
/// to is alive and unchanged (the trainer creates one per iteration).
///
/// How densities relate to metres. Densities are per metre in a lattice box at least `referenceSize` across
/// (the training settings were tuned on scenes of about that size, such as NeRF-synthetic's); in a smaller
/// box they are per (box size / reference size) of a metre, so a 10 cm object trains like a 1 m one
/// instead of needing densities ten times larger from the same learning rates and initial values.
public enum FieldScale {
    /// Box edge, metres, below which densities are rescaled.
    public static let referenceSize = 3.0

    /// The factor that turns a distance in metres into the distance densities act over.
    public static func factor(spacing: Vec3d, resolution: Int) -> Double {
        let size = max(spacing.x, spacing.y, spacing.z) * Double(resolution - 1)
        return size > 0 ? max(1, referenceSize / size) : 1
    }
}

/// The model along a ray, with samples at spacing δ where the occupancy allows:
///   σᵢ = max(0, trilinear(density)),  cᵢ = sigmoid(Σₗ trilinear(sh)ₗ Yₗ(d)),
///   αᵢ = 1 − exp(−σᵢ δ),  Tᵢ = Πⱼ<ᵢ (1 − αⱼ),  wᵢ = Tᵢ αᵢ,
///   C = Σᵢ wᵢ cᵢ + T_N · background,
/// stopping early once T drops below `minTransmittance`.
public struct FieldView<S: FieldScalar>: @unchecked Sendable {
    public let density: UnsafePointer<S>
    public let sh: UnsafePointer<S>
    public let resolution: Int
    public let lower: SIMD3<S>
    /// World metres per lattice step, per axis.
    public let spacing: SIMD3<S>
    /// Sample spacing along rays, metres.
    public let step: S
    /// The sample spacing the densities act over: `step` times `FieldScale.factor` of the lattice's box.
    public let opticalStep: S
    /// Occupancy of blocks of `blockSize³` lattice cells (1 = may hold density); nil = everything occupied.
    public let occupancy: UnsafePointer<UInt8>?
    public let blockSize: Int
    public let blocksPerAxis: Int
    public var minTransmittance: S = 1e-4
    /// The transmittance whose crossing `RayResult.medianDepth` records. Default ½.
    public var surfaceTransmittance: S = 0.5
    /// False: samples carry no colour (the spherical harmonics are not read; `RayResult.color` is the background's
    /// share only), for marches that want depths alone.
    public var colored = true

    public init(density: UnsafePointer<S>, sh: UnsafePointer<S>, resolution: Int, lower: Vec3d, spacing: Vec3d, stepScale: Double,
                occupancy: UnsafePointer<UInt8>?, blockSize: Int) {
        self.density = density; self.sh = sh; self.resolution = resolution
        self.lower = SIMD3(S(lower.x), S(lower.y), S(lower.z))
        self.spacing = SIMD3(S(spacing.x), S(spacing.y), S(spacing.z))
        step = S(stepScale * min(spacing.x, min(spacing.y, spacing.z)))
        opticalStep = step * S(FieldScale.factor(spacing: spacing, resolution: resolution))
        self.occupancy = occupancy; self.blockSize = blockSize
        blocksPerAxis = (resolution - 1 + blockSize - 1) / blockSize
    }

    @inline(__always) static func sigmoid(_ x: S) -> S { 1 / (1 + S.exp(-x)) }

    /// Marches a ray (unit direction) and composites it. `jitter` in [0, 1) offsets the first sample;
    /// when `samples` is given, the density-carrying samples are appended for `backward`.
    public func render(origin: SIMD3<S>, direction d: SIMD3<S>, jitter: S, background: SIMD3<S>,
                       samples: UnsafeMutablePointer<RaySample<S>>? = nil, capacity: Int = 0) -> RayResult<S> {
        guard let (qo, qd, tNear, tFar) = latticeSpan(origin: origin, direction: d) else {
            return RayResult(color: background, transmittance: 1, depth: 0, sampleCount: 0)
        }
        let top = S(resolution - 1)
        var color = SIMD3<S>.zero, transmittance: S = 1, depth: S = 0, crossing = S.infinity
        var count = 0
        let r = resolution, rr = r * r
        let b = blockSize, nb = blocksPerAxis
        var k = 0
        let firstT = tNear + jitter * step
        while true {
            let t = firstT + S(k) * step
            if t > tFar { break }
            let q = qo + t * qd
            let qx = min(max(q.x, 0), top), qy = min(max(q.y, 0), top), qz = min(max(q.z, 0), top)
            if let occupancy {
                let bi = min(qx.truncatedInt / b, nb - 1), bj = min(qy.truncatedInt / b, nb - 1), bk = min(qz.truncatedInt / b, nb - 1)
                if occupancy[(bk * nb + bj) * nb + bi] == 0 {
                    // jump to the first sample past this empty block
                    var exit = tFar
                    for (a, index) in [(0, bi), (1, bj), (2, bk)] where qd[a] != 0 {
                        let face = S(qd[a] > 0 ? (index + 1) * b : index * b)
                        exit = min(exit, (face - qo[a]) / qd[a])
                    }
                    let next = ((exit - firstT) / step).rounded(.down).truncatedInt + 1
                    k = max(k + 1, next)
                    continue
                }
            }
            k += 1
            let i = min(qx.truncatedInt, r - 2), j = min(qy.truncatedInt, r - 2), l = min(qz.truncatedInt, r - 2)
            let f = SIMD3<S>(qx - S(i), qy - S(j), qz - S(l))
            let base = (l * r + j) * r + i
            let w = Self.cornerWeights(f)
            var sigmaRaw: S = 0
            for c in 0..<8 { sigmaRaw += w[c] * density[base + Self.offset(c, r, rr)] }
            guard sigmaRaw > 0 else { continue }
            var rgb = SIMD3<S>.zero
            if colored {
                let (y0, y1, y2, y3) = SphericalHarmonics.basis(d)
                var z = SIMD3<S>.zero
                for c in 0..<8 {
                    let p = sh + (base + Self.offset(c, r, rr)) * 12
                    let wc = w[c]
                    z.x += wc * (p[0] * y0 + p[1] * y1 + p[2] * y2 + p[3] * y3)
                    z.y += wc * (p[4] * y0 + p[5] * y1 + p[6] * y2 + p[7] * y3)
                    z.z += wc * (p[8] * y0 + p[9] * y1 + p[10] * y2 + p[11] * y3)
                }
                rgb = SIMD3(Self.sigmoid(z.x), Self.sigmoid(z.y), Self.sigmoid(z.z))
            }
            let alpha = 1 - S.exp(-sigmaRaw * opticalStep)
            let weight = transmittance * alpha
            color += weight * rgb
            depth += weight * t
            if transmittance >= surfaceTransmittance && transmittance * (1 - alpha) < surfaceTransmittance {
                // inside this sample's interval T(s) = T·exp(−σ s) reaches the level L at s = ln(T / L) / σ
                crossing = t - step / 2 + S.log(transmittance / surfaceTransmittance) / (sigmaRaw * opticalStep / step)
            }
            transmittance *= 1 - alpha
            if let samples, count < capacity {
                samples[count] = RaySample(base: base, fraction: f, sigma: sigmaRaw, rgb: rgb, t: t)
            }
            count += 1
            if transmittance < minTransmittance { break }
        }
        color += transmittance * background
        return RayResult(color: color, transmittance: transmittance, depth: depth, sampleCount: count, medianDepth: crossing)
    }

    /// The ray in lattice coordinates, q(t) = qo + t · qd, and the stretch [tNear, tFar] of t ≥ 0 inside the
    /// lattice box [0, R − 1]³; nil when the ray misses it.
    @inline(__always) func latticeSpan(origin: SIMD3<S>, direction d: SIMD3<S>) -> (qo: SIMD3<S>, qd: SIMD3<S>, tNear: S, tFar: S)? {
        let qo = (origin - lower) / spacing, qd = d / spacing
        let top = S(resolution - 1)
        var tNear: S = 0, tFar = S.greatestFiniteMagnitude
        for a in 0..<3 {
            if qd[a] == 0 {
                if qo[a] < 0 || qo[a] > top { return nil }
            } else {
                var t0 = (0 - qo[a]) / qd[a], t1 = (top - qo[a]) / qd[a]
                if t0 > t1 { swap(&t0, &t1) }
                tNear = max(tNear, t0); tFar = min(tFar, t1)
            }
        }
        return tNear < tFar ? (qo, qd, tNear, tFar) : nil
    }

    /// Marches a ray (unit direction `d`, no occupancy skipping, no background) as `render` does and composites,
    /// with this ray's weights, the colour each of `directions` would see: Σᵢ wᵢ sigmoid(shᵢ · Y(directionₖ)) into
    /// `colors[k]`. Returns the opacity 1 − T. One march serves several views of the same short stretch (texture
    /// baking), instead of one march per view: the weights are the marched ray's, which is what the other views see
    /// where the surface is thin.
    public func composite(origin: SIMD3<S>, direction d: SIMD3<S>, jitter: S, towards directions: UnsafeBufferPointer<SIMD3<S>>,
                          into colors: UnsafeMutableBufferPointer<SIMD3<S>>) -> S {
        for k in colors.indices { colors[k] = .zero }
        guard let (qo, qd, tNear, tFar) = latticeSpan(origin: origin, direction: d) else { return 0 }
        let top = S(resolution - 1), r = resolution, rr = r * r
        var transmittance: S = 1, t = tNear + jitter * step
        while t <= tFar && transmittance >= minTransmittance {
            let q = qo + t * qd
            t += step
            let qx = min(max(q.x, 0), top), qy = min(max(q.y, 0), top), qz = min(max(q.z, 0), top)
            let i = min(qx.truncatedInt, r - 2), j = min(qy.truncatedInt, r - 2), l = min(qz.truncatedInt, r - 2)
            let base = (l * r + j) * r + i
            let w = Self.cornerWeights(SIMD3<S>(qx - S(i), qy - S(j), qz - S(l)))
            var sigmaRaw: S = 0
            for c in 0..<8 { sigmaRaw += w[c] * density[base + Self.offset(c, r, rr)] }
            guard sigmaRaw > 0 else { continue }
            // the sample's interpolated coefficients, per channel 4 of them
            var cx = SIMD4<S>.zero, cy = SIMD4<S>.zero, cz = SIMD4<S>.zero
            for c in 0..<8 {
                let p = sh + (base + Self.offset(c, r, rr)) * 12
                cx += w[c] * SIMD4(p[0], p[1], p[2], p[3]); cy += w[c] * SIMD4(p[4], p[5], p[6], p[7]); cz += w[c] * SIMD4(p[8], p[9], p[10], p[11])
            }
            let alpha = 1 - S.exp(-sigmaRaw * opticalStep)
            let weight = transmittance * alpha
            for k in directions.indices {
                let y = SphericalHarmonics.basis(directions[k]), b = SIMD4(y.0, y.1, y.2, y.3)
                colors[k] += weight * SIMD3(Self.sigmoid((cx * b).sum()), Self.sigmoid((cy * b).sum()), Self.sigmoid((cz * b).sum()))
            }
            transmittance *= 1 - alpha
        }
        return 1 - transmittance
    }

    /// Lattice index offset of corner c (bit 0: +x, bit 1: +y, bit 2: +z).
    @inline(__always) static func offset(_ c: Int, _ r: Int, _ rr: Int) -> Int { Trilinear.offset(c, row: r, slice: rr) }

    @inline(__always) static func cornerWeights(_ f: SIMD3<S>) -> SIMD8<S> { Trilinear.weights(f) }

    /// Accumulates ∂L/∂density and ∂L/∂sh for one ray into the gradient buffers, given ∂L/∂C.
    ///
    /// With Rᵢ = C − Σₖ≤ᵢ wₖ cₖ (the colour still to come after sample i, background included):
    ///   ∂C/∂σᵢ = δ (Tᵢ₊₁ cᵢ − Rᵢ),   ∂C/∂cᵢ = wᵢ,
    ///   ∂c/∂z = c (1 − c),   ∂z/∂shₗ = Yₗ(d),   and trilinear weights carry both to the 8 lattice points.
    /// `touch` is called once per sample with its base index (for sparse optimiser updates).
    public func backward(direction d: SIMD3<S>, samples: UnsafePointer<RaySample<S>>, count: Int, result: RayResult<S>,
                         dLdC: SIMD3<S>, gradDensity: UnsafeMutablePointer<S>, gradSH: UnsafeMutablePointer<S>,
                         touch: (Int) -> Void = { _ in }) {
        let r = resolution, rr = r * r
        let (y0, y1, y2, y3) = SphericalHarmonics.basis(d)
        var transmittance: S = 1
        var prefix = SIMD3<S>.zero
        for s in 0..<count {
            let sample = samples[s]
            let alpha = 1 - S.exp(-sample.sigma * opticalStep)
            let weight = transmittance * alpha
            let after = transmittance * (1 - alpha)
            prefix += weight * sample.rgb
            let remaining = result.color - prefix
            let dLdSigma = ((dLdC * (opticalStep * (after * sample.rgb - remaining))).sum())
            let dz = dLdC * weight * sample.rgb * (SIMD3<S>(repeating: 1) - sample.rgb)
            let w = Self.cornerWeights(sample.fraction)
            touch(sample.base)
            for c in 0..<8 {
                let index = sample.base + Self.offset(c, r, rr)
                let wc = w[c]
                gradDensity[index] += wc * dLdSigma
                let g = gradSH + index * 12
                let ax = wc * dz.x, ay = wc * dz.y, az = wc * dz.z
                g[0] += ax * y0; g[1] += ax * y1; g[2] += ax * y2; g[3] += ax * y3
                g[4] += ay * y0; g[5] += ay * y1; g[6] += ay * y2; g[7] += ay * y3
                g[8] += az * y0; g[9] += az * y1; g[10] += az * y2; g[11] += az * y3
            }
            transmittance = after
        }
    }
}

extension FieldView {
    /// The distortion loss of Mip-NeRF 360 (Barron et al. 2022) for one ray's recorded samples, with each sample the
    /// interval [tᵢ − δ/2, tᵢ + δ/2]:
    ///   L = Σᵢ Σⱼ wᵢ wⱼ |tᵢ − tⱼ| + ⅓ Σᵢ wᵢ² δ,
    /// small when the ray's weight sits in one short stretch: it makes surfaces thin and dense, and removes fog.
    /// Adds `scale` · ∂L/∂density to `gradDensity` and returns L. With gₖ = ∂L/∂wₖ
    ///   = 2 (tₖ W₍<ₖ₎ − S₍<ₖ₎ + S₍>ₖ₎ − tₖ W₍>ₖ₎) + ⅔ wₖ δ   (W, S: sums of w and w·t before / after k),
    /// and wₖ = Tₖ αₖ, the chain rule gives ∂L/∂σᵢ = δ' (gᵢ Tᵢ (1 − αᵢ) − Σₖ>ᵢ gₖ wₖ), δ' the optical step (αᵢ = 1 − exp(−σᵢ δ'));
/// all O(n) with prefix sums.
    public func distortion(samples: UnsafePointer<RaySample<S>>, count: Int, scale: S, gradDensity: UnsafeMutablePointer<S>) -> S {
        guard count > 1 else { return 0 }
        return withUnsafeTemporaryAllocation(of: S.self, capacity: 3 * count) { buffer -> S in
            let w = buffer.baseAddress!, transmittanceAt = w + count, g = w + 2 * count
            var transmittance: S = 1, totalW: S = 0, totalS: S = 0
            for i in 0..<count {
                let alpha = 1 - S.exp(-samples[i].sigma * opticalStep)
                transmittanceAt[i] = transmittance
                w[i] = transmittance * alpha
                transmittance *= 1 - alpha
                totalW += w[i]; totalS += w[i] * samples[i].t
            }
            var loss: S = 0, beforeW: S = 0, beforeS: S = 0, totalGW: S = 0
            for k in 0..<count {
                let t = samples[k].t
                let afterW = totalW - beforeW - w[k], afterS = totalS - beforeS - w[k] * t
                let spread = t * beforeW - beforeS + afterS - t * afterW   // Σⱼ wⱼ |tₖ − tⱼ|
                loss += w[k] * spread + w[k] * w[k] * step / 3
                g[k] = 2 * spread + 2 * w[k] * step / 3
                totalGW += g[k] * w[k]
                beforeW += w[k]; beforeS += w[k] * t
            }
            let r = resolution, rr = r * r
            var laterGW = totalGW
            for i in 0..<count {
                laterGW -= g[i] * w[i]
                let alpha = 1 - S.exp(-samples[i].sigma * opticalStep)
                let dLdSigma = opticalStep * (g[i] * transmittanceAt[i] * (1 - alpha) - laterGW)
                let cw = Self.cornerWeights(samples[i].fraction)
                for c in 0..<8 { gradDensity[samples[i].base + Self.offset(c, r, rr)] += scale * cw[c] * dLdSigma }
            }
            return loss
        }
    }
}
