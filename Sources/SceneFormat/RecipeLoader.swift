import FileSafety
import Foundation
import Geometry

/// Reads recipe files (format v1, scenes/recipes.md) as strictly as scene files: unknown keys, wrong types,
/// out-of-range values and missing files are `SceneError`s naming the file and the JSON path.
public enum RecipeLoader {
    public static let formatVersion = 1
    /// Scenes a recipe may describe.
    public static let maxCount = 10_000_000
    /// Mesh files a pool folder is listed for (by extension, case-insensitive).
    public static let meshExtensions = ["obj", "ply", "stl", "glb", "gltf", "fbx"]

    /// Loads and validates the recipe at `path` (as the user typed it).
    public static func load(path: String) throws -> Recipe {
        let url = URL(fileURLWithPath: path)
        return try decode(try JSONNode.contents(of: url, file: path, what: "recipe"), file: path, baseDirectory: url.deletingLastPathComponent())
    }

    /// Decodes recipe JSON; relative paths resolve against `baseDirectory`.
    public static func decode(_ data: Data, file: String, baseDirectory: URL) throws -> Recipe {
        let root = try JSONNode.root(data, file: file)
        var decoder = RecipeDecoder(scene: SceneDecoder(file: file, baseDirectory: baseDirectory))
        return try decoder.decode(root, sourceBytes: data)
    }
}

struct RecipeDecoder {
    let scene: SceneDecoder
    var assets: Set<URL> = []

    static let topKeys = ["recipe", "name", "description", "count", "seed", "image", "camera", "background", "lights", "floor",
                          "objects", "world"]

