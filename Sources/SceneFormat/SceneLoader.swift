import FileSafety
import Foundation
import Geometry

/// Limits enforced by the decoder; documented in scenes/README.md.
public enum SceneLimits {
    public static let maxImageSide = 8192
    public static let maxSamplesPerPixel = 65536
    public static let maxBounces = 64
    public static let maxViews = 10_000
    /// Objects of a scene, spawned ones included (instance ids are 16-bit; MuJoCo's model grows with every body).
    public static let maxObjects = 10_000
}

/// Reads scene files (format v1) strictly: unknown keys, wrong types, out-of-range or non-finite values
/// and missing files are `SceneError`s naming the file and JSON path.
public enum SceneLoader {
    public static let formatVersion = 1

    /// Loads and validates the scene at `path` (as the user typed it).
    public static func load(path: String) throws -> Scene {
        let url = URL(fileURLWithPath: path)
        return try decode(try JSONNode.contents(of: url, file: path, what: "scene"), file: path, baseDirectory: url.deletingLastPathComponent())
    }

    /// Decodes scene JSON; relative asset paths resolve against `baseDirectory`.
    public static func decode(_ data: Data, file: String, baseDirectory: URL) throws -> Scene {
        let root = try JSONNode.root(data, file: file)
        return try SceneDecoder(file: file, baseDirectory: baseDirectory).decodeScene(root, sourceBytes: data)
    }
}

struct SceneDecoder {
    let file: String
    let baseDirectory: URL

    static let topKeys = ["format", "name", "description", "camera", "render", "frame_rate", "rig", "background",
                          "lights", "materials", "objects", "physics", "spawners"]

    func decodeScene(_ root: JSONNode, sourceBytes: Data) throws -> Scene {
        let top = try root.object(allowed: Self.topKeys)
        let format = try top.required("format", hint: "add \"format\": 1")
        guard case .number(let v) = format.value, v == Double(SceneLoader.formatVersion) else {
            throw format.error("unsupported format \(format.value.brief); this version of orbit reads format 1")
        }
        let name = try top.optional("name")?.string() ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        _ = try top.optional("description")?.string()

        var render = RenderSettings()
        if let node = top.optional("render") {
            let o = try node.object(allowed: ["spp", "max_bounces", "seed"])
            render.samplesPerPixel = try o.integer("spp", in: 1...SceneLimits.maxSamplesPerPixel, default: render.samplesPerPixel)
            render.maxBounces = try o.integer("max_bounces", in: 0...SceneLimits.maxBounces, default: render.maxBounces)
            render.seed = UInt64(try o.integer("seed", in: 0...Int(1 << 53), default: 0))
        }

        let rigNode = try top.required("rig", hint: "e.g. \"rig\": {\"type\": \"orbit\"}")
        let (rig, presetCamera) = try decodeRig(rigNode, seed: render.seed)
        let camera = try decodeCamera(top.optional("camera"), preset: presetCamera)

        let frameRate = try top.number("frame_rate", in: 1...240, default: 24)

        var namedMaterials: [String: Material] = [:]
        if let node = top.optional("materials") {
            let o = try node.object(allowed: Array(try node.objectKeys()))
            for key in o.dict.keys.sorted() { namedMaterials[key] = try decodeMaterial(o.node.child(key, o.dict[key]!)) }
        }
        let lights = try decodeLights(top.optional("lights"))
        let environmentCount = lights.filter { if case .environment = $0 { return true } else { return false } }.count
        let background = try decodeBackground(top.optional("background"), hasEnvironment: environmentCount == 1)

        let objectsNode = try top.required("objects", hint: "a scene needs at least one object")
        let items = try objectsNode.array()
        guard !items.isEmpty else { throw objectsNode.error("expected at least one object, got an empty array") }
        guard items.count <= SceneLimits.maxObjects else { throw objectsNode.error("expected at most \(SceneLimits.maxObjects) objects, got \(items.count)") }
        var objects: [SceneObject] = []
        for (index, item) in items.enumerated() {
            objects.append(try decodeObject(item, index: index, materials: namedMaterials))
        }
        let physics = try decodeWorld(top, items: items, objects: &objects, materials: namedMaterials)
        try checkClip(physics, frameRate: frameRate, rig: rig, top: top, rigNode: rigNode)

        return Scene(name: name, file: file, baseDirectory: baseDirectory, camera: camera, render: render,
                     frameRate: frameRate, rig: rig, background: background, lights: lights, objects: objects,
                     physics: physics, sourceBytes: sourceBytes)
    }

