import Foundation
import Geometry
import Render
import SceneFormat
import Testing
import TestSupport

/// Renders `json` (primitives only) from `camera`.
func render(_ json: String, camera: Camera, spp: Int? = nil, threads: Int = 2, seed: UInt64 = 0) throws -> Frame {
    let scene = try decodeScene(json)
    let tracer = PathTracer(scene: try RenderScene(scene: scene, models: [:]))
    var settings = TraceSettings(scene.render)
    if let spp { settings.samplesPerPixel = spp }
    settings.threads = threads
    settings.seed = seed
    return tracer.render(camera: camera, frameIndex: 0, settings: settings)
}

func looking(from eye: Vec3d, at target: Vec3d, size: Int = 48, fovDegrees: Double = 40) -> Camera {
    Camera(width: size, height: size, fovX: fovDegrees * .pi / 180, cameraToWorld: Camera.lookAt(eye: eye, target: target))
}

@Suite struct FurnaceTests {
    /// A convex Lambertian object in a uniform environment L reflects exactly ρ·L in every direction:
    /// every BSDF sample escapes, so each sample's estimate is exact.
    @Test func diffuseSphereRendersAlbedoTimesEnvironment() throws {
        let json = #"""
        {"format": 1, "rig": {"type": "orbit"}, "render": {"spp": 8, "max_bounces": 8},
         "lights": [{"type": "environment", "radiance": [0.7, 0.7, 0.7]}],
         "objects": [{"type": "sphere", "radius": 1, "material": {"base_color": [0.5, 0.25, 1], "specular": 0}}]}
        """#
        let frame = try render(json, camera: looking(from: Vec3d(0, -4, 1), at: .zero))
        var covered = 0
        for i in 0..<(frame.width * frame.height) where frame.alpha[i] == 1 {
            covered += 1
            #expect(length(frame.radiance[i] - Vec3(0.35, 0.175, 0.7)) < 1e-5)
        }
        #expect(covered > 300)
    }

    /// With albedo 1 everywhere, energy conservation makes every surface render as the environment's L,
    /// whatever the interreflections (unbiased with Russian roulette; checked statistically).
    @Test func whiteClosedFurnaceConservesEnergy() throws {
        let json = #"""
        {"format": 1, "rig": {"type": "orbit"}, "render": {"spp": 32, "max_bounces": 64},
         "lights": [{"type": "environment", "radiance": [1, 1, 1]}],
         "materials": {"white": {"base_color": [1, 1, 1], "specular": 0}},
         "objects": [{"type": "sphere", "center": [-0.5, 0, 0.5], "radius": 0.5, "material": "white"},
                     {"type": "box", "size": [0.8, 0.8, 0.8], "transform": {"translate": [0.5, 0.2, 0.4]}, "material": "white"},
                     {"type": "plane", "size": [4, 4], "material": "white"}]}
        """#
        let frame = try render(json, camera: looking(from: Vec3d(0.5, -3, 2), at: Vec3d(0, 0, 0.3)))
        let values = (0..<(frame.width * frame.height)).filter { frame.alpha[$0] == 1 }.map { Double(frame.radiance[$0].y) }
        let (mean, se) = meanAndStandardError(values)
        #expect(values.count > 1000)
        #expect(abs(mean - 1) < max(4 * se, 0.005), "mean \(mean) ± \(se)")
    }
}

@Suite struct LightTests {
    /// A Lambertian plane under an emitter covering its whole hemisphere reflects ρ·L (NEE and BSDF hits under MIS).
    @Test func infiniteAreaLight() throws {
        let json = #"""
        {"format": 1, "rig": {"type": "orbit"}, "render": {"spp": 16, "max_bounces": 0},
         "lights": [{"type": "quad", "corner": [-1000, -1000, 1], "edge1": [0, 2000, 0], "edge2": [2000, 0, 0], "radiance": [2, 2, 2]}],
         "objects": [{"type": "plane", "size": [4000, 4000], "material": {"base_color": [0.5, 0.5, 0.5], "specular": 0}}]}
        """#
        let frame = try render(json, camera: looking(from: Vec3d(0, 0, 0.5), at: Vec3d(0, 0.01, 0), fovDegrees: 60))
        let (mean, se) = meanAndStandardError(frame.radiance.map { Double($0.x) })
        // the light subtends slightly less than the hemisphere: cos²θ at its 1000 m edge is 1e-6
        #expect(abs(mean - 1) < max(4 * se, 0.003), "mean \(mean) ± \(se)")
    }

    /// Directly below a sphere light of radius R at distance D, irradiance is πL(R/D)², so a plane of albedo ρ
    /// reflects ρ·L·R²/D².
    @Test func sphereLight() throws {
        let json = #"""
        {"format": 1, "rig": {"type": "orbit"}, "render": {"spp": 64, "max_bounces": 0},
         "lights": [{"type": "sphere", "center": [0, 0, 2], "radius": 0.2, "radiance": [100, 100, 100]}],
         "objects": [{"type": "plane", "size": [10, 10], "material": {"base_color": [0.5, 0.5, 0.5], "specular": 0}}]}
        """#
        let frame = try render(json, camera: looking(from: Vec3d(0, 0, 1), at: Vec3d(0, 0.0001, 0), size: 16, fovDegrees: 1))
        let (mean, se) = meanAndStandardError(frame.radiance.map { Double($0.x) })
        #expect(abs(mean - 0.5) < max(4 * se, 0.002), "mean \(mean) ± \(se)")
    }

    /// A directional light of irradiance E at angle θ gives ρ/π·E·cosθ exactly (a delta light has no noise).
    @Test func directionalLight() throws {
        let json = #"""
        {"format": 1, "rig": {"type": "orbit"}, "render": {"spp": 4, "max_bounces": 2},
         "lights": [{"type": "directional", "direction": [0.8660254037844386, 0, -0.5], "irradiance": [3, 3, 3]}],
         "objects": [{"type": "plane", "size": [10, 10], "material": {"base_color": [0.5, 0.5, 0.5], "specular": 0}}]}
        """#
        let frame = try render(json, camera: looking(from: Vec3d(0, -1, 2), at: .zero, size: 16))
        let expected = Float(0.5 / Double.pi * 3 * 0.5)
        for r in frame.radiance { #expect(abs(r.x - expected) < 1e-5) }
    }
}

@Suite struct GeometryAOVTests {
    /// z-depth of a plane: the pixel-centre ray's analytic hit, measured along the camera axis.
    @Test func planeDepthIsExact() throws {
        let json = #"{"format": 1, "rig": {"type": "orbit"}, "render": {"spp": 1}, "objects": [{"type": "plane", "size": [6, 6]}]}"#
        let camera = looking(from: Vec3d(0.3, -3, 2), at: Vec3d(0, 0.5, 0), size: 40)
        let frame = try render(json, camera: camera)
        let forward = camera.worldDirection(x: camera.cx, y: camera.cy)
        var checked = 0
        for y in 0..<camera.height {
            for x in 0..<camera.width {
                let d = camera.worldDirection(x: Double(x) + 0.5, y: Double(y) + 0.5)
                let t = -camera.origin.z / d.z
                let p = camera.origin + t * d
                let i = y * camera.width + x
                if t > 0 && abs(p.x) < 2.99 && abs(p.y) < 2.99 {
                    let expected = t * dot(d, forward)
                    #expect(abs(Double(frame.depth[i]) - expected) < 1e-5 * expected)
                    #expect(frame.instanceIDs[i] == 1 && frame.normals[i] == Vec3(0, 0, 1))
                    checked += 1
                } else if t <= 0 || abs(p.x) > 3.01 || abs(p.y) > 3.01 {
                    #expect(frame.depth[i] == 0 && frame.instanceIDs[i] == 0)
                }
            }
        }
        #expect(checked > 800)
    }

    /// Sphere normals and silhouette against the analytic ray–sphere intersection at every pixel centre,
    /// and coverage against the analytic projected area.
    @Test func sphereNormalsAndSilhouette() throws {
        let center = Vec3d(0.2, -0.1, 0.3), radius = 1.0
        let json = #"{"format": 1, "rig": {"type": "orbit"}, "render": {"spp": 64}, "objects": [{"type": "sphere", "center": [0.2, -0.1, 0.3], "radius": 1}]}"#
        let camera = looking(from: Vec3d(3, -4, 2), at: .zero, size: 64)
        let frame = try render(json, camera: camera)
        var inside = 0, analyticCoverage = 0.0
        for y in 0..<camera.height {
            for x in 0..<camera.width {
                let i = y * camera.width + x
                let (hit, margin) = intersect(camera, Double(x) + 0.5, Double(y) + 0.5, center, radius)
                if let p = hit, margin > 1e-3 {
                    inside += 1
                    let n = normalize(p - center)
                    #expect(frame.instanceIDs[i] == 1)
                    #expect(length(Vec3d(Double(frame.normals[i].x), Double(frame.normals[i].y), Double(frame.normals[i].z)) - n) < 1e-5)
                    let forward = camera.worldDirection(x: camera.cx, y: camera.cy)
                    #expect(abs(Double(frame.depth[i]) - dot(p - camera.origin, forward)) < 1e-5)
                } else if hit == nil && margin < -1e-3 {
                    #expect(frame.instanceIDs[i] == 0)
                }
                // coverage by a 16×16 sub-pixel grid
                var hits = 0
                for sy in 0..<16 { for sx in 0..<16 {
                    if intersect(camera, Double(x) + (Double(sx) + 0.5) / 16, Double(y) + (Double(sy) + 0.5) / 16, center, radius).0 != nil { hits += 1 }
                } }
                if hits == 0 { #expect(frame.alpha[i] == 0) }
                if hits == 256 { #expect(frame.alpha[i] == 1) }
                analyticCoverage += Double(hits) / 256
            }
        }
        #expect(inside > 500)
        let rendered = frame.alpha.reduce(0.0) { $0 + Double($1) }
        #expect(abs(rendered - analyticCoverage) / analyticCoverage < 0.005, "coverage \(rendered) vs \(analyticCoverage)")
    }

    /// Nearest hit of the ray through (x, y), and a signed margin: (b² − c)/r², positive when the ray passes inside.
    func intersect(_ camera: Camera, _ x: Double, _ y: Double, _ c: Vec3d, _ r: Double) -> (Vec3d?, Double) {
        let d = camera.worldDirection(x: x, y: y), o = camera.origin - c
        let b = dot(o, d), disc = b * b - (dot(o, o) - r * r)
        guard disc >= 0 else { return (nil, disc / (r * r)) }
        let t = -b - disc.squareRoot()
        return (t > 0 ? camera.origin + t * d : nil, disc / (r * r))
    }
}

@Suite struct ConsistencyTests {
    static let lambertian = #"""
    {"format": 1, "rig": {"type": "orbit"}, "render": {"spp": 128, "max_bounces": 2},
     "lights": [{"type": "environment", "top": [1.2, 1.2, 1.2], "bottom": [0.3, 0.3, 0.3]}],
     "objects": [{"type": "plane", "size": [5, 5], "material": {"base_color": [0.6, 0.6, 0.6], "specular": 0}},
                 {"type": "sphere", "center": [-0.4, 0, 0.5], "radius": 0.5, "material": {"base_color": [0.8, 0.2, 0.1], "specular": 0}},
                 {"type": "box", "size": [0.6, 0.6, 0.6], "transform": {"translate": [0.6, 0.3, 0.3], "rotate_deg": [0, 0, 25]},
                  "material": {"base_color": [0.1, 0.3, 0.8], "specular": 0}}]}
    """#

    /// Pixels of frame i, lifted to 3D by their depth and projected into frame j, land on the same surface
    /// (same depth) and, on Lambertian surfaces, the same colour; a wrong pose fails both.
    @Test func framesAgreeThroughDepthAndPoses() throws {
        let a = looking(from: Vec3d(2.5, -2.5, 2), at: Vec3d(0, 0, 0.3), size: 64)
        let b = looking(from: Vec3d(-1.5, -3.2, 1.5), at: Vec3d(0, 0, 0.3), size: 64)
        let fa = try render(Self.lambertian, camera: a), fb = try render(Self.lambertian, camera: b)
        // Monte Carlo noise floor: the same view rendered with another seed
        let fa2 = try render(Self.lambertian, camera: a, seed: 1)
        let covered = (0..<(fa.width * fa.height)).filter { fa.alpha[$0] == 1 }
        let noise = covered.reduce(0.0) { $0 + Double(length(fa.radiance[$1] - fa2.radiance[$1])) } / Double(covered.count)

        let good = reprojectionError(from: (a, fa), to: (b, fb))
        #expect(good.matched > 1500)
        #expect(good.depthError < 1e-5, "median relative depth error \(good.depthError)")
        #expect(good.colorError < 1.2 * noise, "mean colour difference \(good.colorError), noise floor \(noise)")
        // the same check with frame b's pose perturbed by a few degrees must fail
        var wrong = b
        wrong.cameraToWorld = Camera.lookAt(eye: Vec3d(-1.3, -3.3, 1.6), target: Vec3d(0.1, 0, 0.3))
        let bad = reprojectionError(from: (a, fa), to: (wrong, fb))
        #expect(bad.depthError > 0.01 && bad.colorError > 2 * noise)
    }

    func reprojectionError(from: (Camera, Frame), to: (Camera, Frame)) -> (matched: Int, depthError: Double, colorError: Double) {
        let (ca, fa) = from, (cb, fb) = to
        let forward = ca.worldDirection(x: ca.cx, y: ca.cy)
        var depthErrors: [Double] = [], colorErrors: [Double] = []
        for y in 0..<ca.height {
            for x in 0..<ca.width {
                let i = y * ca.width + x
                guard fa.depth[i] > 0 else { continue }
                let d = ca.worldDirection(x: Double(x) + 0.5, y: Double(y) + 0.5)
                let p = ca.origin + d * (Double(fa.depth[i]) / dot(d, forward))
                guard let q = cb.project(p) else { continue }
                // bilinear lookup between the four nearest pixel centres of the same object in frame b;
                // inverse depth interpolates exactly across planes
                let fx = q.x - 0.5, fy = q.y - 0.5
                let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
                guard x0 >= 0, y0 >= 0, x0 + 1 < cb.width, y0 + 1 < cb.height else { continue }
                let corners = [(x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)].map { $0.1 * cb.width + $0.0 }
                guard corners.allSatisfy({ fb.depth[$0] > 0 && fb.instanceIDs[$0] == fb.instanceIDs[corners[0]] }) else { continue }
                let tx = fx - Double(x0), ty = fy - Double(y0)
                let weights = [(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty]
                var inverseDepth = 0.0, color = Vec3d()
                for (c, w) in zip(corners, weights) {
                    inverseDepth += w / Double(fb.depth[c])
                    color += w * Vec3d(Double(fb.radiance[c].x), Double(fb.radiance[c].y), Double(fb.radiance[c].z))
                }
                let relative = abs(1 / inverseDepth - q.depth) / q.depth
                depthErrors.append(relative)
                // compare colours only where the point is visible in both (not occluded in b)
                if relative < 0.01 && fa.alpha[i] == 1 && fa.instanceIDs[i] == fb.instanceIDs[corners[0]] {
                    colorErrors.append(length(Vec3d(Double(fa.radiance[i].x), Double(fa.radiance[i].y), Double(fa.radiance[i].z)) - color))
                }
            }
        }
        depthErrors.sort()
        let median = depthErrors.isEmpty ? 1 : depthErrors[depthErrors.count / 2]
        let color = colorErrors.isEmpty ? 1 : colorErrors.reduce(0, +) / Double(colorErrors.count)
        return (depthErrors.count, median, color)
    }

    @Test func imagesAreBitIdenticalForAnyThreadCount() throws {
        let camera = looking(from: Vec3d(2.5, -2.5, 2), at: Vec3d(0, 0, 0.3), size: 40)
        func hash(_ f: Frame) -> UInt64 {
            var h = FNV1a64()
            h.combine(contentsOf: f.radiance.flatMap { [$0.x, $0.y, $0.z] })
            h.combine(contentsOf: f.alpha); h.combine(contentsOf: f.depth); h.combine(contentsOf: f.instanceIDs)
            return h.value
        }
        let one = hash(try render(Self.lambertian, camera: camera, spp: 8, threads: 1))
        let two = hash(try render(Self.lambertian, camera: camera, spp: 8, threads: 2))
        let three = hash(try render(Self.lambertian, camera: camera, spp: 8, threads: 3))
        let otherSeed = hash(try render(Self.lambertian, camera: camera, spp: 8, threads: 2, seed: 1))
        #expect(one == two && two == three)
        #expect(one != otherSeed)
    }
}
