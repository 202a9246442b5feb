import Dispatch
import Foundation
import Geometry
import RealModule
import Surface

/// Which scalar field marching cubes runs on.
public enum SurfaceDefinition: String, Sendable, CaseIterable {
    /// The density (smoothed, see `smoothing`) at a threshold.
    case density
    /// The density's visibility from the training views: a point is outside when enough of the views that frame it
    /// pass it before their ray has lost `visibilityAbsorption` of its light (`freeViewFraction`), inside otherwise.
    /// Inner fog, holes where the density is spread thin, and floaters that other views see through all disappear.
    case visibility
}

/// How a mesh is taken from the field (`orbit export --mesh`).
public struct MeshExtractionSettings: Sendable {
    /// Default `.visibility`: on the built-in scene after 6000 iterations it scores F-score 0.90 where the
    /// automatic density threshold scores 0.51 (docs/benchmarks.md).
    public var surface = SurfaceDefinition.visibility
    /// Marching-cubes lattice points per axis; nil = the field's own lattice (no resampling).
    public var resolution: Int? = nil
    /// `.visibility`: a view's ray meets the surface where the field has absorbed this fraction of it. Default 0.05,
    /// the front of the surface: fields trained for minutes spread a surface's density over a few lattice steps, and
    /// the half-way point lies a step or two inside (one carving view: F-score 0.65 at ½, 0.78 at 5%; docs/benchmarks.md).
    public var visibilityAbsorption = 0.05
    /// `.visibility`: a point is outside when at least this fraction of the views that frame it (at least 2, at most
    /// 32) see it in front of their surface. One view is not enough: a single ray that leaks through a thin patch
    /// would carve a tunnel into the inside. Default 0.2: on the built-in scene (density prior in training,
    /// `surfaceSmoothing` 1.5) Chamfer-L1 0.34%, 0.26%, 0.25%, 0.36% of the diagonal at 0.1, 0.2, 0.25, 0.35
    /// (docs/benchmarks.md).
    public var freeViewFraction = 0.2
    /// Density level of the surface (1/m) for `.density`; nil = automatic (`automaticThreshold`).
    public var threshold: Float? = nil
    /// Region to extract; nil = the field's box.
    public var bounds: Bounds3? = nil
    /// Simplify to at most this many triangles; 0 = keep every triangle.
    public var targetTriangles = 300_000
    /// Connected pieces with fewer triangles than this fraction of the largest are removed as floaters.
    public var minComponentFraction = 0.01
    /// Fill regions below the threshold that are enclosed by the surface (no ray reached them, so their density
    /// is arbitrary) so that only the outer surface is extracted.
    public var fillEnclosed = true
    /// Standard deviation, in lattice steps, of a Gaussian applied to the density (after the ReLU) before the
    /// threshold; 0 = none. See `extractMesh`.
    public var smoothing = 1.0
    /// `.visibility`: standard deviation of a Gaussian applied to the visibility field (clamped to ±1 lattice step)
    /// before marching cubes, in pixels of the views' depth maps at the distance of the region's centre (converted
    /// to lattice steps; 0 = none).
    /// The depths scatter from pixel to pixel by about a pixel's footprint, which facets the surface. Default 1.5:
    /// on the built-in scene (1.5 pixels = 0.9 lattice steps) normal consistency rose from 0.92 to 0.97, Chamfer-L1
    /// fell, and a cube's edges round by less than a lattice step (docs/benchmarks.md).
    public var surfaceSmoothing = 1.5
    /// Threads for the visibility renders. The mesh is the same for any count.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// The defaults.
    public init() {}
}

/// A mesh taken from the field and what happened on the way.
public struct MeshExtraction: Sendable {
    /// The mesh, world coordinates (metres, +Z up), with normals and vertex colours.
    public var mesh: TriangleMesh
    /// The surface definition used.
    public var surface: SurfaceDefinition
    public var threshold: Float
    /// True when the threshold was chosen automatically.
    public var automaticThreshold: Bool
    public var resolution: Int
    /// Triangles before clean-up and simplification.
    public var rawTriangles: Int
    /// Small disconnected pieces removed.
    public var componentsRemoved: Int
    /// meshoptimizer's error after simplification, relative to the mesh's extent (0 when not simplified).
    public var simplificationError: Float
    /// Seconds of extraction (lattice, marching cubes, clean-up).
    public var extractionSeconds: Double
    /// Seconds of simplification.
    public var simplificationSeconds: Double
    /// The training views' depth maps the surface was taken from (nil for `.density`), for texture baking.
    public var views: ViewDepths? = nil
}

