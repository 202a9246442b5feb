import CEmbree
import Foundation
import Geometry
import SceneFormat

/// Embree's RTC_INVALID_GEOMETRY_ID, a macro Swift does not import.
let invalidGeometryID = UInt32.max

/// A surface point prepared for shading.
struct SurfaceHit {
    var position: Vec3
    /// Geometric and shading normals, both flipped to the side the ray came from.
    var ng: Vec3
    var ns: Vec3
    /// The surface's own shading normal (unflipped), for the normal AOV.
    var outward: Vec3
    var uv: Vec2
    /// Interpolated vertex colour (white without vertex colours).
    var color: Vec3
    var record: Int
    /// Origin for rays leaving the surface: on smooth-shaded triangles, lifted to the curved surface the
    /// vertex normals describe, which removes faceted shadow terminators (Hanika 2021, "Hacking the Shadow Terminator").
    var rayOrigin: Vec3
}

/// The local shading frame: tangent, bitangent and shading normal.
struct ShadingFrame {
    var t: Vec3, b: Vec3, n: Vec3
    @inline(__always) func toLocal(_ v: Vec3) -> Vec3 { Vec3(dot(v, t), dot(v, b), dot(v, n)) }
}

/// The integrator: unidirectional path tracing with next-event estimation and multiple importance sampling
/// (power heuristic), Russian roulette after three bounces, and the ground-truth AOVs (depth, normals,
/// coverage, instance ids) from the pixel-centre ray. Wavefront style over a tile: every path's ray of one
/// bounce is traced as one Embree stream, then shaded. One per render thread, reused across tiles; the tile
/// scheduler is `PathTracer`.
final class PathIntegrator {
    let scene: RenderScene
    let settings: TraceSettings
    let view: PixelRays
    let frameIndex: Int
    private(set) var rayCount = 0

    // path state, one entry per path of the current pass
    private var capacity = 0
    private var rayHits: UnsafeMutablePointer<RTCRayHit>
    private var shadowRays: UnsafeMutablePointer<RTCRay>
    private var shadowPath = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var shadowContribution = UnsafeMutablePointer<Vec3>.allocate(capacity: 1)
    private var throughput = UnsafeMutablePointer<Vec3>.allocate(capacity: 1)
    private var radiance = UnsafeMutablePointer<Vec3>.allocate(capacity: 1)
    private var rng = UnsafeMutablePointer<RandomStream>.allocate(capacity: 1)
    private var previousPdf = UnsafeMutablePointer<Float>.allocate(capacity: 1)  // pdf of the last BSDF sample; 0 for camera rays
    private var previousPosition = UnsafeMutablePointer<Vec3>.allocate(capacity: 1)
    private var covered = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
    private var active = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var activeCount = 0
    private var rayOf = UnsafeMutablePointer<Int32>.allocate(capacity: 1)  // active path → its ray's slot in rayHits
    // shading tables, borrowed from the scene for the worker's lifetime
    private let records: UnsafeBufferPointer<GeometryRecord>
    private let materials: UnsafeBufferPointer<ShadingMaterial>
    private let lights: UnsafeBufferPointer<AreaLight>
    // the environment as bottom + slope · (z + 1) / 2, zero without one; the background colour seen by camera rays
    private let hasEnvironment: Bool
    private let environmentBottom: Vec3, environmentSlope: Vec3
    private let backgroundColor: Vec3

    init(scene: RenderScene, settings: TraceSettings, view: PixelRays, frameIndex: Int) {
        self.scene = scene; self.settings = settings; self.view = view; self.frameIndex = frameIndex
        rayHits = .allocate(capacity: 1)
        shadowRays = .allocate(capacity: 1)
        records = copyTable(scene.records)
        materials = copyTable(scene.materials)
        lights = copyTable(scene.lights)
        let e = scene.environment ?? EnvironmentLight(top: .zero, bottom: .zero)
        hasEnvironment = scene.environment != nil
        environmentBottom = Vec3(Float(e.bottom.x), Float(e.bottom.y), Float(e.bottom.z))
        environmentSlope = Vec3(Float(e.top.x - e.bottom.x), Float(e.top.y - e.bottom.y), Float(e.top.z - e.bottom.z))
        if case .color(let c) = scene.background { backgroundColor = Vec3(Float(c.x), Float(c.y), Float(c.z)) } else { backgroundColor = .zero }
    }

