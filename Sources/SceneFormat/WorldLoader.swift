import Foundation
import Geometry

// Decoding of world scenes: the `physics` section, per-object `body` and `spawners` (scenes/README.md).
extension SceneDecoder {
    func decodePhysics(_ node: JSONNode) throws -> PhysicsSettings {
        let o = try node.object(allowed: ["gravity", "rate_hz", "duration", "clip", "freeze_at", "world_bounds", "tolerances", "solver"])
        var p = PhysicsSettings()
        p.gravity = try o.vector3("gravity", in: -1000...1000, default: p.gravity)
        p.rate = try o.number("rate_hz", in: 50...10_000, default: p.rate)
        p.duration = try o.number("duration", in: 0.001...600, default: p.duration)
        if let s = o.optional("solver") {
            let so = try s.object(allowed: ["method", "cone", "contact_time_constant"])
            if let m = so.optional("method") { p.solver.method = SolverSettings.Method(rawValue: try m.choice(SolverSettings.Method.allCases.map(\.rawValue), what: "solver method"))! }
            if let c = so.optional("cone") { p.solver.cone = SolverSettings.Cone(rawValue: try c.choice(SolverSettings.Cone.allCases.map(\.rawValue), what: "friction cone"))! }
            if let t = so.optional("contact_time_constant") {
                p.solver.contactTimeConstant = try t.number(in: 2 * p.timestep...10, rangeText: "\(formatNumber(2 * p.timestep))...10 s (at least two physics steps)")
            }
        }
        let mode = try o.optional("clip")?.choice(["live", "frozen"], what: "clip mode") ?? "live"
        if let f = o.optional("freeze_at") {
            guard mode == "frozen" else { throw f.error("\"freeze_at\" needs \"clip\": \"frozen\"") }
            if case .string = f.value {
                _ = try f.choice(["rest"], what: "freeze point")
                p.clip = .frozen(.rest)
            } else {
                p.clip = .frozen(.time(try f.number(in: 0...p.duration, rangeText: "0...duration (\(formatNumber(p.duration)) s), or \"rest\"")))
            }
        } else {
            p.clip = mode == "live" ? .live : .frozen(.rest)
        }
        if let b = o.optional("world_bounds") {
            let bo = try b.object(allowed: ["min", "max"])
            let lower = try bo.required("min").vector3(), upper = try bo.required("max").vector3()
            guard all(lower .< upper) else { throw b.error("expected \"min\" below \"max\" on every axis") }
            p.worldBounds = Bounds3(lower: lower, upper: upper)
        }
        if let t = o.optional("tolerances") {
            let to = try t.object(allowed: ["penetration_m", "resting_penetration_m", "energy_rise", "rest_speed", "rest_angular_speed_deg"])
            p.tolerances.penetration = try to.number("penetration_m", in: 1e-6...10, default: p.tolerances.penetration)
            p.tolerances.restingPenetration = try to.number("resting_penetration_m", in: 1e-6...10, default: p.tolerances.restingPenetration)
            p.tolerances.energyRise = try to.number("energy_rise", in: 0...10, default: p.tolerances.energyRise)
            p.tolerances.restSpeed = try to.number("rest_speed", in: 1e-6...10, default: p.tolerances.restSpeed)
            p.tolerances.restAngularSpeed = try to.number("rest_angular_speed_deg", in: 1e-4...3600,
                                                          default: p.tolerances.restAngularSpeed * 180 / .pi) * .pi / 180
        }
        return p
    }

