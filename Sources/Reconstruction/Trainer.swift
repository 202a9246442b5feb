import Dataset
import Dispatch
import Foundation
import Geometry
import RealModule

/// Hyperparameters of training, documented once here with their defaults.
public struct TrainingSettings: Sendable, Codable, Equatable {
    /// Lattice resolution at the start. Default 128.
    public var coarseResolution = 128
    /// Lattice resolution after upsampling; equal to `coarseResolution` to stay coarse. Default 256.
    public var fineResolution = 256
    /// Iteration at which the lattice is upsampled. Default 3000.
    public var upsampleIteration = 3000
    /// Rays per iteration, drawn as square patches of `patchSize²` pixels for cache locality. Default 4096.
    public var raysPerBatch = 4096
    /// Side of the pixel patches, pixels. Default 4: on lego, 4×4 patches beat 8×8 and 16×16 by 0.4 and 1 dB at
    /// two minutes; more images per batch outweigh the cheaper gathers of larger patches.
    public var patchSize = 4
    /// Adam learning rates of density and SH coefficients at iteration 0. Defaults 5.0 and 0.05.
    public var learningRateDensity: Float = 5.0
    /// Adam learning rate of the spherical-harmonic coefficients at iteration 0.
    public var learningRateSH: Float = 0.05
    /// Learning rates fall by 10× every this many iterations (exponentially). Default 50000: on lego, 15000
    /// froze training after ~10 minutes (28.9 dB at 15), 50000 reached 31.0 dB at 15 (docs/benchmarks.md).
    public var learningRateDecayIterations = 50000
    /// Weight of the total-variation prior on density, applied before iteration `tvDensityIterations`. Default 1e-9
    /// for the first 3500 iterations (the coarse stage and the first 500 fine ones). Objects of one colour leave the
    /// depth of their surface free: colour comes from any depth, and a field trained for minutes lets rays stop a
    /// few lattice steps deep in patches, which exported meshes show as craters. The prior keeps the surface
    /// continuous while it forms; turned off after, it costs 0.25 dB of held-out PSNR on the built-in scene (34.90
    /// against 35.15) and took the mesh's normal consistency from 0.89 to 0.98 (kept on: 1e-10 cost 1.8 dB, 1e-9
    /// 4.5 dB; docs/benchmarks.md). On NeRF-synthetic lego the SH prior at any weight tried lowered PSNR.
    public var tvDensity: Float = 1e-9
    /// The density prior applies before this iteration only; nil: always (as checkpoints written before this
    /// setting existed were trained).
    public var tvDensityIterations: Int? = 3500
    /// Weight of the total-variation prior on the spherical harmonics.
    public var tvSH: Float = 0
    /// Sample spacing along rays as a fraction of the lattice spacing. Default 0.5.
    public var stepScale = 0.5
    /// Blocks of lattice cells whose every point has per-sample opacity below this are skipped. Default 1e-3.
    public var occupancyAlpha: Float = 1e-3
    /// Occupancy is recomputed every this many iterations. Default 64.
    public var occupancyInterval = 64
    /// Lattice cells per occupancy block along each axis. Default 4.
    public var occupancyBlock = 4
    /// Behind transparent pixels (images with alpha), each training ray sees its own random background colour,
    /// so transparency can only be explained by low density, not by colour that happens to match a fixed
    /// background (instant-ngp does the same). Default false: on lego it cost 0.85 dB at two minutes (27.00 against
    /// 27.85); `orbit run` turns it on, since its meshes need light surfaces to be solid.
    public var randomBackground = false
    /// Weight of the distortion loss (`FieldView.distortion`, ray distances in metres), averaged over the
    /// batch's rays. It concentrates each ray's weight into a thin, dense surface. Default 0: on the built-in scene
    /// (6000 iterations) 0.01 cost 0.5 dB and 0.1 cost 6 dB of held-out PSNR, and neither improved the exported
    /// visibility mesh (docs/benchmarks.md).
    public var distortion: Float = 0
    /// Initial density of every lattice point, 1/m. Default 0.1.
    public var initialDensity: Float = 0.1
    /// Seed of batch selection and sample jitter. Default 0.
    public var seed: UInt64 = 0
    /// The defaults.
    public init() {}