    deinit {
        deallocateState()
        records.deallocate(); materials.deallocate(); lights.deallocate()
    }

    private func deallocateState() {
        rayHits.deallocate(); shadowRays.deallocate(); shadowPath.deallocate(); shadowContribution.deallocate()
        throughput.deallocate(); radiance.deallocate(); rng.deallocate(); previousPdf.deallocate()
        previousPosition.deallocate(); covered.deallocate(); active.deallocate(); rayOf.deallocate()
    }

    private func reserve(_ n: Int) {
        guard n > capacity else { return }
        deallocateState()
        rayHits = .allocate(capacity: n); shadowRays = .allocate(capacity: n)
        shadowPath = .allocate(capacity: n); shadowContribution = .allocate(capacity: n)
        throughput = .allocate(capacity: n); radiance = .allocate(capacity: n); rng = .allocate(capacity: n)
        previousPdf = .allocate(capacity: n); previousPosition = .allocate(capacity: n); covered = .allocate(capacity: n)
        active = .allocate(capacity: n); rayOf = .allocate(capacity: n)
        capacity = n
    }

    func render(x0: Int, y0: Int, x1: Int, y1: Int, into out: FrameTarget) {
        let tileW = x1 - x0, pixels = tileW * (y1 - y0)
        let spp = settings.samplesPerPixel
        // samples per pass: keep streams near 4096 paths
        let passSamples = max(1, min(spp, 4096 / pixels))
        reserve(pixels * passSamples)
        var sums = [Vec3](repeating: .zero, count: pixels)
        var hits = [Int](repeating: 0, count: pixels)
        var firstSample = 0
        while firstSample < spp {
            let count = min(passSamples, spp - firstSample)
            tracePaths(x0: x0, y0: y0, tileW: tileW, pixels: pixels, firstSample: firstSample, samples: count)
            // accumulate in sample order for determinism
            for p in 0..<pixels {
                for s in 0..<count {
                    let k = p * count + s
                    sums[p] += radiance[k]
                    if covered[k] { hits[p] += 1 }
                }
            }
            firstSample += count
        }
        for p in 0..<pixels {
            let x = x0 + p % tileW, y = y0 + p / tileW
            let i = y * view.width + x
            out.radiance[i] = sums[p] / Float(spp)
            out.alpha[i] = Float(hits[p]) / Float(spp)
        }
        groundTruth(x0: x0, y0: y0, tileW: tileW, pixels: pixels, into: out)
    }

    // MARK: paths

    private func tracePaths(x0: Int, y0: Int, tileW: Int, pixels: Int, firstSample: Int, samples: Int) {
        let n = pixels * samples
        activeCount = 0
        for k in 0..<n {
            let p = k / samples, s = firstSample + k % samples
            let x = x0 + p % tileW, y = y0 + p / tileW
            var r = RandomStream(seed: settings.seed, UInt64(frameIndex), UInt64(y * view.width + x), UInt64(s))
            let jx = r.nextFloat(), jy = r.nextFloat()
            let d = view.direction(x: Float(x) + jx, y: Float(y) + jy)
            rng[k] = r
            throughput[k] = Vec3(repeating: 1)
            radiance[k] = .zero
            previousPdf[k] = 0
            previousPosition[k] = view.origin
            covered[k] = false
            setRay(k, origin: view.origin, direction: d)
            active[activeCount] = Int32(k)
            activeCount += 1
        }
        var depth = 0
        while activeCount > 0 {
            // rays are stored compactly in `rayHits` in the order of `active`
            var context = RTCIntersectContext()
            rtcInitIntersectContext(&context)
            context.flags = depth == 0 ? RTC_INTERSECT_CONTEXT_FLAG_COHERENT : RTC_INTERSECT_CONTEXT_FLAG_INCOHERENT
            rtcIntersect1M(scene.handle, &context, rayHits, UInt32(activeCount), MemoryLayout<RTCRayHit>.stride)
            rayCount += activeCount
            var shadowCount = 0
            var survivors = 0
            for slot in 0..<activeCount {
                let k = Int(active[slot])
                if shade(k, slot: slot, depth: depth, shadowCount: &shadowCount) {
                    active[survivors] = Int32(k)
                    rayOf[survivors] = Int32(slot)
                    survivors += 1
                }
            }
            if shadowCount > 0 {
                var context = RTCIntersectContext()
                rtcInitIntersectContext(&context)
                rtcOccluded1M(scene.handle, &context, shadowRays, UInt32(shadowCount), MemoryLayout<RTCRay>.stride)
                rayCount += shadowCount
                for j in 0..<shadowCount where shadowRays[j].tfar >= 0 {
                    radiance[Int(shadowPath[j])] += shadowContribution[j]
                }
            }
            // compact the continuation rays (written into their old slots by `shade`) to the front
            activeCount = survivors
            for s in 0..<survivors where Int(rayOf[s]) != s { rayHits[s] = rayHits[Int(rayOf[s])] }
            depth += 1
        }
    }

