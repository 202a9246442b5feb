import FileSafety
import Foundation
import Geometry

/// Scene *i* of a recipe, as the scene file `orbit recipe expand` prints.
public struct RecipeScene: Sendable {
    /// Index in the family, 0..<count.
    public var index: Int
    /// Zero-padded index: the folder name in a batch (`000042`).
    public var id: String
    /// The scene's name: `RECIPE-000042`.
    public var name: String
    /// The render seed drawn for this scene.
    public var seed: UInt64
    /// The scene file (format 1), its paths relative to the recipe's folder.
    public var document: JSONOutput
    /// Objects drawn (the floor not counted).
    public var objects: Int

    /// The name the scene file goes by (`tabletop-000042.json`): metadata.json records it, so saved under this
    /// name beside the recipe it generates the very bytes a batch makes.
    public var fileName: String { name + ".json" }

    /// The scene file's bytes: what `orbit recipe expand` prints and a batch keeps as `scene.json`.
    public var data: Data { Data((document.rendered() + "\n").utf8) }

    /// The scene decoded as the scene file `file` lying in the recipe's folder (where its asset paths point).
    public func decoded(file: String, recipe: Recipe) throws -> Scene {
        try SceneLoader.decode(data, file: file, baseDirectory: recipe.baseDirectory)
    }
}

extension Recipe {
    /// Scene `index` (0..<count): a pure function of the recipe, the index and the seed. Each concern draws from
    /// its own stream keyed by (seed, index), so a change to the lights leaves the objects where they were.
    /// Throws a `SceneError` naming `objects` when the drawn objects do not fit in the region.
    public func scene(at index: Int) throws -> RecipeScene {
        precondition(index >= 0 && index < count, "scene index out of range")
        func stream(_ tag: UInt64) -> RandomStream { RandomStream(seed: seed, UInt64(index), tag) }
        var seedStream = stream(5)
        let renderSeed = seedStream.nextUInt64() >> 11
        var cameraStream = stream(1)
        let (cameraJSON, rigJSON, lookAt) = drawCamera(&cameraStream)
        var lightStream = stream(2)
        let (lightsJSON, backgroundJSON) = drawLights(&lightStream, lookAt: lookAt)
        var objectStream = stream(3)
        let objectsJSON = try drawObjects(&objectStream, index: index)
        var members: [(String, JSONOutput)] = [
            ("format", .integer(1)),
            ("name", .string("\(name)-\(sceneID(index))")),
            ("description", .string("scene \(index) of recipe \(name) (seed \(seed))")),
            ("camera", cameraJSON),
            ("render", .object([("spp", .integer(image.samplesPerPixel)), ("max_bounces", .integer(image.maxBounces)),
                                ("seed", .integer(Int(renderSeed)))])),
            ("frame_rate", .number(image.frameRate)),
            ("rig", rigJSON),
            ("background", backgroundJSON),
            ("lights", .array(lightsJSON)),
        ]
        if world.kind != .still {
            var physics: [(String, JSONOutput)] = [("duration", .number(world.duration)), ("clip", .string(world.kind == .live ? "live" : "frozen"))]
            if world.kind == .frozen { physics.append(("freeze_at", .string("rest"))) }
            members.append(("physics", .object(physics)))
        }
        var objects = objectsJSON
        if let floor {
            var floorStream = stream(4)
            objects.insert(drawFloor(floor, &floorStream), at: 0)
        }
        members.append(("objects", .array(objects)))
        return RecipeScene(index: index, id: sceneID(index), name: "\(name)-\(sceneID(index))", seed: renderSeed,
                           document: .object(members), objects: objectsJSON.count)
    }

    // MARK: cameras and lights