/// A failure of extraction that names what to change. Failures a caller fixes by changing a setting carry a
/// typed `reason`, so that a command line can name its own option.
public struct ExtractionError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Equatable {
        /// A complete message that names no setting.
        case other(String)
        /// The density threshold lies above every value of the field in the region.
        case emptyAtThreshold(threshold: Float, peak: Float)
        /// No training view sees a surface inside the region.
        case noVisibleSurface
        /// Nothing to compare: the mesh has no area (or none inside the crop region, when `cropped`).
        case nothingToCompare(cropped: Bool)
    }
    /// What went wrong.
    public var reason: Reason
    /// A failure that names no setting.
    public init(message: String) { reason = .other(message) }
    /// A failure for `reason`.
    public init(_ reason: Reason) { self.reason = reason }

    /// The error in one line, in the settings' words.
    public var description: String {
        switch reason {
        case .other(let message): return message
        case let .emptyAtThreshold(threshold, peak):
            return String(format: "the threshold %g gives an empty mesh (the density peaks at %g in this region); use a lower threshold or the automatic one",
                          threshold, peak)
        case .noVisibleSurface: return "no training view sees a surface in this region: the field is empty or the region misses it; check the region's bounds"
        case .nothingToCompare(let cropped): return "\(cropped ? "no surface inside the region" : "a mesh has no area"): nothing to compare"
        }
    }
}

func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

extension RadianceGrid where S == Float {
    /// The density lattice as a scalar grid: the field's own points, or resampled (trilinearly) at
    /// `resolution` points per axis over `bounds`.
    public func densityGrid(resolution n: Int? = nil, bounds: Bounds3? = nil) -> ScalarGrid {
        let own = ScalarGrid(nx: resolution, ny: resolution, nz: resolution, origin: lower, spacing: spacing, values: density)
        guard n != nil || bounds != nil else { return own }
        let box = bounds ?? Bounds3(lower: lower, upper: upper), count = n ?? resolution
        let step = (box.upper - box.lower) / Double(count - 1)
        var values = [Float](repeating: 0, count: count * count * count)
        values.withUnsafeMutableBufferPointer { out in
            let target = UnsafeSendable(out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: count) { k in
                for j in 0..<count { for i in 0..<count {
                    target.pointer[(k * count + j) * count + i] = own.sample(box.lower + Vec3d(Double(i), Double(j), Double(k)) * step)
                } }
            }
        }
        return ScalarGrid(nx: count, ny: count, nz: count, origin: box.lower, spacing: step, values: values)
    }

    /// The density after the ReLU (`densityGrid`'s lattice), convolved with a Gaussian of `sigma` lattice steps.
    public func smoothedDensity(resolution n: Int? = nil, bounds: Bounds3? = nil, sigma: Double) -> ScalarGrid {
        var grid = densityGrid(resolution: n, bounds: bounds)
        for i in grid.values.indices { grid.values[i] = max(0, grid.values[i]) }
        return grid.gaussianBlurred(sigma: sigma)
    }

    /// The view-independent colour at a point: the sigmoid of the constant spherical-harmonic term, as the
    /// renderer computes it, sRGB-encoded like the training images.
    public func viewIndependentColor(at p: Vec3d) -> Vec3 {
        let q = (p - lower) / spacing
        let r = resolution
        let (i, fx) = Trilinear.split(q.x, count: r), (j, fy) = Trilinear.split(q.y, count: r), (k, fz) = Trilinear.split(q.z, count: r)
        let w = Trilinear.weights(SIMD3(Float(fx), Float(fy), Float(fz)))
        let base = (k * r + j) * r + i
        var sum = Vec3.zero
        for corner in 0..<8 {
            let index = base + Trilinear.offset(corner, row: r, slice: r * r)
            sum += w[corner] * Vec3(sh[index * 12], sh[index * 12 + 4], sh[index * 12 + 8])
        }
        let x = sum * Float(SphericalHarmonics.c0)
        return Vec3(1 / (1 + Float.exp(-x.x)), 1 / (1 + Float.exp(-x.y)), 1 / (1 + Float.exp(-x.z)))
    }