    /// The lights, with at most one environment.
    func decodeLights(_ node: JSONNode?) throws -> [Light] {
        guard let node else { return [] }
        var lights: [Light] = []
        for item in try node.array() { lights.append(try decodeLight(item)) }
        let environmentCount = lights.filter { if case .environment = $0 { return true } else { return false } }.count
        if environmentCount > 1 { throw node.error("at most one environment light is allowed, got \(environmentCount)") }
        return lights
    }

    /// The physics section, the objects' bodies and the spawned objects; without a physics section, bodies and
    /// spawners are refused.
    func decodeWorld(_ top: JSONObject, items: [JSONNode], objects: inout [SceneObject], materials: [String: Material]) throws -> PhysicsSettings? {
        guard let node = top.optional("physics") else {
            for item in items {
                if case .object(let d) = item.value, let b = d["body"] {
                    throw item.child("body", b).error("a \"body\" needs a \"physics\" section at the top of the scene (e.g. \"physics\": {\"duration\": 2})")
                }
            }
            if let s = top.optional("spawners") {
                throw s.error("spawners need a \"physics\" section at the top of the scene (e.g. \"physics\": {\"duration\": 2})")
            }
            return nil
        }
        let physics = try decodePhysics(node)
        for (index, item) in items.enumerated() {
            objects[index].body = try decodeBody(item, object: objects[index])
        }
        if let spawnersNode = top.optional("spawners") {
            for item in try spawnersNode.array() {
                objects += try decodeSpawner(item, existing: objects, materials: materials)
                guard objects.count <= SceneLimits.maxObjects else {
                    throw spawnersNode.error("the objects and spawned objects number \(objects.count), more than the limit of \(SceneLimits.maxObjects)")
                }
            }
        }
        if let b = physics.worldBounds {
            for object in objects where object.body?.kind == .dynamic {
                let p = object.transform.decomposed.translation
                guard all(p .>= b.lower), all(p .<= b.upper) else {
                    throw node.child("world_bounds", .null).error("\(object.jsonPath) (\(object.name)) starts outside the world bounds; enlarge them")
                }
            }
        }
        return physics
    }

    /// A live clip must fit the view limit and needs a rig with one camera per frame.
    func checkClip(_ physics: PhysicsSettings?, frameRate: Double, rig: Rig, top: JSONObject, rigNode: JSONNode) throws {
        if case .live = physics?.clip, let physics, physics.duration * frameRate > Double(SceneLimits.maxViews) {
            throw (top.optional("physics") ?? rigNode).error("a live clip of \(formatNumber(physics.duration)) s at \(formatNumber(frameRate)) frames/s has \(Int(physics.duration * frameRate)) frames, more than the limit of \(SceneLimits.maxViews); shorten \"duration\" or lower \"frame_rate\"")
        }
        if case .live = physics?.clip, case .nerfSynthetic = rig {
            throw rigNode.error("a live clip needs a rig with one camera per frame (orbit, fixed, path, random or sv3d), not \"nerf-synthetic\"")
        }
    }

    // MARK: camera and rig

    func decodeCamera(_ node: JSONNode?, preset: CameraSettings?) throws -> CameraSettings {
        var camera = preset ?? CameraSettings()
        guard let node else { return camera }
        let o = try node.object(allowed: ["width", "height", "fov_x_deg", "focal_length_px", "lens"])
        camera.width = try o.integer("width", in: 1...SceneLimits.maxImageSide, default: camera.width)
        camera.height = try o.integer("height", in: 1...SceneLimits.maxImageSide, default: camera.height)
        if o.has("fov_x_deg") && o.has("focal_length_px") {
            throw node.error("give either \"fov_x_deg\" or \"focal_length_px\", not both")
        }
        if let fov = o.optional("fov_x_deg") {
            camera.fovX = try fov.number(in: 0.01...179) * .pi / 180
        } else if let focal = o.optional("focal_length_px") {
            let f = try focal.number(in: 0.01...1e6)
            camera.fovX = 2 * atan(Double(camera.width) / 2 / f)
        }
        if let lens = o.optional("lens") { camera.distortion = try decodeLens(lens) }
        return camera
    }