    /// The first field outside its range, in words, or nil when every field is usable (checked for settings
    /// read from a checkpoint, so that no value from a file can stall or trap training).
    public var problem: String? {
        func finite(_ name: String, _ v: Float, _ range: ClosedRange<Float>) -> String? {
            v.isFinite && range.contains(v) ? nil : "\(name) \(v) outside \(range.lowerBound)...\(range.upperBound)"
        }
        if !(2...1024).contains(coarseResolution) || !(coarseResolution...1024).contains(fineResolution) {
            return "resolutions \(coarseResolution)/\(fineResolution) (expected 2 ≤ coarse ≤ fine ≤ 1024)"
        }
        if upsampleIteration < 0 { return "upsampleIteration \(upsampleIteration) is negative" }
        if !(1...(1 << 20)).contains(raysPerBatch) { return "raysPerBatch \(raysPerBatch) outside 1...1048576" }
        if !(1...64).contains(patchSize) { return "patchSize \(patchSize) outside 1...64" }
        if learningRateDecayIterations < 1 { return "learningRateDecayIterations \(learningRateDecayIterations) below 1" }
        if !(stepScale.isFinite && stepScale >= 0.01 && stepScale <= 16) { return "stepScale \(stepScale) outside 0.01...16" }
        if occupancyInterval < 1 { return "occupancyInterval \(occupancyInterval) below 1" }
        if !(1...64).contains(occupancyBlock) { return "occupancyBlock \(occupancyBlock) outside 1...64" }
        return finite("learningRateDensity", learningRateDensity, 0...1e6) ?? finite("learningRateSH", learningRateSH, 0...1e6)
            ?? finite("tvDensity", tvDensity, 0...1e6) ?? finite("tvSH", tvSH, 0...1e6) ?? finite("occupancyAlpha", occupancyAlpha, 0...1)
            ?? finite("distortion", distortion, 0...1e6) ?? finite("initialDensity", initialDensity, -1e6...1e6)
    }
}

/// What one iteration did.
public struct IterationStats: Sendable {
    /// The iteration just done (from 1).
    public var iteration: Int
    /// Mean squared error of the batch and its PSNR in dB.
    public var loss: Double
    /// PSNR of the batch, dB.
    public var psnr: Double
    /// Mean samples per ray of the batch (fewer as the occupancy grid empties space).
    public var samplesPerRay: Double
}

/// Fits a `RadianceGrid<Float>` to posed images. Mutable state: the grid, Adam's moments and the occupancy;
/// randomness derives from (seed, iteration), so a run resumed from a checkpoint continues exactly.
/// Deterministic for a given seed and thread count.
public final class Trainer: @unchecked Sendable {
    /// The hyperparameters.
    public let settings: TrainingSettings
    /// The training views.
    public let data: PosedImages
    /// Worker threads; results are deterministic for a given seed and thread count.
    public let threads: Int
    public private(set) var grid: RadianceGrid<Float>
    public private(set) var iteration = 0
    // Adam moments, laid out like the grid: density and SH
    var momentDensity: [SIMD2<Float>]
    var momentSH: [SIMD2<Float>]
    public private(set) var occupancy: [UInt8]
    private var workspaces: [Workspace] = []
    private var stamp: [Int32]

    /// Per-thread scratch: gradient buffers, touched points and ray samples.
    final class Workspace: @unchecked Sendable {
        var gradDensity: UnsafeMutablePointer<Float>
        var gradSH: UnsafeMutablePointer<Float>
        var touchedFlag: UnsafeMutablePointer<UInt8>
        var touched: [Int32] = []
        let samples: UnsafeMutablePointer<RaySample<Float>>
        let sampleCapacity = 8192
        var lossSum = 0.0
        var sampleCount = 0
        init(points: Int) {
            gradDensity = .allocate(capacity: points); gradDensity.initialize(repeating: 0, count: points)
            gradSH = .allocate(capacity: points * 12); gradSH.initialize(repeating: 0, count: points * 12)
            touchedFlag = .allocate(capacity: points); touchedFlag.initialize(repeating: 0, count: points)
            samples = .allocate(capacity: sampleCapacity)
        }
        deinit { gradDensity.deallocate(); gradSH.deallocate(); touchedFlag.deallocate(); samples.deallocate() }
    }