    /// The density at which rays from `cameras` reach half transmittance, as a median over many rays: the level
    /// set the views themselves see as the surface (∫σ dt = ln 2 along each ray). Rays that never reach half
    /// transmittance do not vote. nil when no ray does (an empty field).
    public func automaticThreshold(cameras: [Camera], field: ScalarGrid? = nil, raysPerAxis: Int = 48, maxCameras: Int = 32) -> Float? {
        guard !cameras.isEmpty else { return nil }
        let field = field ?? densityGrid()
        let chosen = (0..<min(maxCameras, cameras.count)).map { cameras[$0 * cameras.count / min(maxCameras, cameras.count)] }
        let box = field.bounds
        let step = 0.5 * field.spacing.min()
        // ∫σ dt over metres reaches ln 2 / (the field's scale factor) where the optical depth reaches ln 2
        let target = Double.log(2.0) / FieldScale.factor(spacing: spacing, resolution: resolution)
        let votes = ResultSlots<[Float]>(count: chosen.count)
        DispatchQueue.concurrentPerform(iterations: chosen.count) { c in
            let camera = chosen[c]
            var found: [Float] = []
            for a in 0..<raysPerAxis { for b in 0..<raysPerAxis {
                let x = (Double(a) + 0.5) / Double(raysPerAxis) * Double(camera.width), y = (Double(b) + 0.5) / Double(raysPerAxis) * Double(camera.height)
                let o = camera.origin, d = camera.worldDirection(x: x, y: y)
                guard let (t0, t1) = box.intersect(origin: o, direction: d) else { continue }
                var t = t0, tau = 0.0, previous = 0.0
                while t <= t1 {
                    let sigma = Double(max(0, field.sample(o + t * d)))
                    // optical depth over this step with σ linear in between: τ(s) = τ₀ + σ₀ s + (σ₁ − σ₀) s² / 2δ
                    let next = tau + (previous + sigma) / 2 * step
                    if next >= target && t > t0 {
                        let a2 = (sigma - previous) / (2 * step), a1 = previous, a0 = tau - target
                        let s = abs(a2) < 1e-12 ? -a0 / max(a1, 1e-12) : (-a1 + (a1 * a1 - 4 * a2 * a0).squareRoot()) / (2 * a2)
                        found.append(Float(previous + (sigma - previous) * min(max(s, 0), step) / step))
                        break
                    }
                    tau = next; previous = sigma; t += step
                }
            } }
            votes.set(c, found)
        }
        let all = votes.values.flatMap { $0! }.sorted()
        return all.isEmpty ? nil : all[all.count / 2]
    }

    /// Marching cubes on the smoothed density or its visibility (`settings.surface`), normals from the density's
    /// gradient, colours from the view-independent colour seen looking at the surface from just outside, small
    /// components removed, simplified with meshoptimizer. `cameras` (the training views) define the visibility
    /// surface and the automatic density threshold.
    /// `occupancy` (blocks of `occupancyBlock`³ cells, from the trainer or checkpoint) speeds up the renders.
    public func extractMesh(_ settings: MeshExtractionSettings, cameras: [Camera], occupancy: [UInt8]? = nil, occupancyBlock: Int = 4) throws -> MeshExtraction {
        let start = DispatchTime.now().uptimeNanoseconds
        let automatic = settings.threshold == nil
        let density = smoothedDensity(resolution: settings.resolution, bounds: settings.bounds, sigma: settings.smoothing)
        var field = density
        var threshold: Float
        var views: ViewDepths?
        switch settings.surface {
        case .density:
            guard let t = settings.threshold ?? automaticThreshold(cameras: cameras, field: density) else {
                throw ExtractionError(message: "the field is empty: no training ray reaches half transmittance, so there is no surface to extract")
            }
            threshold = t
        case .visibility:
            guard !cameras.isEmpty else { throw ExtractionError(message: "the visibility surface needs the training views' cameras") }
            let depths = viewDepths(cameras: cameras, absorbed: settings.visibilityAbsorption, stepScale: 0.5, occupancy: occupancy,
                                    blockSize: occupancyBlock, threads: settings.threads)
            views = depths
            field = visibilityField(like: density, views: depths, freeFraction: settings.freeViewFraction)
            let sigma = settings.surfaceSmoothing * depths.pixelFootprint(at: density.bounds.center) / density.spacing.max()
            if sigma > 0.05 {
                // outside, the field falls to −4 steps within a fraction of a step (a view sees past the point), inside
                // it climbs one step per step: blurred as it is, the surface would sink; clamped to ±1 step first, both
                // sides are alike and the blur leaves a flat surface where it was
                let limit = Float(density.spacing.max())
                field.values = field.values.map { min(max($0, -limit), limit) }
                field = field.gaussianBlurred(sigma: sigma)
            }
            threshold = 0
        }
        if settings.fillEnclosed { field.fillEnclosedRegions(below: threshold, with: threshold + abs(threshold) + 1) }
        var mesh = MarchingCubes.extract(field, iso: threshold)
        let rawTriangles = mesh.triangleCount
        guard rawTriangles > 0 else {
            switch settings.surface {
            case .density:
                let peak = field.values.max() ?? 0
                throw ExtractionError(.emptyAtThreshold(threshold: threshold, peak: peak))
            case .visibility:
                throw ExtractionError(.noVisibleSurface)
            }
        }
        let (cleaned, removed) = MeshCleanup.removeSmallComponents(mesh, minFraction: settings.minComponentFraction)
        mesh = cleaned
        attachNormalsAndColors(&mesh, field: density, shape: settings.surface == .visibility ? field : nil)
        let extracted = seconds(since: start)
        let simplifyStart = DispatchTime.now().uptimeNanoseconds
        var error: Float = 0
        if settings.targetTriangles > 0 { (mesh, error) = MeshCleanup.simplify(mesh, targetTriangles: settings.targetTriangles) }
        return MeshExtraction(mesh: mesh, surface: settings.surface, threshold: threshold, automaticThreshold: automatic, resolution: field.nx, rawTriangles: rawTriangles,
                              componentsRemoved: removed, simplificationError: error, extractionSeconds: extracted,
                              simplificationSeconds: seconds(since: simplifyStart), views: views)
    }