    /// `{"model": "OPENCV", "k1": …, "k2": …, "p1": …, "p2": …}`, `RADIAL` (k1, k2) or `OPENCV_FISHEYE` (k1 … k4).
    func decodeLens(_ node: JSONNode) throws -> LensDistortion {
        guard case .object(let dict) = node.value else { throw node.error("expected an object, got \(node.value.brief)") }
        let models = ["PINHOLE", "RADIAL", "OPENCV", "OPENCV_FISHEYE"]
        guard let m = dict["model"] else { throw node.error("missing required key \"model\" (one of: \(models.joined(separator: ", ")))") }
        let model = try node.child("model", m).choice(models, what: "lens model")
        let keys: [String] = ["PINHOLE": [], "RADIAL": ["k1", "k2"], "OPENCV": ["k1", "k2", "p1", "p2"], "OPENCV_FISHEYE": ["k1", "k2", "k3", "k4"]][model]!
        let o = try node.object(allowed: ["model"] + keys)
        func k(_ key: String) throws -> Double { try o.number(key, in: -10...10, default: 0) }
        switch model {
        case "RADIAL": return .radial(k1: try k("k1"), k2: try k("k2"))
        case "OPENCV": return .opencv(k1: try k("k1"), k2: try k("k2"), p1: try k("p1"), p2: try k("p2"))
        case "OPENCV_FISHEYE": return .fisheye(k1: try k("k1"), k2: try k("k2"), k3: try k("k3"), k4: try k("k4"))
        default: return .none
        }
    }

    func decodeRig(_ node: JSONNode, seed: UInt64) throws -> (Rig, CameraSettings?) {
        let kinds = ["orbit", "random", "nerf-synthetic", "sv3d", "fixed", "path"]
        guard case .object(let dict) = node.value else { throw node.error("expected an object, got \(node.value.brief)") }
        guard let typeValue = dict["type"] else { throw node.error("missing required key \"type\" (one of: \(kinds.joined(separator: ", ")))") }
        let type = try node.child("type", typeValue).choice(kinds, what: "rig type")
        switch type {
        case "orbit":
            let o = try node.object(allowed: ["type", "radius", "elevation_deg", "elevations_deg", "frames", "start_azimuth_deg", "look_at", "test_every"])
            var rig = OrbitRig()
            rig.radius = try o.number("radius", in: 1e-3...1e5, default: rig.radius)
            if o.has("elevation_deg") && o.has("elevations_deg") { throw node.error("give either \"elevation_deg\" or \"elevations_deg\", not both") }
            if let e = o.optional("elevation_deg") { rig.elevations = [try e.number(in: -90...90) * .pi / 180] }
            if let list = o.optional("elevations_deg") {
                let items = try list.array()
                guard !items.isEmpty else { throw list.error("expected at least one elevation, got an empty array") }
                rig.elevations = try items.map { try $0.number(in: -90...90) * .pi / 180 }
            }
            rig.framesPerRing = try o.integer("frames", in: 1...SceneLimits.maxViews, default: rig.framesPerRing)
            if rig.framesPerRing * rig.elevations.count > SceneLimits.maxViews {
                throw node.error("expected at most \(SceneLimits.maxViews) frames in all, got \(rig.framesPerRing * rig.elevations.count)")
            }
            rig.startAzimuth = try o.number("start_azimuth_deg", in: -360...360, default: 0) * .pi / 180
            rig.lookAt = try o.vector3("look_at", default: .zero)
            rig.testEvery = try o.integer("test_every", in: 0...SceneLimits.maxViews, default: 0)
            return (.orbit(rig), nil)
        case "random":
            let o = try node.object(allowed: ["type", "count", "radius", "min_elevation_deg", "max_elevation_deg", "look_at", "seed", "test_every"])
            var rig = RandomRig()
            rig.count = try o.integer("count", in: 1...SceneLimits.maxViews, default: rig.count)
            rig.radius = try o.number("radius", in: 1e-3...1e5, default: rig.radius)
            rig.minElevation = try o.number("min_elevation_deg", in: -90...90, default: 5) * .pi / 180
            rig.maxElevation = try o.number("max_elevation_deg", in: -90...90, default: 85) * .pi / 180
            if rig.minElevation > rig.maxElevation, let n = o.optional("max_elevation_deg") {
                throw n.error("expected a value ≥ min_elevation_deg, got \(n.value.brief)")
            }
            rig.lookAt = try o.vector3("look_at", default: .zero)
            rig.seed = UInt64(try o.integer("seed", in: 0...Int(1 << 53), default: Int(seed)))
            rig.testEvery = try o.integer("test_every", in: 0...SceneLimits.maxViews, default: 0)
            return (.random(rig), nil)
        case "nerf-synthetic":
            let o = try node.object(allowed: ["type", "radius", "look_at"])
            var camera = CameraSettings()
            camera.width = 800; camera.height = 800; camera.fovX = 0.6911112070083618
            return (.nerfSynthetic(radius: try o.number("radius", in: 1e-3...1e5, default: 4.031128874),
                                   lookAt: try o.vector3("look_at", default: .zero)), camera)
        case "fixed":
            let o = try node.object(allowed: ["type", "eye", "look_at", "frames"])
            let eye = try o.required("eye", hint: "the camera position, e.g. [3, -3, 2]").vector3()
            let lookAt = try o.vector3("look_at", default: .zero)
            guard length(eye - lookAt) > 1e-9 else { throw node.error("\"eye\" and \"look_at\" must differ") }
            return (.fixed(eye: eye, lookAt: lookAt, frames: try o.integer("frames", in: 1...SceneLimits.maxViews, default: 1)), nil)
        case "path":
            let o = try node.object(allowed: ["type", "keyframes", "frames"])
            let list = try o.required("keyframes", hint: "at least two {\"eye\": [...], \"look_at\": [...]}")
            let items = try list.array()
            guard items.count >= 2 else { throw list.error("expected at least 2 keyframes, got \(items.count)") }
            let keys = try items.map { item -> CameraKeyframe in
                let k = try item.object(allowed: ["eye", "look_at"])
                let key = CameraKeyframe(eye: try k.required("eye").vector3(), lookAt: try k.vector3("look_at", default: .zero))
                guard length(key.eye - key.lookAt) > 1e-9 else { throw item.error("\"eye\" and \"look_at\" must differ") }
                return key
            }
            return (.path(keyframes: keys, frames: try o.integer("frames", in: 2...SceneLimits.maxViews, default: 48)), nil)
        default: // sv3d
            let o = try node.object(allowed: ["type", "radius", "look_at"])
            var camera = CameraSettings()
            camera.width = 576; camera.height = 576; camera.fovX = 33.8 * .pi / 180
            return (.sv3d(radius: try o.number("radius", in: 1e-3...1e5, default: 2), lookAt: try o.vector3("look_at", default: .zero)), camera)
        }
    }