    /// The object's `body`, defaulting to a static collider; `defaultKind` is `.dynamic` for spawned objects.
    func decodeBody(_ objectNode: JSONNode, object: SceneObject, defaultKind: Body.Kind = .static) throws -> Body {
        let isPlane: Bool
        if case .object(let d) = objectNode.value, case .string(let t)? = d["type"] { isPlane = t == "plane" } else { isPlane = false }
        var body = Body(kind: defaultKind)
        let bodyNode: JSONNode?
        if case .object(let d) = objectNode.value, let b = d["body"] { bodyNode = objectNode.child("body", b) } else { bodyNode = nil }
        if let node = bodyNode {
            let kindNode: JSONNode?
            if case .object(let d) = node.value, let t = d["type"] { kindNode = node.child("type", t) } else { kindNode = nil }
            if let kindNode { body.kind = Body.Kind(rawValue: try kindNode.choice(["dynamic", "static", "none"], what: "body type"))! }
            switch body.kind {
            case .dynamic:
                let o = try node.object(allowed: ["type", "mass", "density", "friction", "rolling_friction", "restitution", "velocity", "angular_velocity_deg"])
                if o.has("mass") && o.has("density") { throw node.error("give either \"mass\" or \"density\", not both") }
                body.mass = try o.optional("mass")?.number(in: 1e-6...1e6, rangeText: "1e-6...1e6 kg (a mass must be positive)")
                body.density = try o.number("density", in: 1e-3...1e5, default: body.density)
                try decodeSurface(o, into: &body)
                body.velocity = try o.vector3("velocity", in: -1000...1000, default: .zero)
                body.angularVelocity = try o.vector3("angular_velocity_deg", in: -36000...36000, default: .zero) * (.pi / 180)
            case .static:
                let o = try node.object(allowed: ["type", "friction", "rolling_friction", "restitution"])
                try decodeSurface(o, into: &body)
            case .none:
                _ = try node.object(allowed: ["type"])
            }
        }
        body.infinitePlane = isPlane && body.kind == .static
        if isPlane && body.kind == .dynamic {
            throw (bodyNode ?? objectNode).error("a \"plane\" is an infinite static collider and cannot move; use \"type\": \"quad\" for a thin dynamic card")
        }
        if body.kind != .none {
            let scale = object.transform.decomposed.scale
            if case .cylinder = object.shape, abs(scale.x - scale.y) > 1e-9 * max(scale.x, scale.y) {
                throw objectNode.child("transform", .null).child("scale", .null)
                    .error("a colliding cylinder needs the same scale in x and y; use a mesh for elliptic cylinders")
            }
        }
        return body
    }

    func decodeSurface(_ o: JSONObject, into body: inout Body) throws {
        body.friction = try o.number("friction", in: 0...10, default: body.friction)
        body.restitution = try o.number("restitution", in: 0...0.9, default: body.restitution)
        body.rollingFriction = try o.number("rolling_friction", in: 0...1, default: body.rollingFriction)
    }

    // MARK: spawners

    func decodeSpawner(_ node: JSONNode, existing: [SceneObject], materials: [String: Material]) throws -> [SceneObject] {
        let type = try typeField(node, ["drop", "movi", "tower"], what: "spawner type")
        switch type {
        case "tower": return try decodeTower(node, materials: materials)
        case "movi": return try decodeMovi(node, existing: existing)
        default: return try decodeDrop(node, existing: existing, materials: materials)
        }
    }