    func drawCamera(_ rng: inout RandomStream) -> (camera: JSONOutput, rig: JSONOutput, lookAt: Vec3d) {
        let c = self.camera
        let fov = c.fovDegrees.draw(&rng)
        let lookAt = c.lookAt.draw(&rng)
        let cameraJSON = JSONOutput.object([("width", .integer(image.width)), ("height", .integer(image.height)), ("fov_x_deg", num(fov))])
        func eye(radius: Double, elevation: Double, azimuth: Double) -> Vec3d {
            let e = elevation * .pi / 180, a = azimuth * .pi / 180
            return lookAt + radius * Vec3d(cos(e) * cos(a), cos(e) * sin(a), sin(e))
        }
        let rig: JSONOutput
        switch c.rig {
        case .orbit:
            let radius = c.radius.draw(&rng)
            let elevations = (0..<c.rings).map { _ in c.elevationDegrees.draw(&rng) }.sorted()
            let start = 360 * rng.nextDouble()
            rig = .object([("type", .string("orbit")), ("radius", num(radius)), ("elevations_deg", .array(elevations.map(num))),
                           ("frames", .integer(c.frames)), ("start_azimuth_deg", num(start)), ("look_at", vec(lookAt)),
                           ("test_every", .integer(c.testEvery))])
        case .random:
            let radius = c.radius.draw(&rng)
            let (low, high) = c.elevationDegrees.bounds
            rig = .object([("type", .string("random")), ("count", .integer(c.frames)), ("radius", num(radius)),
                           ("min_elevation_deg", num(low)), ("max_elevation_deg", num(high)), ("look_at", vec(lookAt)),
                           ("test_every", .integer(c.testEvery))])
        case .path:
            let start = 360 * rng.nextDouble(), sweep = c.sweepDegrees.draw(&rng)
            let keys: [JSONOutput] = (0..<c.keyframes).map { k in
                let azimuth = start + sweep * Double(k) / Double(c.keyframes - 1)
                let p = eye(radius: c.radius.draw(&rng), elevation: c.elevationDegrees.draw(&rng), azimuth: azimuth)
                return .object([("eye", vec(p)), ("look_at", vec(lookAt))])
            }
            rig = .object([("type", .string("path")), ("keyframes", .array(keys)), ("frames", .integer(c.frames))])
        case .fixed:
            let azimuth = 360 * rng.nextDouble()
            let p = eye(radius: c.radius.draw(&rng), elevation: c.elevationDegrees.draw(&rng), azimuth: azimuth)
            rig = .object([("type", .string("fixed")), ("eye", vec(p)), ("look_at", vec(lookAt)), ("frames", .integer(c.frames))])
        }
        return (cameraJSON, rig, lookAt)
    }

    func drawLights(_ rng: inout RandomStream, lookAt: Vec3d) -> (lights: [JSONOutput], background: JSONOutput) {
        var lights: [JSONOutput] = []
        if let env = self.lights.environment {
            let present = rng.nextDouble() < env.probability || background == .environment
            let intensity = env.intensity.draw(&rng), top = env.top.draw(&rng), bottom = env.bottom.draw(&rng)
            if present {
                lights.append(.object([("type", .string("environment")), ("top", vec(top * intensity)), ("bottom", vec(bottom * intensity))]))
            }
        }
        if let sun = self.lights.sun {
            let present = rng.nextDouble() < sun.probability
            let e = sun.elevationDegrees.draw(&rng) * .pi / 180, a = sun.azimuthDegrees.draw(&rng) * .pi / 180
            let irradiance = sun.irradiance.draw(&rng), color = sun.color.draw(&rng)
            if present {
                // the direction light travels: from the sun's position in the sky down towards the scene
                let towardsSun = Vec3d(cos(e) * cos(a), cos(e) * sin(a), sin(e))
                lights.append(.object([("type", .string("directional")), ("direction", vec(-towardsSun)), ("irradiance", vec(color * irradiance))]))
            }
        }
        if let area = self.lights.area {
            for _ in 0..<area.count.draw(&rng) {
                let size = area.size.draw(&rng), distance = area.distance.draw(&rng)
                let e = area.elevationDegrees.draw(&rng) * .pi / 180, a = area.azimuthDegrees.draw(&rng) * .pi / 180
                let radiance = area.radiance.draw(&rng), color = area.color.draw(&rng)
                let center = lookAt + distance * Vec3d(cos(e) * cos(a), cos(e) * sin(a), sin(e))
                let n = normalize(lookAt - center)
                var u = cross(n, Vec3d(0, 0, 1))
                if length(u) < 1e-6 { u = Vec3d(1, 0, 0) }
                u = normalize(u)
                // the quad emits towards edge1 × edge2 = size² · n: at the look-at point
                let edge1 = u * size, edge2 = cross(n, u) * size
                lights.append(.object([("type", .string("quad")), ("corner", vec(center - edge1 / 2 - edge2 / 2)), ("edge1", vec(edge1)),
                                       ("edge2", vec(edge2)), ("radiance", vec(color * radiance))]))
            }
        }
        let backgroundJSON: JSONOutput
        switch background {
        case .transparent: backgroundJSON = .object([("type", .string("transparent"))])
        case .environment: backgroundJSON = .object([("type", .string("environment"))])
        case .color(let spec): backgroundJSON = .object([("type", .string("color")), ("color", vec(spec.draw(&rng)))])
        }
        return (lights, backgroundJSON)
    }