    // MARK: background and lights

    func decodeBackground(_ node: JSONNode?, hasEnvironment: Bool) throws -> Background {
        guard let node else { return .transparent(matte: Vec3d(1, 1, 1)) }
        let kinds = ["transparent", "color", "environment"]
        let type = try typeField(node, kinds, what: "background type")
        switch type {
        case "transparent":
            let o = try node.object(allowed: ["type", "matte"])
            return .transparent(matte: try o.color("matte", default: Vec3d(1, 1, 1)))
        case "color":
            let o = try node.object(allowed: ["type", "color"])
            return .color(try o.color("color", in: 0...1e6, default: .zero))
        default:
            _ = try node.object(allowed: ["type"])
            guard hasEnvironment else {
                throw node.child("type", .string(type)).error("\"environment\" needs an environment light in \"lights\"; add {\"type\": \"environment\", \"radiance\": [1, 1, 1]}")
            }
            return .environment
        }
    }

    func decodeLight(_ node: JSONNode) throws -> Light {
        let type = try typeField(node, ["quad", "sphere", "directional", "environment"], what: "light type")
        let radianceRange: ClosedRange<Double> = 0...1e9
        switch type {
        case "quad":
            let o = try node.object(allowed: ["type", "corner", "edge1", "edge2", "radiance"])
            let e1 = try o.required("edge1").vector3(), e2 = try o.required("edge2").vector3()
            guard length(cross(e1, e2)) > 1e-12 else { throw node.error("edge1 and edge2 must span a non-zero area") }
            return .quad(corner: try o.required("corner").vector3(), edge1: e1, edge2: e2,
                         radiance: try o.required("radiance").vector3(in: radianceRange, what: "colour components"))
        case "sphere":
            let o = try node.object(allowed: ["type", "center", "radius", "radiance"])
            return .sphere(center: try o.required("center").vector3(), radius: try o.required("radius").number(in: 1e-6...1e5),
                           radiance: try o.required("radiance").vector3(in: radianceRange, what: "colour components"))
        case "directional":
            let o = try node.object(allowed: ["type", "direction", "irradiance"])
            let dNode = try o.required("direction")
            let d = try dNode.vector3()
            guard length(d) > 1e-12 else { throw dNode.error("expected a non-zero direction, got \(dNode.value.brief)") }
            return .directional(direction: normalize(d), irradiance: try o.required("irradiance").vector3(in: radianceRange, what: "colour components"))
        default:
            let o = try node.object(allowed: ["type", "radiance", "top", "bottom"])
            if let r = o.optional("radiance") {
                if o.has("top") || o.has("bottom") { throw node.error("give either \"radiance\" or \"top\" and \"bottom\", not both") }
                let c = try r.vector3(in: radianceRange, what: "colour components")
                return .environment(EnvironmentLight(top: c, bottom: c))
            }
            guard o.has("top") || o.has("bottom") else {
                throw node.error("missing \"radiance\" (constant) or \"top\" and \"bottom\" (gradient)")
            }
            return .environment(EnvironmentLight(top: try o.required("top").vector3(in: radianceRange, what: "colour components"),
                                                 bottom: try o.required("bottom").vector3(in: radianceRange, what: "colour components")))
        }
    }