    /// K objects chosen from `shapes` at uniformly random positions in `region` with random rotations,
    /// never overlapping each other or the scene's objects at start.
    func decodeDrop(_ node: JSONNode, existing: [SceneObject], materials: [String: Material]) throws -> [SceneObject] {
        let o = try node.object(allowed: ["type", "name", "count", "seed", "region", "shapes", "scale", "velocity"])
        let name = try o.optional("name")?.string() ?? "drop"
        let countNode = try o.required("count")
        let count = try countNode.integer(in: 1...1000)
        let seed = UInt64(try o.integer("seed", in: 0...Int(1 << 53), default: 0))
        let (lower, upper) = try region(o.required("region", hint: "{\"min\": [x, y, z], \"max\": [x, y, z]}"))
        var scaleRange = 1.0...1.0
        if let s = o.optional("scale") {
            let items = try s.array()
            guard items.count == 2 else { throw s.error("expected [min, max] scale factors, got \(s.value.brief)") }
            let a = try items[0].number(in: 1e-3...1e3), b = try items[1].number(in: 1e-3...1e3)
            guard a <= b else { throw s.error("expected min ≤ max, got \(s.value.brief)") }
            scaleRange = a...b
        }
        var velocity: (Vec3d, Vec3d)? = nil
        if let v = o.optional("velocity") { velocity = try region(v) }
        let shapesNode = try o.required("shapes", hint: "object templates to choose from, e.g. [{\"type\": \"box\", \"size\": [0.1, 0.1, 0.1]}]")
        let items = try shapesNode.array()
        guard !items.isEmpty else { throw shapesNode.error("expected at least one shape, got an empty array") }
        var templates: [(SceneObject, Double)] = []
        for (i, item) in items.enumerated() {
            if case .object(let d) = item.value, case .object(let transform)? = d["transform"], transform.keys.contains(where: { $0 != "scale" }) {
                throw item.child("transform", .null).error("spawned objects are placed by the spawner; their \"transform\" may only hold \"scale\"")
            }
            var t = try decodeObject(item, index: i, materials: materials)
            t.body = try decodeBody(item, object: t, defaultKind: .dynamic)
            guard t.body?.kind == .dynamic else { throw item.child("body", .null).error("spawned objects must be dynamic") }
            let s = t.transform.decomposed.scale
            templates.append((t, try boundingRadius(t.shape, node: item) * max(s.x, s.y, s.z)))
        }
        var rng = RandomStream(seed: seed, 0x64_726f_70)
        var placer = Placer(existing: existing)
        var out: [SceneObject] = []
        for k in 0..<count {
            let choice = Int(rng.nextUInt64() % UInt64(templates.count))
            var object = templates[choice].0
            let s = scaleRange.lowerBound + (scaleRange.upperBound - scaleRange.lowerBound) * rng.nextDouble()
            let radius = templates[choice].1 * s
            guard let position = placer.place(radius: radius, lower: lower, upper: upper, rng: &rng) else {
                throw countNode.error("could place only \(k) of \(count) objects without overlap in the region; enlarge \"region\" or lower \"count\"")
            }
            let rotation = Quaternion.uniform(rng.nextDouble(), rng.nextDouble(), rng.nextDouble())
            object.transform = Matrix4.compose(translation: position, rotation: rotation, scale: object.transform.decomposed.scale * s)
            if let (vLow, vHigh) = velocity {
                object.body?.velocity = vLow + (vHigh - vLow) * Vec3d(rng.nextDouble(), rng.nextDouble(), rng.nextDouble())
            }
            object.name = String(format: "%@-%03d", name, k)
            object.jsonPath = node.path
            out.append(object)
        }
        return out
    }

