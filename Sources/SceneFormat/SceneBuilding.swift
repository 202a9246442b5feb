import Foundation
import Geometry

/// Scenes built in Swift instead of read from a file. They are checked against the same limits as scene files
/// (`SceneLimits`), and errors are `SceneError`s naming the field as a scene file would (`objects[2].radius`).
/// Worlds with physics are made from scene files (the simulation's settings are many and are checked there).
extension Scene {
    /// A still scene. `baseDirectory` is where relative paths of the result (none, for code-built scenes)
    /// would resolve; `name` names the scene in metadata and messages.
    public init(name: String, objects: [SceneObject], lights: [Light] = [.environment(EnvironmentLight(top: Vec3d(1, 1, 1), bottom: Vec3d(0.5, 0.5, 0.5)))],
                camera: CameraSettings = CameraSettings(), render: RenderSettings = RenderSettings(), rig: Rig = .orbit(OrbitRig()),
                background: Background = .transparent(matte: Vec3d(1, 1, 1)), frameRate: Double = 24,
                baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws {
        var objects = objects
        for i in objects.indices where objects[i].jsonPath.isEmpty {
            objects[i].jsonPath = "objects[\(i)]"
            if objects[i].name.isEmpty { objects[i].name = "\(objects[i].shape.typeName)-\(i)" }
        }
        // the canonical description of what was built stands in for a file's bytes in the scene hash
        let description = String(reflecting: (name, camera, render, frameRate, rig, background, lights, objects.map { ($0.name, $0.shape, $0.transform, $0.material) }))
        self.init(name: name, file: "<\(name), built in code>", baseDirectory: baseDirectory, camera: camera, render: render, frameRate: frameRate,
                  rig: rig, background: background, lights: lights, objects: objects, physics: nil, sourceBytes: Data(description.utf8))
        try SceneCheck(scene: self).check()
    }
}

extension SceneObject {
    /// An object for a scene built in code; its name defaults to "<type>-<index>".
    public init(_ shape: Shape, name: String = "", transform: Matrix4 = .identity, material: Material? = nil) {
        self.init(name: name, shape: shape, transform: transform, material: material, jsonPath: "")
    }
}

extension Material {
    /// A material of the given base colour (linear RGB, 0...1), roughness and metalness.
    public init(baseColor: Vec3d, roughness: Double = 0.5, metallic: Double = 0) {
        self.init()
        self.baseColor = baseColor; self.roughness = roughness; self.metallic = metallic
    }
}

/// The checks a scene file's decoder makes while reading, made on a scene built in code.
struct SceneCheck {
    let scene: Scene

    func fail(_ path: String, _ message: String) -> SceneError { SceneError(file: scene.file, path: path, message: message) }

    func check() throws {
        let c = scene.camera, r = scene.render
        let sides = 1...SceneLimits.maxImageSide
        guard sides.contains(c.width), sides.contains(c.height) else { throw fail("camera", "image size \(c.width)x\(c.height) outside 1...\(SceneLimits.maxImageSide)") }
        guard c.fovX.isFinite, c.fovX > 0, c.fovX < .pi else { throw fail("camera.fov_x_deg", "expected a field of view in (0°, 180°)") }
        guard (1...SceneLimits.maxSamplesPerPixel).contains(r.samplesPerPixel) else { throw fail("render.spp", "expected 1...\(SceneLimits.maxSamplesPerPixel)") }
        guard (0...SceneLimits.maxBounces).contains(r.maxBounces) else { throw fail("render.max_bounces", "expected 0...\(SceneLimits.maxBounces)") }
        guard scene.frameRate.isFinite, (1...240).contains(scene.frameRate) else { throw fail("frame_rate", "expected 1...240") }
        guard !scene.objects.isEmpty else { throw fail("objects", "expected at least one object") }
        guard scene.objects.count <= SceneLimits.maxObjects else { throw fail("objects", "expected at most \(SceneLimits.maxObjects) objects") }
        for object in scene.objects { try check(object) }
        for (i, light) in scene.lights.enumerated() { try check(light, path: "lights[\(i)]") }
        let environments = scene.lights.filter { if case .environment = $0 { return true } else { return false } }.count
        guard environments <= 1 else { throw fail("lights", "at most one environment light is allowed, got \(environments)") }
        let views = scene.views().count
        guard (1...SceneLimits.maxViews).contains(views) else { throw fail("rig", "the rig makes \(views) views; expected 1...\(SceneLimits.maxViews)") }
    }

    func check(_ object: SceneObject) throws {
        let path = object.jsonPath
        func positive(_ v: Double, _ field: String) throws {
            guard v.isFinite, v > 0 else { throw fail("\(path).\(field)", "expected a finite length > 0, got \(v)") }
        }
        switch object.shape {
        case .sphere(let center, let radius):
            try positive(radius, "radius")
            guard center.x.isFinite, center.y.isFinite, center.z.isFinite else { throw fail("\(path).center", "expected finite numbers") }
        case .box(let size): for (k, v) in [size.x, size.y, size.z].enumerated() { try positive(v, "size[\(k)]") }
        case .quad(let size): for (k, v) in [size.x, size.y].enumerated() { try positive(v, "size[\(k)]") }
        case .cylinder(let radius, let height): try positive(radius, "radius"); try positive(height, "height")
        case .mesh(let source):
            guard FileManager.default.fileExists(atPath: source.url.path) else { throw fail("\(path).path", "no such file: \(source.url.path)") }
        }
        let m = object.transform
        guard m.rows.allSatisfy({ $0.allSatisfy(\.isFinite) }), abs(m.linearDeterminant) > 1e-12 else {
            throw fail("\(path).transform", "expected a finite, invertible transform")
        }
        if let material = object.material {
            let unit = [material.baseColor.x, material.baseColor.y, material.baseColor.z, material.metallic, material.roughness, material.specular]
            guard unit.allSatisfy({ $0.isFinite && (0...1).contains($0) }) else { throw fail("\(path).material", "expected base colour, metallic, roughness and specular in 0...1") }
            let e = material.emission
            guard [e.x, e.y, e.z].allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw fail("\(path).material.emission", "expected finite values ≥ 0") }
            if let t = material.baseColorTexture, !FileManager.default.fileExists(atPath: t.path) {
                throw fail("\(path).material.base_color_texture", "no such file: \(t.path)")
            }
        }
    }

    func check(_ light: Light, path: String) throws {
        let values: [Double]
        switch light {
        case .quad(let corner, let e1, let e2, let radiance): values = [corner, e1, e2, radiance].flatMap { [$0.x, $0.y, $0.z] }
        case .sphere(let center, let radius, let radiance): values = [center.x, center.y, center.z, radius, radiance.x, radiance.y, radiance.z]
        case .directional(let direction, let irradiance):
            guard length(direction) > 0 else { throw fail("\(path).direction", "expected a non-zero direction") }
            values = [direction.x, direction.y, direction.z, irradiance.x, irradiance.y, irradiance.z]
        case .environment(let e): values = [e.top.x, e.top.y, e.top.z, e.bottom.x, e.bottom.y, e.bottom.z]
        }
        guard values.allSatisfy(\.isFinite) else { throw fail(path, "expected finite numbers") }
    }
}