    // MARK: objects

    func drawFloor(_ floor: FloorRecipe, _ rng: inout RandomStream) -> JSONOutput {
        var members: [(String, JSONOutput)] = [("type", .string("plane")), ("name", .string("floor")),
                                               ("size", .vector([r(floor.size.x), r(floor.size.y)])),
                                               ("material", drawMaterial(floor.material, &rng))]
        let friction = floor.friction.draw(&rng), restitution = floor.restitution.draw(&rng)
        if world.kind != .still {
            members.append(("body", .object([("type", .string("static")), ("friction", num(friction)), ("restitution", num(restitution))])))
        }
        if !floor.visible { members.append(("visible", .bool(false))) }
        return .object(members)
    }

    /// The drawn objects, placed without overlap: bounding circles in x and y on a floor (bounding spheres
    /// without one), at most `Placement.attempts` tries each.
    func drawObjects(_ rng: inout RandomStream, index: Int) throws -> [JSONOutput] {
        let n = objects.count.draw(&rng)
        var placed: [(Vec3d, Double)] = []
        var out: [JSONOutput] = []
        let weights = objects.pool.map(\.weight)
        for k in 0..<n {
            let entry = objects.pool[Self.pick(weights, &rng)]
            var members: [(String, JSONOutput)]
            let radius: Double, restHeight: Double
            var scale: Double? = nil
            switch entry.shape {
            case .sphere(let rs):
                let rad = rs.draw(&rng)
                members = [("type", .string("sphere")), ("name", .string(String(format: "%03d-sphere", k))), ("radius", num(rad))]
                radius = rad; restHeight = rad
            case .box(let ss):
                let s = ss.draw(&rng)
                members = [("type", .string("box")), ("name", .string(String(format: "%03d-box", k))), ("size", .vector([r(s), r(s), r(s)]))]
                radius = s * 3.0.squareRoot() / 2; restHeight = s / 2
            case .cylinder(let rs, let hs):
                let rad = rs.draw(&rng), h = hs.draw(&rng)
                members = [("type", .string("cylinder")), ("name", .string(String(format: "%03d-cylinder", k))), ("radius", num(rad)), ("height", num(h))]
                radius = (rad * rad + h * h / 4).squareRoot(); restHeight = h / 2
            case .mesh(let path, let ss, let up):
                let s = ss.draw(&rng)
                let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                members = [("type", .string("mesh")), ("name", .string(String(format: "%03d-", k) + stem)), ("path", .string(path)),
                           ("normalize", .bool(true)), ("up_axis", .string(up))]
                // normalised into the unit sphere: its bounding sphere has radius `s`; still worlds rest on it
                radius = s; restHeight = s; scale = s
            }
            let onFloor = floor != nil
            let dropHeight = world.kind == .still ? 0 : world.dropHeight.draw(&rng)
            guard let xy = Self.place(radius: radius, lower: objects.regionLower, upper: objects.regionUpper, planar: onFloor, placed: placed, rng: &rng) else {
                throw SceneError(file: file, path: "objects.region",
                                 message: "scene \(index): no room for object \(k + 1) of \(n) (radius \(formatNumber(r(radius))) m) without overlap after \(Self.attempts) tries; enlarge the region or lower the count or sizes")
            }
            placed.append((xy, radius))
            var position = xy
            if onFloor { position.z = world.kind == .still ? restHeight : radius + dropHeight }
            let rotation: Vec3d = world.kind == .still
                ? Vec3d(0, 0, 360 * rng.nextDouble())
                : Vec3d(360 * rng.nextDouble(), 360 * rng.nextDouble(), 360 * rng.nextDouble())
            var transform: [(String, JSONOutput)] = [("translate", vec(position)), ("rotate_deg", vec(rotation))]
            if let scale { transform.append(("scale", num(scale))) }
            members.append(("transform", .object(transform)))
            if let material = materialFor(entry) { members.append(("material", drawMaterial(material, &rng))) }
            if world.kind != .still { members.append(("body", drawBody(at: position, &rng))) }
            out.append(.object(members))
        }
        return out
    }