    /// A MOVi-A-like set (after Kubric): 3–10 CLEVR shapes (cube, sphere, cylinder), small or large, rubber or
    /// metal, in one of eight colours, thrown with a horizontal velocity above a 3 m floor.
    func decodeMovi(_ node: JSONNode, existing: [SceneObject]) throws -> [SceneObject] {
        let o = try node.object(allowed: ["type", "name", "count", "seed", "region"])
        let name = try o.optional("name")?.string() ?? "movi"
        let seed = UInt64(try o.integer("seed", in: 0...Int(1 << 53), default: 0))
        var rng = RandomStream(seed: seed, 0x6d_6f76_69)
        let drawnCount = 3 + Int(rng.nextUInt64() % 8)
        let count = try o.integer("count", in: 1...100, default: drawnCount)
        var (lower, upper) = (Vec3d(-1.2, -1.2, 0.3), Vec3d(1.2, 1.2, 1.0))
        if let r = o.optional("region") { (lower, upper) = try region(r) }
        // CLEVR's eight colours (sRGB), decoded to linear
        let palette: [(Double, Double, Double)] = [(87, 87, 87), (173, 35, 35), (42, 75, 215), (29, 105, 20), (129, 74, 25),
                                                   (129, 38, 192), (41, 208, 208), (255, 238, 51)]
        func linear(_ c: Double) -> Double { let v = c / 255; return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4) }
        var placer = Placer(existing: existing)
        var out: [SceneObject] = []
        for k in 0..<count {
            let size = rng.nextDouble() < 0.5 ? 0.08 : 0.16   // half extent, metres
            let shapeIndex = Int(rng.nextUInt64() % 3)
            let shape: Shape, radius: Double
            switch shapeIndex {
            case 0: shape = .box(size: Vec3d(repeating: 2 * size)); radius = size * 3.0.squareRoot()
            case 1: shape = .sphere(center: .zero, radius: size); radius = size
            default: shape = .cylinder(radius: size, height: 2 * size); radius = size * 2.0.squareRoot()
            }
            let metal = rng.nextDouble() < 0.5
            let c = palette[Int(rng.nextUInt64() % 8)]
            var material = Material()
            material.baseColor = Vec3d(linear(c.0), linear(c.1), linear(c.2))
            material.metallic = metal ? 1 : 0
            material.roughness = metal ? 0.25 : 0.7
            var body = Body(kind: .dynamic)
            body.density = metal ? 2700 : 1100
            body.friction = metal ? 0.4 : 0.8
            body.restitution = metal ? 0.3 : 0.7
            guard let position = placer.place(radius: radius, lower: lower, upper: upper, rng: &rng) else {
                throw node.error("could place only \(k) of \(count) objects without overlap in the region; enlarge \"region\" or lower \"count\"")
            }
            let rotation = Quaternion.uniform(rng.nextDouble(), rng.nextDouble(), rng.nextDouble())
            // thrown sideways, roughly towards the middle
            let v = Vec3d(2 * rng.nextDouble() - 1, 2 * rng.nextDouble() - 1, 0) - 0.5 * Vec3d(position.x, position.y, 0)
            body.velocity = v
            let typeName = ["cube", "sphere", "cylinder"][shapeIndex]
            out.append(SceneObject(name: String(format: "%@-%03d-%@-%@", name, k, metal ? "metal" : "rubber", typeName), shape: shape,
                                   transform: Matrix4.compose(translation: position, rotation: rotation), material: material,
                                   jsonPath: node.path, body: body))
        }
        return out
    }

    /// A stack of blocks, each level shifted by `lean` block widths in one seeded direction plus seeded jitter:
    /// once the overhang carries the centre of mass past the support, the tower collapses.
    func decodeTower(_ node: JSONNode, materials: [String: Material]) throws -> [SceneObject] {
        let o = try node.object(allowed: ["type", "name", "base", "levels", "block_size", "lean", "jitter", "seed", "material", "body"])
        let name = try o.optional("name")?.string() ?? "tower"
        let base = try o.vector3("base", default: .zero)
        let levels = try o.integer("levels", in: 1...200, default: 8)
        let size = try o.vector3("block_size", in: 1e-3...100, default: Vec3d(0.2, 0.2, 0.1))
        let lean = try o.number("lean", in: 0...1, default: 0.15)
        let jitter = try o.number("jitter", in: 0...0.5, default: 0.02)
        let seed = UInt64(try o.integer("seed", in: 0...Int(1 << 53), default: 0))
        let material = try o.optional("material").map { try decodeMaterialReference($0, materials: materials) } ?? Material()
        var template = SceneObject(name: name, shape: .box(size: size), transform: .identity, material: material, jsonPath: node.path)
        template.body = try decodeBody(node.withoutType(), object: template, defaultKind: .dynamic)
        guard template.body?.kind == .dynamic else { throw node.error("tower blocks must be dynamic") }
        var rng = RandomStream(seed: seed, 0x74_6f77)
        let angle = 2 * .pi * rng.nextDouble()
        let direction = Vec3d(cos(angle), sin(angle), 0)
        var out: [SceneObject] = []
        for level in 0..<levels {
            var object = template
            let shift = Double(level) * lean * size.x * direction
                + Vec3d(jitter * size.x * (2 * rng.nextDouble() - 1), jitter * size.y * (2 * rng.nextDouble() - 1), 0)
            let center = base + shift + Vec3d(0, 0, size.z * (Double(level) + 0.5))
            object.transform = Matrix4.translation(center)
            object.name = String(format: "%@-%03d", name, level)
            out.append(object)
        }
        return out
    }

    func region(_ node: JSONNode) throws -> (Vec3d, Vec3d) {
        let o = try node.object(allowed: ["min", "max"])
        let lower = try o.required("min").vector3(), upper = try o.required("max").vector3()
        guard all(lower .<= upper) else { throw node.error("expected \"min\" ≤ \"max\" on every axis") }
        return (lower, upper)
    }

    /// Radius of a sphere about the object-space origin that holds the shape.
    func boundingRadius(_ shape: Shape, node: JSONNode) throws -> Double {
        switch shape {
        case .sphere(let c, let r): return length(c) + r
        case .box(let s): return length(s) / 2
        case .quad(let s): return (s.x * s.x + s.y * s.y).squareRoot() / 2
        case .cylinder(let r, let h): return (r * r + h * h / 4).squareRoot()
        case .mesh(let m):
            guard m.normalize else {
                throw node.error("spawned meshes need \"normalize\": true so that their size is known; size them with the spawner's \"scale\"")
            }
            return 1
        }
    }
}