    /// A new field over `bounds`, to be trained on `data`.
    public init(data: PosedImages, bounds: Bounds3, settings: TrainingSettings, threads: Int) {
        self.settings = settings
        self.data = data
        self.threads = max(1, threads)
        grid = RadianceGrid(resolution: settings.coarseResolution, lower: bounds.lower, upper: bounds.upper, initialDensity: settings.initialDensity)
        momentDensity = []; momentSH = []; occupancy = []; stamp = []
        resetState()
    }

    /// Restores a checkpointed state.
    public init(data: PosedImages, checkpoint: Checkpoint, threads: Int) {
        settings = checkpoint.settings
        self.data = data
        self.threads = max(1, threads)
        grid = checkpoint.grid
        iteration = checkpoint.iteration
        momentDensity = checkpoint.momentDensity
        momentSH = checkpoint.momentSH
        occupancy = checkpoint.occupancy
        let points = checkpoint.grid.pointCount
        stamp = Array(repeating: -1, count: points)
        workspaces = (0..<max(1, threads)).map { _ in Workspace(points: points) }
    }

    /// The field and its optimiser state, to write or to resume from.
    public var checkpoint: Checkpoint {
        Checkpoint(settings: settings, iteration: iteration, grid: grid, momentDensity: momentDensity, momentSH: momentSH, occupancy: occupancy)
    }

    private func resetState() {
        momentDensity = Array(repeating: .zero, count: grid.pointCount)
        momentSH = Array(repeating: .zero, count: grid.pointCount * 12)
        stamp = Array(repeating: -1, count: grid.pointCount)
        workspaces = (0..<threads).map { _ in Workspace(points: grid.pointCount) }
        updateOccupancy()
    }

    /// Per-sample opacity threshold as a density, 1/m.
    var occupancyDensity: Float {
        let step = Float(settings.stepScale * min(grid.spacing.x, min(grid.spacing.y, grid.spacing.z))
                         * FieldScale.factor(spacing: grid.spacing, resolution: grid.resolution))
        return -Float.log(1 - settings.occupancyAlpha) / step
    }

    /// Marks the blocks of lattice cells where any point has density above the threshold.
    func updateOccupancy() {
        let r = grid.resolution, b = settings.occupancyBlock, nb = (r - 1 + b - 1) / b
        let threshold = occupancyDensity
        let result = ResultSlots<[UInt8]>(count: nb)
        grid.density.withUnsafeBufferPointer { density in
            let d = UnsafeSendable(density.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: nb) { bk in
                var slab = [UInt8](repeating: 0, count: nb * nb)
                for bj in 0..<nb { for bi in 0..<nb {
                    var occupied: UInt8 = 0
                    search: for k in (bk * b)...min(bk * b + b, r - 1) {
                        for j in (bj * b)...min(bj * b + b, r - 1) {
                            let row = (k * r + j) * r
                            for i in (bi * b)...min(bi * b + b, r - 1) where d.pointer[row + i] > threshold { occupied = 1; break search }
                        }
                    }
                    slab[bj * nb + bi] = occupied
                } }
                result.set(bk, slab)
            }
        }
        occupancy = result.values.flatMap { $0! }
    }

    /// Fraction of occupancy blocks that are occupied.
    public var occupiedFraction: Double { Double(occupancy.reduce(0) { $0 + Int($1) }) / Double(max(occupancy.count, 1)) }

    func learningRates() -> (Float, Float) {
        let decay = Float.pow(0.1, Float(iteration) / Float(settings.learningRateDecayIterations))
        return (settings.learningRateDensity * decay, settings.learningRateSH * decay)
    }