    @inline(__always) private func setRay(_ slot: Int, origin: Vec3, direction: Vec3, tfar: Float = .infinity) {
        var rh = RTCRayHit()
        rh.ray.org_x = origin.x; rh.ray.org_y = origin.y; rh.ray.org_z = origin.z
        rh.ray.dir_x = direction.x; rh.ray.dir_y = direction.y; rh.ray.dir_z = direction.z
        rh.ray.tnear = 0
        rh.ray.tfar = tfar
        rh.ray.mask = 0xFFFF_FFFF
        rh.ray.flags = 0
        rh.hit.geomID = invalidGeometryID
        rh.hit.instID = invalidGeometryID
        rayHits[slot] = rh
    }

    /// Handles path `k`'s hit in ray slot `slot`; returns true when the path continues (its next ray written to `slot`).
    private func shade(_ k: Int, slot: Int, depth: Int, shadowCount: inout Int) -> Bool {
        let rh = rayHits[slot]
        let d = Vec3(rh.ray.dir_x, rh.ray.dir_y, rh.ray.dir_z)
        if rh.hit.geomID == invalidGeometryID {
            addEscaped(k, direction: d, depth: depth)
            return false
        }
        if depth == 0 { covered[k] = true }
        let hit = surface(rh, direction: d)
        let record = records[hit.record]
        if record.light >= 0 {
            addEmitter(k, light: lights[Int(record.light)], hit: hit, direction: d)
            return false
        }

        let material = materials[Int(record.material)]
        if material.isEmissive { radiance[k] += throughput[k] * material.emission }
        if depth > settings.maxBounces { return false }

        var baseColor = material.baseColor
        if material.texture >= 0 { baseColor *= scene.textures[Int(material.texture)].sample(hit.uv) }
        baseColor *= hit.color
        let (t, b) = orthonormalBasis(hit.ns)
        let frame = ShadingFrame(t: t, b: b, n: hit.ns)
        let wo = frame.toLocal(-d)
        guard wo.z > 0 else { return false }
        let bsdf = BSDF(baseColor: baseColor, metallic: material.metallic, roughness: material.roughness,
                        specular: material.specular, cosThetaO: wo.z)
        if !lights.isEmpty { sampleDirectLight(k, bsdf: bsdf, wo: wo, frame: frame, hit: hit, shadowCount: &shadowCount) }
        return continuePath(k, slot: slot, bsdf: bsdf, wo: wo, frame: frame, hit: hit, depth: depth)
    }

    /// A ray that left the scene: the background behind camera rays, the environment behind later bounces.
    @inline(__always) private func addEscaped(_ k: Int, direction d: Vec3, depth: Int) {
        if depth == 0 {
            switch scene.background {
            case .transparent: break
            case .color: radiance[k] += backgroundColor
            case .environment: radiance[k] += environmentRadiance(d)
            }
        } else if hasEnvironment {
            radiance[k] += throughput[k] * environmentRadiance(d)
        }
    }