extension JSONNode {
    /// The node with its "type" key removed (a tower's own keys hold its blocks' body settings).
    func withoutType() -> JSONNode {
        guard case .object(var d) = value else { return self }
        let body = d["body"]
        d = [:]
        if let body { d["body"] = body }
        return JSONNode(value: .object(d), path: path, file: file)
    }
}

/// Rejection sampling of non-overlapping spheres, also kept clear of the scene's colliders.
struct Placer {
    var boxes: [Bounds3] = []
    var planes: [(point: Vec3d, normal: Vec3d)] = []
    var spheres: [(Vec3d, Double)] = []
    static let attempts = 1000

    init(existing: [SceneObject]) {
        for object in existing where object.body.map({ $0.kind != .none }) ?? false {
            if object.body?.infinitePlane == true {
                planes.append((object.transform.transformPoint(.zero), normalize(object.transform.transformNormal(Vec3d(0, 0, 1)))))
                continue
            }
            let mesh: TriangleMesh
            switch object.shape {
            case .sphere(let c, let r): mesh = Primitives.sphere(center: Vec3(Float(c.x), Float(c.y), Float(c.z)), radius: Float(r))
            case .box(let s): mesh = Primitives.box(size: Vec3(Float(s.x), Float(s.y), Float(s.z)))
            case .quad(let s): mesh = Primitives.quad(size: Vec2(Float(s.x), Float(s.y)))
            case .cylinder(let r, let h): mesh = Primitives.cylinder(radius: Float(r), height: Float(h))
            case .mesh(let m):
                // unnormalised meshes have no known extent before import; they are not checked
                guard m.normalize else { continue }
                mesh = Primitives.sphere(center: .zero, radius: 1)
            }
            var b = Bounds3.empty
            for p in mesh.positions { b.include(object.transform.transformPoint(Vec3d(Double(p.x), Double(p.y), Double(p.z)))) }
            boxes.append(b)
        }
    }

    mutating func place(radius: Double, lower: Vec3d, upper: Vec3d, rng: inout RandomStream) -> Vec3d? {
        for _ in 0..<Self.attempts {
            let p = lower + (upper - lower) * Vec3d(rng.nextDouble(), rng.nextDouble(), rng.nextDouble())
            if spheres.contains(where: { length($0.0 - p) < $0.1 + radius }) { continue }
            if planes.contains(where: { dot(p - $0.point, $0.normal) < radius }) { continue }
            if boxes.contains(where: { b in
                let q = pointwiseMin(pointwiseMax(p, b.lower), b.upper)
                return length(q - p) < radius
            }) { continue }
            spheres.append((p, radius))
            return p
        }
        return nil
    }
}