    // MARK: objects and materials

    func decodeObject(_ node: JSONNode, index: Int, materials: [String: Material]) throws -> SceneObject {
        let type = try typeField(node, ["sphere", "box", "quad", "plane", "cylinder", "mesh"], what: "object type")
        let common = ["type", "name", "transform", "material", "body", "visible"]
        let shape: Shape
        let o: JSONObject
        switch type {
        case "sphere":
            o = try node.object(allowed: common + ["center", "radius"])
            shape = .sphere(center: try o.vector3("center", default: .zero), radius: try o.number("radius", in: 1e-6...1e5, default: 1))
        case "box":
            o = try node.object(allowed: common + ["size"])
            shape = .box(size: try o.vector3("size", in: 1e-6...1e5, default: Vec3d(1, 1, 1)))
        case "quad", "plane":
            o = try node.object(allowed: common + ["size"])
            var size = SIMD2<Double>(1, 1)
            if let s = o.optional("size") {
                let items = try s.array()
                guard items.count == 2 else { throw s.error("expected an array of 2 numbers in 0.000001...100000, got \(s.value.brief)") }
                size = SIMD2(try items[0].number(in: 1e-6...1e5), try items[1].number(in: 1e-6...1e5))
            }
            shape = .quad(size: size)
        case "cylinder":
            o = try node.object(allowed: common + ["radius", "height"])
            shape = .cylinder(radius: try o.number("radius", in: 1e-6...1e5, default: 0.5), height: try o.number("height", in: 1e-6...1e5, default: 1))
        default:
            o = try node.object(allowed: common + ["path", "normalize", "up_axis"])
            let pathNode = try o.required("path", hint: "the mesh file, relative to the scene file")
            let path = try pathNode.string()
            let url = try existingFile(path, node: pathNode)
            let up = try o.optional("up_axis")?.choice(["y", "z"], what: "up axis") ?? "y"
            shape = .mesh(MeshSource(url: url, path: path, normalize: try o.optional("normalize")?.bool() ?? false, upAxis: up))
        }
        let name = try o.optional("name")?.string() ?? "\(type)-\(index)"
        let transform = try decodeTransform(o.optional("transform"))
        if case .sphere = shape, let t = o.optional("transform") {
            let sx = length(transform.transformVector(Vec3d(1, 0, 0))), sy = length(transform.transformVector(Vec3d(0, 1, 0))),
                sz = length(transform.transformVector(Vec3d(0, 0, 1)))
            guard abs(sx - sy) < 1e-9 * sx, abs(sx - sz) < 1e-9 * sx else {
                throw t.child("scale", .null).error("a sphere needs a uniform scale; use a mesh for ellipsoids")
            }
        }
        var material: Material? = nil
        if let m = o.optional("material") {
            material = try decodeMaterialReference(m, materials: materials)
        } else if case .mesh = shape {
            material = nil
        } else {
            material = Material()
        }
        var object = SceneObject(name: name, shape: shape, transform: transform, material: material, jsonPath: node.path)
        object.visible = try o.optional("visible")?.bool() ?? true
        return object
    }

