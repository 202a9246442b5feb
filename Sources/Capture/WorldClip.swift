import Assets
import Dataset
import FileSafety
import Foundation
import Geometry
import Physics
import SceneFormat

/// Which world state and which camera each frame of a clip shows.
struct ClipPlan {
    struct Frame {
        var index: Int
        var stem: String
        var split: Split?
        var camera: Camera
        /// Index into `worlds`.
        var world: Int
    }
    var frames: [Frame]
    /// The scene as each frame sees it (objects posed by the simulation); one entry for still and frozen scenes.
    var worlds: [Scene]

    /// Still scenes: every view of the rig sees the scene as written.
    /// Live clips: frame k shows the world at t = k / frame_rate from rig view k mod (number of views).
    /// Frozen clips: every view of the rig sees the final state of the simulation.
    init(scene: Scene, simulation: SimulationResult?) {
        let views = scene.views()
        guard let simulation else {
            worlds = [scene]
            frames = views.map { Frame(index: $0.index, stem: $0.stem, split: $0.split, camera: $0.camera, world: 0) }
            return
        }
        worlds = simulation.clipSamples.map { Self.posed(scene, sample: $0, compiled: simulation.compiled) }
        if case .live = scene.physics?.clip {
            frames = worlds.indices.map { k in
                Frame(index: k, stem: String(format: "frame_%05d", k), split: nil, camera: views[k % views.count].camera, world: k)
            }
        } else {
            frames = views.map { Frame(index: $0.index, stem: $0.stem, split: $0.split, camera: $0.camera, world: 0) }
        }
    }

    /// The scene with every dynamic object moved to its state in `sample`.
    static func posed(_ scene: Scene, sample: WorldSample, compiled: CompiledWorld) -> Scene {
        var posed = scene
        for (id, state) in zip(sample.ids, sample.states) {
            let index = id - 1
            posed.objects[index].transform = Simulator.transform(state, scale: compiled.scales[index] ?? Vec3d(1, 1, 1))
        }
        return posed
    }
}

extension Generator {
    /// Object-space vertices of every colliding mesh object, for its convex-hull collider.
    static func colliderVertices(_ scene: Scene, models: [Int: ImportedModel]) -> [Int: [Vec3d]] {
        var out: [Int: [Vec3d]] = [:]
        for (index, object) in scene.objects.enumerated() {
            guard case .mesh = object.shape, let body = object.body, body.kind != .none, let model = models[index] else { continue }
            out[index] = model.merged.positions.map { Vec3d(Double($0.x), Double($0.y), Double($0.z)) }
        }
        return out
    }

    /// The `simulation`, `instances`, `events` and `invariants` sections of metadata.json (docs/world.md),
    /// after Kubric's layout: per-object arrays with one entry per clip frame.
    static func worldMetadata(scene: Scene, simulation: SimulationResult, plan: ClipPlan, visibility: [[Int]]) -> [(String, JSONOutput)] {
        let physics = scene.physics!, trajectory = simulation.trajectory
        let live = physics.clip == .live
        func r(_ x: Double, _ digits: Double = 1e9) -> Double { (x * digits).rounded() / digits }
        func v(_ p: Vec3d) -> JSONOutput { .vector([r(p.x), r(p.y), r(p.z)]) }
        // the sample each frame shows
        let frameSamples: [WorldSample] = plan.frames.map { simulation.clipSamples[live ? $0.world : 0] }
        var instances: [JSONOutput] = []
        for (index, object) in scene.objects.enumerated() {
            let id = index + 1
            var members: [(String, JSONOutput)] = [("id", .integer(id)), ("name", .string(object.name)),
                                                   ("body", .string(object.body?.kind.rawValue ?? "none"))]
            if let slot = simulation.compiled.dynamicObjects.firstIndex(of: index) {
                members.append(("mass_kg", .number(r(trajectory.masses[id] ?? 0))))
                members.append(("positions", .array(frameSamples.map { v($0.states[slot].position) })))
                members.append(("quaternions_wxyz", .array(frameSamples.map {
                    let q = $0.states[slot].orientation
                    return .vector([r(q.w), r(q.x), r(q.y), r(q.z)])
                })))
                members.append(("velocities", .array(frameSamples.map { v($0.states[slot].velocity) })))
                members.append(("angular_velocities", .array(frameSamples.map { v($0.states[slot].angularVelocity) })))
            }
            members.append(("visibility", .array(visibility.map { .integer($0[id]) })))
            instances.append(.object(members))
        }
        let collisions: [JSONOutput] = trajectory.collisions.map { c in
            var members: [(String, JSONOutput)] = [("instances", .array([.integer(c.objects.0), .integer(c.objects.1)])),
                                                   ("time", .number(r(c.time)))]
            if live { members.append(("frame", .integer(min(Int(c.time * scene.frameRate + 1e-9), plan.frames.count - 1)))) }
            members += [("force", .number(r(c.force, 1e6))), ("position", v(c.point)), ("contact_normal", v(c.normal))]
            return .object(members)
        }
        let invariants: JSONOutput = .object([
            ("passed", .bool(simulation.invariants.passed)),
            ("checks", .array(simulation.invariants.checks.map { c in
                .object([("name", .string(c.name)), ("passed", .bool(c.passed)), ("value", c.value.map { .number(r($0, 1e12)) } ?? .null),
                         ("limit", c.limit.map { .number(r($0, 1e12)) } ?? .null), ("detail", .string(c.detail))])
            })),
        ])
        let last = trajectory.steps.last!
        var freeze: JSONOutput = .null
        if case .frozen(let point) = physics.clip {
            switch point {
            case .rest: freeze = .string("rest")
            case .time(let t): freeze = .number(t)
            }
        }
        let simulationSection: JSONOutput = .object([
            ("engine", .string("MuJoCo \(trajectory.mujocoVersion)")),
            ("clip", .string(physics.clip.name)), ("freeze_at", freeze),
            ("timestep_s", .number(physics.timestep)), ("steps", .integer(trajectory.steps.count - 1)),
            ("simulated_s", .number(r(last.time))), ("settled_at_s", trajectory.settledAt.map { .number(r($0)) } ?? .null),
            ("solver", .string("\(physics.solver.method.rawValue), \(physics.solver.cone.rawValue) cone, contact time constant \(physics.contactTimeConstant) s")),
            ("gravity", v(physics.gravity)),
            ("frame_times_s", .array(frameSamples.map { .number(r($0.time)) })),
            ("energy", .object([
                ("kinetic_j", .array(frameSamples.map { .number(r(trajectory.steps[$0.step].kinetic, 1e6)) })),
                ("potential_j", .array(frameSamples.map { .number(r(trajectory.steps[$0.step].potential, 1e6)) })),
            ])),
            ("max_penetration_m", .number(r(trajectory.steps.map(\.penetration).max() ?? 0))),
            ("mjcf", .string("world.xml")),
        ])
        return [("simulation", simulationSection), ("instances", .array(instances)),
                ("events", .object([("collisions", .array(collisions))])), ("invariants", invariants)]
    }
}