    /// An emitter reached by a camera ray or a BSDF sample, weighted against light sampling (MIS).
    @inline(__always) private func addEmitter(_ k: Int, light: AreaLight, hit: SurfaceHit, direction d: Vec3) {
        var le = light.radiance
        if light.kind == .quad && dot(light.normal, -d) <= 0 { le = .zero }
        var weight: Float = 1
        if previousPdf[k] > 0 {
            let lightPdf = lightSolidAnglePdf(light, from: previousPosition[k], to: hit.position) / Float(lights.count)
            weight = powerHeuristic(previousPdf[k], lightPdf)
        }
        radiance[k] += throughput[k] * le * weight
    }

    /// Next-event estimation: one light picked uniformly, a point on it sampled, and its MIS-weighted contribution
    /// queued behind a shadow ray.
    private func sampleDirectLight(_ k: Int, bsdf: BSDF, wo: Vec3, frame: ShadingFrame, hit: SurfaceHit, shadowCount: inout Int) {
        let origin = hit.rayOrigin
        let lightCount = lights.count
        let pick = min(Int(rng[k].nextFloat() * Float(lightCount)), lightCount - 1)
        let light = lights[pick]
        let u1 = rng[k].nextFloat(), u2 = rng[k].nextFloat()
        guard let s = sampleLight(light, from: origin, u1: u1, u2: u2), dot(s.direction, hit.ng) > 0 else { return }
        let wi = frame.toLocal(s.direction)
        let (f, bsdfPdf) = bsdf.evaluate(wo: wo, wi: wi)
        guard wi.z > 0, f.max() > 0 else { return }
        let lightPdf = s.pdf / Float(lightCount)
        let weight = s.isDelta ? 1 : powerHeuristic(lightPdf, bsdfPdf)
        let contribution = throughput[k] * f * (wi.z * weight / lightPdf) * s.radiance
        guard contribution.max() > 0 else { return }
        var ray = RTCRay()
        ray.org_x = origin.x; ray.org_y = origin.y; ray.org_z = origin.z
        ray.dir_x = s.direction.x; ray.dir_y = s.direction.y; ray.dir_z = s.direction.z
        ray.tnear = 0
        ray.tfar = s.distance.isFinite ? s.distance * (1 - 1e-3) : .infinity
        ray.mask = 0xFFFF_FFFF
        ray.flags = 0
        shadowRays[shadowCount] = ray
        shadowPath[shadowCount] = Int32(k)
        shadowContribution[shadowCount] = contribution
        shadowCount += 1
    }

    /// Samples the BSDF for the path's next direction, with Russian roulette after three bounces; returns false
    /// when the path ends.
    private func continuePath(_ k: Int, slot: Int, bsdf: BSDF, wo: Vec3, frame: ShadingFrame, hit: SurfaceHit, depth: Int) -> Bool {
        let u0 = rng[k].nextFloat(), u1 = rng[k].nextFloat(), u2 = rng[k].nextFloat()
        guard let wi = bsdf.sample(wo: wo, u0: u0, u1: u1, u2: u2) else { return false }
        let (f, pdf) = bsdf.evaluate(wo: wo, wi: wi)
        guard pdf > 0 else { return false }
        let wiWorld = wi.x * frame.t + wi.y * frame.b + wi.z * frame.n
        guard dot(wiWorld, hit.ng) > 0 else { return false }
        var beta = throughput[k] * f * (wi.z / pdf)
        if depth >= 3 {
            let survive = min(beta.max(), 0.95)
            if rng[k].nextFloat() >= survive { return false }
            beta /= survive
        }
        guard beta.max() > 0, beta.x.isFinite, beta.y.isFinite, beta.z.isFinite else { return false }
        throughput[k] = beta
        previousPdf[k] = pdf
        previousPosition[k] = hit.rayOrigin
        setRay(slot, origin: hit.rayOrigin, direction: wiWorld)
        return true
    }

    @inline(__always) private func environmentRadiance(_ d: Vec3) -> Vec3 {
        environmentBottom + environmentSlope * ((d.z + 1) / 2)
    }