    func attachNormalsAndColors(_ mesh: inout TriangleMesh, field: ScalarGrid, shape: ScalarGrid? = nil) {
        var sums = [Vec3](repeating: .zero, count: mesh.positions.count)
        for t in 0..<mesh.triangleCount {
            let i = (0..<3).map { Int(mesh.indices[3 * t + $0]) }
            let n = cross(mesh.positions[i[1]] - mesh.positions[i[0]], mesh.positions[i[2]] - mesh.positions[i[0]])
            for v in i { sums[v] += n }
        }
        let h = spacing.min(), scale = FieldScale.factor(spacing: spacing, resolution: resolution)
        let positions = mesh.positions, faceNormals = sums
        let count = positions.count, chunk = 4096
        let normals = ResultSlots<[Vec3]>(count: (count + chunk - 1) / chunk), colors = ResultSlots<[Vec3]>(count: (count + chunk - 1) / chunk)
        DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { c in
            var ns: [Vec3] = [], cs: [Vec3] = []
            for v in (c * chunk)..<min(count, (c + 1) * chunk) {
                let p = Vec3d(Double(positions[v].x), Double(positions[v].y), Double(positions[v].z))
                let g = shape.map { -$0.gradient(p) } ?? -field.gradient(p)
                let face = length(faceNormals[v]) > 0 ? normalize(faceNormals[v]) : Vec3(0, 0, 1)
                // inside fog the density gradient can point anywhere; the mesh's own normal decides there
                let n = length(g) > 1e-12 && dot(normalize(g), face) > 0.5 ? normalize(g) : face
                ns.append(n)
                let nd = Vec3d(Double(n.x), Double(n.y), Double(n.z))
                var transmittance = 1.0, color = Vec3.zero, weight: Float = 0
                for s in 0..<7 {
                    let q = p + (1.5 - 0.5 * Double(s)) * h * nd
                    let alpha = 1 - Double.exp(-Double(max(0, field.sample(q))) * 0.5 * h * scale)
                    let w = Float(transmittance * alpha)
                    color += w * viewIndependentColor(at: q); weight += w
                    transmittance *= 1 - alpha
                }
                let encoded = weight > 1e-4 ? color / weight : viewIndependentColor(at: p)
                cs.append(Vec3(SRGB.decode(encoded.x), SRGB.decode(encoded.y), SRGB.decode(encoded.z)))
            }
            normals.set(c, ns); colors.set(c, cs)
        }
        mesh.normals = normals.values.flatMap { $0! }
        mesh.colors = colors.values.flatMap { $0! }
    }
}