    /// A material given inline or by the name of one in the top-level `materials`.
    func decodeMaterialReference(_ m: JSONNode, materials: [String: Material]) throws -> Material {
        guard case .string(let ref) = m.value else { return try decodeMaterial(m) }
        guard let found = materials[ref] else {
            var message = "unknown material \"\(ref)\""
            if let s = closestMatch(to: ref, among: Array(materials.keys)) { message += "; did you mean \"\(s)\"?" }
            else { message += materials.isEmpty ? " (the scene has no \"materials\" section)" : " (defined: \(materials.keys.sorted().joined(separator: ", ")))" }
            throw m.error(message)
        }
        return found
    }

    func decodeMaterial(_ node: JSONNode) throws -> Material {
        let o = try node.object(allowed: ["base_color", "base_color_texture", "metallic", "roughness", "specular", "emission"])
        var m = Material()
        m.baseColor = try o.color("base_color", default: m.baseColor)
        if let t = o.optional("base_color_texture") {
            let path = try t.string()
            let url = try existingFile(path, node: t)
            guard ["png", "jpg", "jpeg"].contains(url.pathExtension.lowercased()) else {
                throw t.error("texture \"\(path)\" is not a PNG or JPEG file; convert it to PNG")
            }
            m.baseColorTexture = url
            if !o.has("base_color") { m.baseColor = Vec3d(1, 1, 1) }
        }
        m.metallic = try o.number("metallic", in: 0...1, default: m.metallic)
        m.roughness = try o.number("roughness", in: 0...1, default: m.roughness)
        m.specular = try o.number("specular", in: 0...1, default: m.specular)
        m.emission = try o.color("emission", in: 0...1e9, default: m.emission)
        return m
    }

    func decodeTransform(_ node: JSONNode?) throws -> Matrix4 {
        guard let node else { return .identity }
        let o = try node.object(allowed: ["translate", "rotate_deg", "scale"])
        let t = try o.vector3("translate", default: .zero)
        let r = try o.vector3("rotate_deg", in: -3600...3600, default: .zero) * (.pi / 180)
        var s = Vec3d(1, 1, 1)
        if let sNode = o.optional("scale") {
            if case .number = sNode.value { s = Vec3d(repeating: try sNode.number(in: 1e-6...1e6)) }
            else { s = try sNode.vector3(in: 1e-6...1e6) }
        }
        // Euler angles applied about X, then Y, then Z (world axes).
        let rotation = Matrix4.rotation(axis: Vec3d(0, 0, 1), angle: r.z) * Matrix4.rotation(axis: Vec3d(0, 1, 0), angle: r.y)
            * Matrix4.rotation(axis: Vec3d(1, 0, 0), angle: r.x)
        return Matrix4.translation(t) * rotation * Matrix4.scale(s)
    }

    // MARK: helpers

    func typeField(_ node: JSONNode, _ kinds: [String], what: String) throws -> String {
        guard case .object(let dict) = node.value else { throw node.error("expected an object, got \(node.value.brief)") }
        guard let t = dict["type"] else { throw node.error("missing required key \"type\" (one of: \(kinds.joined(separator: ", ")))") }
        return try node.child("type", t).choice(kinds, what: what)
    }

    func existingFile(_ path: String, node: JSONNode) throws -> URL {
        let url: URL
        do { url = try PathPolicy.resolve(path, in: baseDirectory, field: node.path) } catch {
            throw node.error("file \"\(path)\" leads outside the scene's folder; keep assets beside the scene (or allow outside paths)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw node.error("file \"\(path)\" not found (paths are relative to the scene file)")
        }
        guard FileManager.default.isReadableFile(atPath: url.path) else { throw node.error("file \"\(path)\" is not readable") }
        return url.standardizedFileURL
    }
}

extension JSONNode {
    func objectKeys() throws -> [String] {
        guard case .object(let d) = value else { throw error("expected an object, got \(value.brief)") }
        return Array(d.keys)
    }
}