    /// One optimisation step on a batch of ray patches.
    @discardableResult
    public func step() -> IterationStats {
        if iteration == settings.upsampleIteration && settings.fineResolution != grid.resolution {
            grid = grid.upsampled(to: settings.fineResolution)
            resetState()
        }
        let patch = settings.patchSize
        let patchesPerBatch = max(1, settings.raysPerBatch / (patch * patch))
        var rng = RandomStream(seed: settings.seed, 0x7472_6169_6e, UInt64(iteration))
        let w = data.width, h = data.height
        let patches: [(Int, Int, Int)] = (0..<patchesPerBatch).map { _ in
            (Int(rng.nextUInt64() % UInt64(data.images.count)), Int(rng.nextUInt64() % UInt64(max(1, w - patch + 1))),
             Int(rng.nextUInt64() % UInt64(max(1, h - patch + 1))))
        }
        let rayCount = patches.count * min(patch, w) * min(patch, h)
        let scale = 2 / Float(3 * rayCount)  // ∂(mean squared error)/∂C
        let iterationSeed = UInt64(iteration)
        let seed = settings.seed
        let background = SIMD3<Float>(data.background)
        let randomBackground = settings.randomBackground
        let distortionScale = settings.distortion / Float(rayCount)

        grid.density.withUnsafeBufferPointer { density in
        grid.sh.withUnsafeBufferPointer { sh in
        occupancy.withUnsafeBufferPointer { occupancy in
            let view = FieldView<Float>(density: density.baseAddress!, sh: sh.baseAddress!, resolution: grid.resolution, lower: grid.lower,
                                        spacing: grid.spacing, stepScale: settings.stepScale, occupancy: occupancy.baseAddress!,
                                        blockSize: settings.occupancyBlock)
            let workspaces = self.workspaces
            let r = grid.resolution, rr = r * r
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let ws = workspaces[t]
                ws.lossSum = 0; ws.sampleCount = 0
                for p in stride(from: t, to: patches.count, by: threads) {
                    let (image, x0, y0) = patches[p]
                    let camera = PixelRays(data.images[image].camera)
                    for y in y0..<min(y0 + patch, h) {
                        for x in x0..<min(x0 + patch, w) {
                            let (origin, direction) = camera.ray(x: Float(x) + 0.5, y: Float(y) + 0.5)
                            var jitterStream = RandomStream(seed: seed, iterationSeed, UInt64(image), UInt64(y * w + x))
                            let jitter = jitterStream.nextFloat()
                            let (rgb, alpha) = data.rgba(image, x, y)
                            let rayBackground = randomBackground && alpha < 1
                                ? SIMD3<Float>(jitterStream.nextFloat(), jitterStream.nextFloat(), jitterStream.nextFloat()) : background
                            let result = view.render(origin: origin, direction: direction, jitter: jitter, background: rayBackground,
                                                     samples: ws.samples, capacity: ws.sampleCapacity)
                            let target = rgb * alpha + rayBackground * (1 - alpha)
                            let residual = result.color - target
                            ws.lossSum += Double((residual * residual).sum())
                            ws.sampleCount += result.sampleCount
                            view.backward(direction: direction, samples: ws.samples, count: min(result.sampleCount, ws.sampleCapacity),
                                          result: result, dLdC: residual * scale, gradDensity: ws.gradDensity, gradSH: ws.gradSH) { base in
                                for c in 0..<8 {
                                    let index = base + FieldView<Float>.offset(c, r, rr)
                                    if ws.touchedFlag[index] == 0 { ws.touchedFlag[index] = 1; ws.touched.append(Int32(index)) }
                                }
                            }
                            if distortionScale > 0 {
                                _ = view.distortion(samples: ws.samples, count: min(result.sampleCount, ws.sampleCapacity), scale: distortionScale,
                                                    gradDensity: ws.gradDensity)
                            }
                        }
                    }
                }
            }
        }}}
        applyAdam()
        iteration += 1
        if iteration % settings.occupancyInterval == 0 { updateOccupancy() }
        let loss = workspaces.reduce(0) { $0 + $1.lossSum } / Double(3 * rayCount)
        let samples = workspaces.reduce(0) { $0 + $1.sampleCount }
        return IterationStats(iteration: iteration, loss: loss, psnr: -10 * log10(max(loss, 1e-12)), samplesPerRay: Double(samples) / Double(rayCount))
    }

    /// Sums the threads' gradients at every touched point, adds the TV prior, and takes an Adam step there.
    private func applyAdam() {
        // the union of touched points, in a fixed order (thread 0's first)
        let mark = Int32(truncatingIfNeeded: iteration)
        var union: [Int32] = []
        for ws in workspaces {
            for p in ws.touched where stamp[Int(p)] != mark { stamp[Int(p)] = mark; union.append(p) }
        }
        let (lrDensity, lrSH) = learningRates()
        let step = Float(iteration + 1)
        let beta1: Float = 0.9, beta2: Float = 0.99, epsilon: Float = 1e-8
        let correction1 = 1 - Float.pow(beta1, step), correction2 = 1 - Float.pow(beta2, step)
        let tvDensity = iteration < (settings.tvDensityIterations ?? Int.max) ? settings.tvDensity : 0, tvSH = settings.tvSH
        let r = grid.resolution
        let chunks = max(1, threads * 4)
        let workspaces = self.workspaces
        // move the arrays out of `grid` so each has one (unique, uncopied) mutable access
        var densityValues = [Float](), shValues = [Float]()
        swap(&densityValues, &grid.density); swap(&shValues, &grid.sh)
        defer { swap(&densityValues, &grid.density); swap(&shValues, &grid.sh) }
        densityValues.withUnsafeMutableBufferPointer { density in
        shValues.withUnsafeMutableBufferPointer { sh in
        momentDensity.withUnsafeMutableBufferPointer { md in
        momentSH.withUnsafeMutableBufferPointer { ms in
        union.withUnsafeBufferPointer { points in
            let d = UnsafeSendable(density.baseAddress!), s = UnsafeSendable(sh.baseAddress!)
            let mdp = UnsafeSendable(md.baseAddress!), msp = UnsafeSendable(ms.baseAddress!)
            let list = UnsafeSendable(UnsafeMutablePointer(mutating: points.baseAddress ?? UnsafePointer(bitPattern: 8)!))
            let count = points.count
            // TV gradients read neighbours, which other chunks update: compute them all first (when the prior is on)
            let useTV = tvDensity != 0 || tvSH != 0
            let tv = UnsafeMutablePointer<Float>.allocate(capacity: useTV ? max(count * 13, 1) : 13)
            defer { tv.deallocate() }
            if !useTV { tv.initialize(repeating: 0, count: 13) }
            let tvp = UnsafeSendable(tv)
            if useTV { DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for n in stride(from: c, to: count, by: chunks) {
                    let p = Int(list.pointer[n])
                    let i = p % r, j = (p / r) % r, k = p / (r * r)
                    tvp.pointer[n * 13] = tvDensity * TotalVariation.gradient(UnsafePointer(d.pointer), at: p, i: i, j: j, k: k, resolution: r)
                    for q in 0..<12 {
                        tvp.pointer[n * 13 + 1 + q] = tvSH * TotalVariation.gradient(UnsafePointer(s.pointer + q), at: p, i: i, j: j, k: k, resolution: r, stride: 12)
                    }
                }
            } }
            let tvStride = useTV ? 13 : 0
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for n in stride(from: c, to: count, by: chunks) {
                    let p = Int(list.pointer[n])
                    var g = tvp.pointer[n * tvStride]
                    for ws in workspaces { g += ws.gradDensity[p]; ws.gradDensity[p] = 0; ws.touchedFlag[p] = 0 }
                    var m = mdp.pointer[p]
                    m.x = beta1 * m.x + (1 - beta1) * g
                    m.y = beta2 * m.y + (1 - beta2) * g * g
                    mdp.pointer[p] = m
                    d.pointer[p] -= lrDensity * (m.x / correction1) / ((m.y / correction2).squareRoot() + epsilon)
                    for q in 0..<12 {
                        let a = p * 12 + q
                        var gq = tvp.pointer[n * tvStride + 1 + q]
                        for ws in workspaces { gq += ws.gradSH[a]; ws.gradSH[a] = 0 }
                        var mq = msp.pointer[a]
                        mq.x = beta1 * mq.x + (1 - beta1) * gq
                        mq.y = beta2 * mq.y + (1 - beta2) * gq * gq
                        msp.pointer[a] = mq
                        s.pointer[a] -= lrSH * (mq.x / correction1) / ((mq.y / correction2).squareRoot() + epsilon)
                    }
                }
            }
        }}}}}
        for ws in workspaces { ws.touched.removeAll(keepingCapacity: true) }
    }
}