    mutating func decode(_ root: JSONNode, sourceBytes: Data) throws -> Recipe {
        let top = try root.object(allowed: Self.topKeys)
        let version = try top.required("recipe", hint: "add \"recipe\": 1")
        guard case .number(let v) = version.value, v == Double(RecipeLoader.formatVersion) else {
            throw version.error("unsupported recipe format \(version.value.brief); this version of orbit reads recipe format 1")
        }
        var stem = URL(fileURLWithPath: scene.file).lastPathComponent
        for suffix in [".recipe.json", ".json"] where stem.hasSuffix(suffix) { stem.removeLast(suffix.count); break }
        let name = try top.optional("name")?.string() ?? stem
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw (top.optional("name") ?? root).error("expected a name of 1 to 100 letters, digits, '-', '_' or '.', got \"\(name)\"")
        }
        _ = try top.optional("description")?.string()
        let count = try top.required("count", hint: "how many scenes, e.g. \"count\": 1000").integer(in: 1...RecipeLoader.maxCount)
        let seed = UInt64(try top.integer("seed", in: 0...Int(1 << 53), default: 0))
        let image = try decodeImage(top.optional("image"))
        let camera = try decodeCamera(top.optional("camera"))
        let background = try decodeBackground(top.optional("background"))
        let lights = try decodeLights(top.optional("lights"))
        let floor = try top.optional("floor").map { try decodeFloor($0) }
        let objects = try decodeObjects(try top.required("objects", hint: "{\"count\": ..., \"pool\": [...]}"))
        let world = try decodeWorld(top.optional("world"), floor: floor, image: image, root: root)
        if case .environment = background, lights.environment == nil {
            throw top.optional("background")!.error("an \"environment\" background needs \"lights.environment\"")
        }
        if floor == nil, objects.count.maximum == 0 {
            throw top.optional("objects")!.error("a scene needs at least one object; give a floor or objects")
        }
        return Recipe(name: name, file: scene.file, baseDirectory: scene.baseDirectory, count: count, seed: seed, image: image,
                      camera: camera, background: background, lights: lights, floor: floor, objects: objects, world: world,
                      sourceBytes: sourceBytes, assetFiles: assets.sorted { $0.path < $1.path })
    }

    // MARK: sections

    func decodeImage(_ node: JSONNode?) throws -> RecipeImage {
        var image = RecipeImage()
        guard let node else { return image }
        let o = try node.object(allowed: ["width", "height", "spp", "max_bounces", "frame_rate"])
        image.width = try o.integer("width", in: 1...SceneLimits.maxImageSide, default: image.width)
        image.height = try o.integer("height", in: 1...SceneLimits.maxImageSide, default: image.height)
        image.samplesPerPixel = try o.integer("spp", in: 1...SceneLimits.maxSamplesPerPixel, default: image.samplesPerPixel)
        image.maxBounces = try o.integer("max_bounces", in: 0...SceneLimits.maxBounces, default: image.maxBounces)
        image.frameRate = try o.number("frame_rate", in: 1...240, default: image.frameRate)
        return image
    }

    func decodeCamera(_ node: JSONNode?) throws -> CameraRecipe {
        var camera = CameraRecipe()
        guard let node else { return camera }
        let o = try node.object(allowed: ["rig", "frames", "rings", "keyframes", "radius", "elevation_deg", "sweep_deg", "fov_x_deg",
                                          "look_at", "test_every"])
        if let r = o.optional("rig") {
            camera.rig = CameraRecipe.Rig(rawValue: try r.choice(CameraRecipe.Rig.allCases.map(\.rawValue), what: "camera rig"))!
        }
        if camera.rig == .fixed { camera.frames = 1 }
        camera.frames = try o.integer("frames", in: camera.rig == .path ? 2...SceneLimits.maxViews : 1...SceneLimits.maxViews, default: camera.frames)
        camera.rings = try o.integer("rings", in: 1...100, default: camera.rings)
        if camera.frames * camera.rings > SceneLimits.maxViews {
            throw node.error("expected at most \(SceneLimits.maxViews) views in all, got \(camera.frames * camera.rings) (frames × rings)")
        }
        camera.keyframes = try o.integer("keyframes", in: 2...1000, default: camera.keyframes)
        camera.radius = try scalar(o, "radius", in: 1e-3...1e5, default: camera.radius)
        camera.elevationDegrees = try scalar(o, "elevation_deg", in: -89...89, default: camera.elevationDegrees)
        camera.sweepDegrees = try scalar(o, "sweep_deg", in: -3600...3600, default: camera.sweepDegrees)
        camera.fovDegrees = try scalar(o, "fov_x_deg", in: 1...170, default: camera.fovDegrees)
        camera.lookAt = try point(o, "look_at", default: camera.lookAt)
        camera.testEvery = try o.integer("test_every", in: 0...SceneLimits.maxViews, default: 0)
        return camera
    }

    func decodeBackground(_ node: JSONNode?) throws -> BackgroundRecipe {
        guard let node else { return .transparent }
        let type = try scene.typeField(node, ["transparent", "color", "environment"], what: "background type")
        switch type {
        case "transparent":
            _ = try node.object(allowed: ["type"])
            return .transparent
        case "color":
            let o = try node.object(allowed: ["type", "color"])
            return .color(try color(o, "color", default: .fixed(Vec3d(0.05, 0.05, 0.05))))
        default:
            _ = try node.object(allowed: ["type"])
            return .environment
        }
    }

    func decodeLights(_ node: JSONNode?) throws -> LightsRecipe {
        var lights = LightsRecipe()
        guard let node else { return lights }
        let o = try node.object(allowed: ["environment", "sun", "area"])
        lights.environment = try o.optional("environment").map { n in
            let e = try n.object(allowed: ["top", "bottom", "intensity", "probability"])
            var env = LightsRecipe.Environment()
            env.top = try color(e, "top", in: 0...1e6, default: env.top)
            env.bottom = try color(e, "bottom", in: 0...1e6, default: env.bottom)
            env.intensity = try scalar(e, "intensity", in: 0...1e6, default: env.intensity)
            env.probability = try e.number("probability", in: 0...1, default: 1)
            return env
        }
        lights.sun = try o.optional("sun").map { n in
            let s = try n.object(allowed: ["elevation_deg", "azimuth_deg", "irradiance", "color", "probability"])
            var sun = LightsRecipe.Sun()
            sun.elevationDegrees = try scalar(s, "elevation_deg", in: 1...90, default: sun.elevationDegrees)
            sun.azimuthDegrees = try scalar(s, "azimuth_deg", in: -360...360, default: sun.azimuthDegrees)
            sun.irradiance = try scalar(s, "irradiance", in: 0...1e6, default: sun.irradiance)
            sun.color = try color(s, "color", in: 0...1e6, default: sun.color)
            sun.probability = try s.number("probability", in: 0...1, default: 1)
            return sun
        }
        lights.area = try o.optional("area").map { n in
            let a = try n.object(allowed: ["count", "size", "distance", "elevation_deg", "azimuth_deg", "radiance", "color"])
            var area = LightsRecipe.Area()
            area.count = try integer(a, "count", in: 0...16, default: area.count)
            area.size = try scalar(a, "size", in: 1e-3...1e3, default: area.size)
            area.distance = try scalar(a, "distance", in: 1e-3...1e5, default: area.distance)
            area.elevationDegrees = try scalar(a, "elevation_deg", in: -89...89, default: area.elevationDegrees)
            area.azimuthDegrees = try scalar(a, "azimuth_deg", in: -360...360, default: area.azimuthDegrees)
            area.radiance = try scalar(a, "radiance", in: 0...1e9, default: area.radiance)
            area.color = try color(a, "color", in: 0...1e6, default: area.color)
            return area
        }
        return lights
    }

    mutating func decodeFloor(_ node: JSONNode) throws -> FloorRecipe {
        let o = try node.object(allowed: ["size", "material", "friction", "restitution", "visible"])
        var floor = FloorRecipe()
        if let s = o.optional("size") {
            let items = try s.array()
            guard items.count == 2 else { throw s.error("expected [width, depth] in metres, got \(s.value.brief)") }
            floor.size = SIMD2(try items[0].number(in: 1e-3...1e5), try items[1].number(in: 1e-3...1e5))
        }
        if let m = o.optional("material") { floor.material = try material(m) }
        floor.friction = try scalar(o, "friction", in: 0...10, default: floor.friction)
        floor.restitution = try scalar(o, "restitution", in: 0...0.9, default: floor.restitution)
        floor.visible = try o.optional("visible")?.bool() ?? true
        return floor
    }

    mutating func decodeObjects(_ node: JSONNode) throws -> ObjectsRecipe {
        let o = try node.object(allowed: ["count", "pool", "material", "region"])
        var objects = ObjectsRecipe()
        objects.count = try integer(o, "count", in: 0...1000, default: objects.count)
        if let m = o.optional("material") { objects.material = try material(m) }
        if let r = o.optional("region") {
            (objects.regionLower, objects.regionUpper) = try scene.region(r)
        }
        let poolNode = try o.required("pool", hint: "shapes and meshes to draw from, e.g. [{\"type\": \"sphere\", \"radius\": [0.1, 0.3]}]")
        let items = try poolNode.array()
        guard !items.isEmpty else { throw poolNode.error("expected at least one pool entry, got an empty array") }
        for item in items { objects.pool += try poolEntries(item) }
        return objects
    }

    /// A pool entry; a folder becomes one mesh entry per mesh file in it (sorted by name), sharing its weight.
    mutating func poolEntries(_ node: JSONNode) throws -> [PoolEntry] {
        let type = try scene.typeField(node, ["sphere", "box", "cylinder", "mesh", "folder"], what: "pool entry type")
        let common = ["type", "weight", "material"]
        let o: JSONObject
        var shapes: [PoolEntry.Shape]
        var recolor = false
        switch type {
        case "sphere":
            o = try node.object(allowed: common + ["radius"])
            shapes = [.sphere(radius: try scalar(o, "radius", in: 1e-4...1e4, default: .uniform(0.1, 0.3)))]
        case "box":
            o = try node.object(allowed: common + ["size"])
            shapes = [.box(size: try scalar(o, "size", in: 1e-4...1e4, default: .uniform(0.2, 0.5)))]
        case "cylinder":
            o = try node.object(allowed: common + ["radius", "height"])
            shapes = [.cylinder(radius: try scalar(o, "radius", in: 1e-4...1e4, default: .uniform(0.1, 0.25)),
                                height: try scalar(o, "height", in: 1e-4...1e4, default: .uniform(0.2, 0.5)))]
        default:
            o = try node.object(allowed: common + ["path", "scale", "up_axis", "recolor"] + (type == "folder" ? ["extensions"] : []))
            let pathNode = try o.required("path", hint: type == "mesh" ? "the mesh file, relative to the recipe" : "a folder of meshes, relative to the recipe")
            let path = try pathNode.string()
            let scale = try scalar(o, "scale", in: 1e-4...1e4, default: .uniform(0.3, 0.6))
            let up = try o.optional("up_axis")?.choice(["y", "z"], what: "up axis") ?? "y"
            recolor = try o.optional("recolor")?.bool() ?? false
            let paths = type == "mesh" ? [path] : try folderMeshes(path, node: pathNode, extensions: o.optional("extensions"))
            shapes = []
            for p in paths {
                assets.insert(try scene.existingFile(p, node: pathNode))
                shapes.append(.mesh(path: p, scale: scale, upAxis: up))
            }
        }
        let weight = try o.number("weight", in: 1e-9...1e9, default: 1)
        var material: MaterialRecipe? = nil
        if let m = o.optional("material") { material = try self.material(m) }
        return shapes.map { shape in
            var entry = PoolEntry(shape: shape, weight: weight / Double(shapes.count), material: material)
            if case .mesh = shape, recolor, material == nil { entry.material = MaterialRecipe.useObjects }
            return entry
        }
    }

    /// The mesh files directly inside `path`, sorted by name, as paths relative to the recipe.
    func folderMeshes(_ path: String, node: JSONNode, extensions: JSONNode?) throws -> [String] {
        var allowed = RecipeLoader.meshExtensions
        if let e = extensions {
            let items = try e.array()
            guard !items.isEmpty else { throw e.error("expected at least one extension, got an empty array") }
            allowed = try items.map { try $0.string().lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
        }
        let url: URL
        do { url = try PathPolicy.resolve(path, in: scene.baseDirectory, field: node.path) } catch {
            throw node.error("folder \"\(path)\" leads outside the recipe's folder; keep assets beside the recipe (or allow outside paths)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw node.error("folder \"\(path)\" not found (paths are relative to the recipe file)")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
            .filter { allowed.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) && !$0.hasPrefix(".") }.sorted()
        guard !names.isEmpty else {
            throw node.error("folder \"\(path)\" holds no mesh files (\(allowed.map { "." + $0 }.joined(separator: ", ")))")
        }
        guard names.count <= 100_000 else { throw node.error("folder \"\(path)\" holds \(names.count) meshes, more than the limit of 100000") }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return names.map { prefix + $0 }
    }

    func decodeWorld(_ node: JSONNode?, floor: FloorRecipe?, image: RecipeImage, root: JSONNode) throws -> WorldRecipe {
        var world = WorldRecipe()
        guard let node else { return world }
        let o = try node.object(allowed: ["type", "duration", "drop_height", "throw_speed", "spin_deg", "density", "friction", "restitution"])
        if let t = o.optional("type") {
            world.kind = WorldRecipe.Kind(rawValue: try t.choice(WorldRecipe.Kind.allCases.map(\.rawValue), what: "world type"))!
        }
        world.duration = try o.number("duration", in: 0.001...600, default: world.duration)
        world.dropHeight = try scalar(o, "drop_height", in: 0...100, default: world.dropHeight)
        world.throwSpeed = try scalar(o, "throw_speed", in: 0...100, default: world.throwSpeed)
        world.spinDegrees = try scalar(o, "spin_deg", in: 0...36000, default: world.spinDegrees)
        world.density = try scalar(o, "density", in: 1e-3...1e5, default: world.density)
        world.friction = try scalar(o, "friction", in: 0...10, default: world.friction)
        world.restitution = try scalar(o, "restitution", in: 0...0.9, default: world.restitution)
        if world.kind != .still, floor == nil {
            throw (o.optional("type") ?? node).error("a \(world.kind.rawValue) world needs a \"floor\" for its objects to land on")
        }
        if world.kind == .live, world.duration * image.frameRate > Double(SceneLimits.maxViews) {
            throw node.error("a live clip of \(formatNumber(world.duration)) s at \(formatNumber(image.frameRate)) frames/s has more than \(SceneLimits.maxViews) frames; shorten \"duration\"")
        }
        return world
    }

    // MARK: distributions

    /// A material: one kind (an object of distributions) or `{"choice": [kinds], "weights": [...]}`.
    mutating func material(_ node: JSONNode) throws -> MaterialRecipe {
        var recipe = MaterialRecipe()
        if case .object(let d) = node.value, d["choice"] != nil {
            let o = try node.object(allowed: ["choice", "weights"])
            let items = try o.required("choice").array()
            guard !items.isEmpty, items.count <= 1000 else { throw node.error("expected 1 to 1000 material kinds in \"choice\"") }
            recipe.kinds = try items.map { try materialKind($0) }
            recipe.weights = Array(repeating: 1, count: items.count)
            if let w = o.optional("weights") {
                let ws = try w.array()
                guard ws.count == items.count else { throw w.error("expected \(items.count) weights, one per kind, got \(ws.count)") }
                recipe.weights = try ws.map { try $0.number(in: 1e-9...1e9) }
            }
            return recipe
        }
        recipe.kinds = [try materialKind(node)]
        return recipe
    }

    mutating func materialKind(_ node: JSONNode) throws -> MaterialRecipe.Kind {
        let o = try node.object(allowed: ["color", "roughness", "metallic", "specular", "textures", "texture_probability"])
        var kind = MaterialRecipe.Kind()
        kind.color = try color(o, "color", default: kind.color)
        kind.roughness = try scalar(o, "roughness", in: 0...1, default: kind.roughness)
        kind.metallic = try scalar(o, "metallic", in: 0...1, default: kind.metallic)
        kind.specular = try scalar(o, "specular", in: 0...1, default: kind.specular)
        if let t = o.optional("textures") {
            for item in try t.array() {
                let path = try item.string()
                let url = try scene.existingFile(path, node: item)
                guard ["png", "jpg", "jpeg"].contains(url.pathExtension.lowercased()) else {
                    throw item.error("texture \"\(path)\" is not a PNG or JPEG file; convert it to PNG")
                }
                assets.insert(url)
                kind.textures.append(path)
            }
        }
        kind.textureProbability = try o.number("texture_probability", in: 0...1, default: kind.textures.isEmpty ? 0 : 1)
        if kind.textureProbability > 0, kind.textures.isEmpty, let p = o.optional("texture_probability") {
            throw p.error("a texture probability needs \"textures\" to choose from")
        }
        return kind
    }

    /// A value drawn per scene as written: one value, `[min, max]`, or `{"choice": [values]}`.
    enum Drawn<T> { case fixed(T), uniform(T, T), choice([T]) }

    /// `o[key]` as a drawn value whose elements `element` reads (and range-checks); `what` describes the
    /// forms in messages.
    func drawn<T: Comparable>(_ o: JSONObject, _ key: String, what: String, _ element: (JSONNode) throws -> T) throws -> Drawn<T>? {
        guard let node = o.optional(key) else { return nil }
        switch node.value {
        case .number: return .fixed(try element(node))
        case .array(let a):
            guard a.count == 2 else { throw node.error("expected \(what), got \(node.value.brief)") }
            let items = try node.array()
            let lo = try element(items[0]), hi = try element(items[1])
            guard lo <= hi else { throw node.error("expected [min, max] with min ≤ max, got \(node.value.brief)") }
            return .uniform(lo, hi)
        case .object:
            let c = try node.object(allowed: ["choice"])
            let items = try c.required("choice").array()
            guard !items.isEmpty, items.count <= 10_000 else { throw node.error("expected 1 to 10000 values in \"choice\"") }
            return .choice(try items.map(element))
        default:
            throw node.error("expected \(what), got \(node.value.brief)")
        }
    }

    /// A number, `[min, max]` (uniform) or `{"choice": [numbers]}`, every value in `range`.
    func scalar(_ o: JSONObject, _ key: String, in range: ClosedRange<Double>, default value: ScalarSpec) throws -> ScalarSpec {
        let text = "a number, [min, max] or {\"choice\": [...]} in \(formatNumber(range.lowerBound))...\(formatNumber(range.upperBound))"
        switch try drawn(o, key, what: text, { try $0.number(in: range) }) {
        case nil: return value
        case .fixed(let v): return .fixed(v)
        case .uniform(let a, let b): return .uniform(a, b)
        case .choice(let values): return .choice(values)
        }
    }

    /// An integer, `[min, max]` (uniform, inclusive) or `{"choice": [integers]}`, every value in `range`.
    func integer(_ o: JSONObject, _ key: String, in range: ClosedRange<Int>, default value: IntegerSpec) throws -> IntegerSpec {
        let text = "an integer, [min, max] or {\"choice\": [...]} in \(range.lowerBound)...\(range.upperBound)"
        switch try drawn(o, key, what: text, { try $0.integer(in: range) }) {
        case nil: return value
        case .fixed(let v): return .fixed(v)
        case .uniform(let a, let b): return .uniform(a, b)
        case .choice(let values): return .choice(values)
        }
    }

    /// `[r, g, b]` (linear), `{"choice": [[r, g, b], ...]}` or `{"hsv": {"h": ..., "s": ..., "v": ...}}`.
    func color(_ o: JSONObject, _ key: String, in range: ClosedRange<Double> = 0...1, default value: ColorSpec) throws -> ColorSpec {
        guard let node = o.optional(key) else { return value }
        switch node.value {
        case .array: return .fixed(try node.vector3(in: range, what: "colour components"))
        case .object(let d) where d["hsv"] != nil:
            let c = try node.object(allowed: ["hsv"])
            let h = try c.required("hsv").object(allowed: ["h", "s", "v"])
            return .hsv(h: try scalar(h, "h", in: 0...1, default: .uniform(0, 1)), s: try scalar(h, "s", in: 0...1, default: .fixed(0.7)),
                        v: try scalar(h, "v", in: 0...1, default: .fixed(0.8)))
        case .object:
            let c = try node.object(allowed: ["choice", "hsv"])
            let items = try c.required("choice").array()
            guard !items.isEmpty, items.count <= 10_000 else { throw node.error("expected 1 to 10000 colours in \"choice\"") }
            return .choice(try items.map { try $0.vector3(in: range, what: "colour components") })
        default:
            throw node.error("expected [r, g, b], {\"choice\": [[r, g, b], ...]} or {\"hsv\": {...}}, got \(node.value.brief)")
        }
    }

    /// `[x, y, z]` or `{"min": [x, y, z], "max": [x, y, z]}` (uniform in the box).
    func point(_ o: JSONObject, _ key: String, default value: PointSpec) throws -> PointSpec {
        guard let node = o.optional(key) else { return value }
        if case .array = node.value { return .fixed(try node.vector3()) }
        let (lower, upper) = try scene.region(node)
        return .box(lower, upper)
    }
}

extension MaterialRecipe {
    /// Marks a mesh entry that takes the objects' material instead of its file's (`"recolor": true`).
    static let useObjects: MaterialRecipe = {
        var m = MaterialRecipe()
        m.kinds = []
        m.weights = []
        return m
    }()
}