    /// Moves a ray origin off the surface along the geometric normal, scaled to the coordinates' magnitude.
    @inline(__always) private func offset(_ p: Vec3, _ n: Vec3) -> Vec3 {
        let scale = max(1, max(abs(p.x), max(abs(p.y), abs(p.z))))
        return p + n * (1e-4 * scale)
    }

    // MARK: surfaces

    private func surface(_ rh: RTCRayHit, direction d: Vec3) -> SurfaceHit {
        let id = Int(rh.hit.geomID)
        let record = records[id]
        let o = Vec3(rh.ray.org_x, rh.ray.org_y, rh.ray.org_z)
        var p = o + d * rh.ray.tfar
        var ng: Vec3, ns: Vec3, uv = Vec2.zero, color = Vec3(1, 1, 1)
        var lifted = Vec3.zero
        switch record.kind {
        case .sphere:
            // re-project onto the sphere to remove the hit distance's rounding error
            let n = normalize(p - record.center)
            p = record.center + n * record.radius
            ng = n; ns = n
            let (r0, r1, r2) = record.worldToObject
            let local = Vec3(dot(n, r0), dot(n, r1), dot(n, r2))
            uv = Vec2(atan2(local.y, local.x) / (2 * Float.pi) + (local.y < 0 ? 1 : 0), 1 - acos(min(max(local.z, -1), 1)) / Float.pi)
        case .triangles:
            let prim = Int(rh.hit.primID)
            let indices = record.indices!
            let i0 = Int(indices[3 * prim]), i1 = Int(indices[3 * prim + 1]), i2 = Int(indices[3 * prim + 2])
            let u = rh.hit.u, v = rh.hit.v, w = 1 - u - v
            let positions = record.positions!
            let p0 = positions[i0], p1 = positions[i1], p2 = positions[i2]
            p = p0 * w + p1 * u + p2 * v
            ng = normalize(cross(p1 - p0, p2 - p0))
            if let normals = record.normals {
                let n0 = normals[i0], n1 = normals[i1], n2 = normals[i2]
                let s = n0 * w + n1 * u + n2 * v
                let l = length(s)
                ns = l > 0 ? s / l : ng
                if dot(s, d) < 0 {  // seen from the side the vertex normals face
                    var t0 = p - p0, t1 = p - p1, t2 = p - p2
                    t0 -= min(0, dot(t0, n0)) * n0
                    t1 -= min(0, dot(t1, n1)) * n1
                    t2 -= min(0, dot(t2, n2)) * n2
                    lifted = t0 * w + t1 * u + t2 * v
                }
            } else {
                ns = ng
            }
            if let uvs = record.uvs { uv = uvs[i0] * w + uvs[i1] * u + uvs[i2] * v }
            if let colors = record.colors { color = colors[i0] * w + colors[i1] * u + colors[i2] * v }
        }
        let outward = ns
        if dot(ng, d) > 0 { ng = -ng; ns = -ns }
        if dot(ns, ng) <= 0 || dot(ns, -d) <= 0 { ns = ng }
        return SurfaceHit(position: p, ng: ng, ns: ns, outward: outward, uv: uv, color: color, record: id, rayOrigin: offset(p + lifted, ng))
    }

    // MARK: lights

    struct LightSample {
        var direction: Vec3
        var distance: Float
        var radiance: Vec3
        var pdf: Float       // solid angle; 1 for delta lights
        var isDelta: Bool
    }