    /// The material an entry's objects get; nil: a mesh's own file materials.
    func materialFor(_ entry: PoolEntry) -> MaterialRecipe? {
        if let m = entry.material { return m.kinds.isEmpty ? objects.material : m }
        if case .mesh = entry.shape { return nil }
        return objects.material
    }

    func drawMaterial(_ recipe: MaterialRecipe, _ rng: inout RandomStream) -> JSONOutput {
        let kind = recipe.kinds[Self.pick(recipe.weights, &rng)]
        var members: [(String, JSONOutput)] = [("base_color", vec(kind.color.draw(&rng))), ("roughness", num(kind.roughness.draw(&rng))),
                                               ("metallic", num(kind.metallic.draw(&rng))), ("specular", num(kind.specular.draw(&rng)))]
        let textured = rng.nextDouble() < kind.textureProbability
        let texture = rng.nextUInt64()
        if textured, !kind.textures.isEmpty {
            members.append(("base_color_texture", .string(kind.textures[Int(texture % UInt64(kind.textures.count))])))
        }
        return .object(members)
    }

    func drawBody(at position: Vec3d, _ rng: inout RandomStream) -> JSONOutput {
        var members: [(String, JSONOutput)] = [("type", .string("dynamic")), ("density", num(world.density.draw(&rng))),
                                               ("friction", num(world.friction.draw(&rng))), ("restitution", num(world.restitution.draw(&rng)))]
        let speed = world.throwSpeed.draw(&rng), spin = world.spinDegrees.draw(&rng)
        let angle = 2 * .pi * rng.nextDouble()
        let axis = Self.unitVector(&rng)
        if world.kind == .live, speed > 0 {
            // thrown horizontally towards the region's centre (in a random direction from the centre itself)
            let centre = (objects.regionLower + objects.regionUpper) / 2
            var d = Vec3d(centre.x - position.x, centre.y - position.y, 0)
            if length(d) < 1e-6 { d = Vec3d(cos(angle), sin(angle), 0) }
            members.append(("velocity", vec(normalize(d) * speed)))
        }
        if world.kind == .live, spin > 0 { members.append(("angular_velocity_deg", vec(axis * spin))) }
        return .object(members)
    }

    // MARK: helpers

    static let attempts = 1000

    /// A centre in the region whose bounding circle (or sphere, when not `planar`) keeps clear of the placed ones.
    static func place(radius: Double, lower: Vec3d, upper: Vec3d, planar: Bool, placed: [(Vec3d, Double)], rng: inout RandomStream) -> Vec3d? {
        for _ in 0..<attempts {
            var p = lower + (upper - lower) * Vec3d(rng.nextDouble(), rng.nextDouble(), rng.nextDouble())
            if planar { p.z = 0 }
            let clear = placed.allSatisfy { q, s in
                var d = p - q
                if planar { d.z = 0 }
                return length(d) >= radius + s + 0.01
            }
            if clear { return p }
        }
        return nil
    }

    static func pick(_ weights: [Double], _ rng: inout RandomStream) -> Int {
        let total = weights.reduce(0, +)
        var u = rng.nextDouble() * total
        for (i, w) in weights.enumerated() {
            if u < w { return i }
            u -= w
        }
        return weights.count - 1
    }

    static func unitVector(_ rng: inout RandomStream) -> Vec3d {
        let z = 2 * rng.nextDouble() - 1, a = 2 * .pi * rng.nextDouble(), s = (1 - z * z).squareRoot()
        return Vec3d(s * cos(a), s * sin(a), z)
    }
}

/// Values rounded to micrometres (and millionths), so scene files stay readable.
private func r(_ x: Double) -> Double {
    let v = (x * 1e6).rounded() / 1e6
    return v == 0 ? 0 : v
}
private func num(_ x: Double) -> JSONOutput { .number(r(x)) }
private func vec(_ v: Vec3d) -> JSONOutput { .vector([r(v.x), r(v.y), r(v.z)]) }