    private func sampleLight(_ light: AreaLight, from p: Vec3, u1: Float, u2: Float) -> LightSample? {
        switch light.kind {
        case .quad:
            let q = light.corner + light.edge1 * u1 + light.edge2 * u2
            var wi = q - p
            let d2 = dot(wi, wi)
            guard d2 > 0 else { return nil }
            let dist = d2.squareRoot()
            wi /= dist
            let cosL = dot(light.normal, -wi)
            guard cosL > 0 else { return nil }
            return LightSample(direction: wi, distance: dist, radiance: light.radiance, pdf: d2 / (cosL * light.area), isDelta: false)
        case .sphere:
            let axis = light.center - p
            let dc2 = dot(axis, axis), r2 = light.radius * light.radius
            guard dc2 > r2 * 1.0001 else { return nil }
            let dc = dc2.squareRoot()
            let sin2Max = r2 / dc2
            let cosMax = max(0, 1 - sin2Max).squareRoot()
            let cosTheta = 1 - u1 * (1 - cosMax)
            let sinTheta = max(0, 1 - cosTheta * cosTheta).squareRoot()
            let phi = 2 * Float.pi * u2
            let z = axis / dc
            let (tx, ty) = orthonormalBasis(z)
            let wi = normalize(tx * (sinTheta * cos(phi)) + ty * (sinTheta * sin(phi)) + z * cosTheta)
            // distance to the near intersection with the sphere
            // in Double: in Float the half-chord cancels badly near the silhouette, and shadow rays would
            // reach the light's own surface
            let dcD = Double(dc), cosD = Double(dot(wi, z)), r2D = Double(light.radius) * Double(light.radius)
            let proj = dcD * cosD
            let dist = Float(proj - max(0, r2D - (dcD * dcD - proj * proj)).squareRoot())
            return LightSample(direction: wi, distance: dist, radiance: light.radiance, pdf: 1 / (2 * Float.pi * (1 - cosMax)), isDelta: false)
        case .directional:
            return LightSample(direction: -light.direction, distance: .infinity, radiance: light.radiance, pdf: 1, isDelta: true)
        }
    }

    /// The solid-angle density with which `sampleLight` picks point `q` on `light` as seen from `p`.
    private func lightSolidAnglePdf(_ light: AreaLight, from p: Vec3, to q: Vec3) -> Float {
        switch light.kind {
        case .quad:
            let v = q - p
            let d2 = dot(v, v)
            let cosL = abs(dot(light.normal, v)) / d2.squareRoot()
            return cosL > 0 ? d2 / (cosL * light.area) : 0
        case .sphere:
            let axis = light.center - p
            let dc2 = dot(axis, axis), r2 = light.radius * light.radius
            guard dc2 > r2 * 1.0001 else { return 0 }
            let cosMax = max(0, 1 - r2 / dc2).squareRoot()
            return 1 / (2 * Float.pi * (1 - cosMax))
        case .directional:
            return 0
        }
    }

    @inline(__always) private func powerHeuristic(_ a: Float, _ b: Float) -> Float {
        let a2 = a * a, b2 = b * b
        return a2 + b2 > 0 ? a2 / (a2 + b2) : 0
    }

    // MARK: ground truth

    /// Depth, normal and instance id from one ray through each pixel centre.
    private func groundTruth(x0: Int, y0: Int, tileW: Int, pixels: Int, into out: FrameTarget) {
        for p in 0..<pixels {
            let x = x0 + p % tileW, y = y0 + p / tileW
            setRay(p, origin: view.origin, direction: view.direction(x: Float(x) + 0.5, y: Float(y) + 0.5))
        }
        var context = RTCIntersectContext()
        rtcInitIntersectContext(&context)
        context.flags = RTC_INTERSECT_CONTEXT_FLAG_COHERENT
        rtcIntersect1M(scene.handle, &context, rayHits, UInt32(pixels), MemoryLayout<RTCRayHit>.stride)
        rayCount += pixels
        let forward = -view.back
        for p in 0..<pixels {
            let x = x0 + p % tileW, y = y0 + p / tileW
            let i = y * view.width + x
            let rh = rayHits[p]
            guard rh.hit.geomID != invalidGeometryID else { continue }
            let d = Vec3(rh.ray.dir_x, rh.ray.dir_y, rh.ray.dir_z)
            let hit = surface(rh, direction: d)
            out.depth[i] = dot(hit.position - view.origin, forward)
            out.normals[i] = hit.outward
            out.ids[i] = records[hit.record].instanceID
        }
    }
}

private func copyTable<T>(_ array: [T]) -> UnsafeBufferPointer<T> {
    let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
    _ = p.initialize(from: array)
    return UnsafeBufferPointer(rebasing: p[0..<array.count])
}
