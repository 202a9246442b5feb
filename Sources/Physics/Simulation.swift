import FileSafety
import Foundation
import Geometry
import SceneFormat

/// The world at one sampled instant: every dynamic object's state, keyed by object id (object index + 1).
public struct WorldSample: Sendable {
    public var time: Double
    public var step: Int
    /// Object ids, in the same order as `states`.
    public var ids: [Int]
    public var states: [BodyState]
}

/// Figures of one physics step.
public struct StepRecord: Sendable {
    public var time: Double
    public var kinetic: Double
    public var potential: Double
    /// Deepest contact after the step, metres (0 without contacts).
    public var penetration: Double
    public var maxSpeed: Double
    public var maxAngularSpeed: Double
    public var total: Double { kinetic + potential }
}

/// Two objects starting to touch.
public struct CollisionEvent: Sendable {
    public var time: Double
    public var step: Int
    /// Object ids, smaller first (static colliders are objects too).
    public var objects: (Int, Int)
    /// The deepest contact point at the first step of touching, and its normal (from the first object to the second).
    public var point: Vec3d
    public var normal: Vec3d
    /// Largest total normal force between the two during the first 50 ms of contact, newtons.
    public var force: Double
}

/// Something that must never happen, seen during stepping (the first occurrence of each kind).
public struct RunIncident: Sendable {
    public enum Kind: String, Sendable { case nonFinite = "non_finite", leftWorld = "left_world", belowGround = "below_ground" }
    public var kind: Kind
    public var time: Double
    public var object: Int
    public var detail: String
}

/// Everything recorded while simulating.
public struct Trajectory: Sendable {
    public var timestep: Double
    /// States at the sample times (clip frames for live clips; every 1 / frame_rate for frozen ones, plus the final state).
    public var samples: [WorldSample]
    public var steps: [StepRecord]
    public var collisions: [CollisionEvent]
    public var incidents: [RunIncident]
    /// Dynamic object id → mass (kg) and a size (bounding radius of its collider, metres).
    public var masses: [Int: Double]
    public var sizes: [Int: Double]
    /// The time from which every body rested to the end, or nil.
    public var settledAt: Double?
    public var mujocoVersion: String
    /// Contact buffer scale used (1 unless MuJoCo reported the buffers full and the run was repeated).
    public var contactScale: Int
}

/// A run's outcome: what was compiled, what happened, and whether it holds together.
public struct SimulationResult: Sendable {
    public var compiled: CompiledWorld
    public var trajectory: Trajectory
    public var invariants: InvariantReport
    /// The state every clip frame shows: one entry per live frame, or the single frozen state.
    public var clipSamples: [WorldSample]
    /// Step-loop wall time, seconds (stepping and recording).
    public var wallSeconds: Double
}

/// Runs a world scene through MuJoCo (fixed step, deterministic: the same scene gives bitwise the same run).
public struct Simulator: Sendable {
    public var scene: Scene
    public var physics: PhysicsSettings
    /// Object-space vertices of every colliding mesh object, keyed by object index.
    public var meshVertices: [Int: [Vec3d]]

    public init(scene: Scene, meshVertices: [Int: [Vec3d]] = [:]) throws {
        guard let physics = scene.physics else {
            throw SceneError(file: scene.file, path: "physics", message: "the scene has no \"physics\" section")
        }
        self.scene = scene; self.physics = physics; self.meshVertices = meshVertices
    }

    /// Seconds a world must stay below the rest speeds to count as resting (frozen clips stop then).
    public static let restHold = 0.1
    /// Contacts closer in time than this belong to the same collision.
    static let collisionGap = 0.01
    static let collisionForceWindow = 0.05

    /// Simulates, records and checks the invariants; a violation throws a `PhysicsError` listing what failed.
    public func run(check: Bool = true, progress: (Double) -> Void = { _ in }) throws -> SimulationResult {
        try checkBudget()
        var scale = 1
        while true {
            let compiled = try compile(contactScale: scale)
            let world = try load(compiled)
            let start = DispatchTime.now()
            let trajectory: Trajectory, clip: [WorldSample]
            do {
                (trajectory, clip) = try simulate(world, compiled: compiled, contactScale: scale, progress: progress)
            } catch let error as PhysicsError where (error.message.contains("stackAlloc") || error == .buffersFull) && scale < 64 {
                // the solver's stack or the contact buffers were too small (contacts would be dropped): start again with more room
                scale *= 4
                continue
            } catch let error as PhysicsError where error == .buffersFull {
                throw PhysicsError("MuJoCo's contact buffers overflowed even at \(compiled.contactCapacity) contacts")
            }
            let wall = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let report = InvariantReport.check(trajectory, scene: scene, compiled: compiled)
            if check, let failure = report.failureMessage { throw PhysicsError(failure) }
            return SimulationResult(compiled: compiled, trajectory: trajectory, invariants: report, clipSamples: clip, wallSeconds: wall)
        }
    }

    /// Refuses a run whose recording would exceed the memory budget: 48 bytes per step, and per recorded
    /// frame about 112 bytes per dynamic body.
    func checkBudget() throws {
        let steps = Int((physics.duration / physics.timestep).rounded()) + 1
        let frames: Int
        if case .live = physics.clip { frames = max(1, Int((physics.duration * scene.frameRate).rounded())) } else { frames = 2 }
        let bodies = scene.objects.filter { $0.body?.kind == .dynamic }.count
        let bytes = Checked.sum([Checked.product([steps, 48]) ?? .max, Checked.product([frames, bodies, 112]) ?? .max])
        try ResourceBudget.current.checkMemory(bytes, for: scene.file, what: "recording \(steps) physics steps and \(frames) frames of \(bodies) bodies")
    }

    /// Compiles the world and loads it into MuJoCo without stepping: every error a run would meet at its start.
    public func validate() throws {
        try checkBudget()
        _ = try load(compile(contactScale: 1))
    }

    func compile(contactScale: Int) throws -> CompiledWorld {
        try MJCF.compile(scene, meshVertices: meshVertices, contactScale: contactScale)
    }

    /// Compiles the MJCF and sets the initial velocities. MuJoCo's compile errors name our elements
    /// (`object-<id>`), which map back to the scene's JSON paths.
    func load(_ compiled: CompiledWorld) throws -> MuJoCoWorld {
        let world: MuJoCoWorld
        do { world = try MuJoCoWorld(compiled) } catch let error as PhysicsError {
            var path = "physics"
            if let range = error.message.range(of: #"(object|mesh)-[0-9]+"#, options: .regularExpression),
               let id = Int(error.message[range].split(separator: "-").last!), id >= 1, id <= scene.objects.count {
                path = scene.objects[id - 1].jsonPath
            }
            throw SceneError(file: scene.file, path: path, message: "MuJoCo cannot compile the world: \(error.message.replacingOccurrences(of: "\n", with: "; "))")
        }
        for (i, index) in compiled.dynamicObjects.enumerated() {
            let object = scene.objects[index], body = object.body!
            world.setVelocity(body: i, linear: body.velocity, angular: body.angularVelocity,
                              orientation: object.transform.decomposed.rotation)
        }
        try world.forward()
        return world
    }

    /// The plain step loop, nothing recorded: for timing against other engines.
    public func stepOnly(seconds: Double) throws -> (wall: Double, final: [BodyState]) {
        let compiled = try compile(contactScale: 1)
        let world = try load(compiled)
        let steps = Int((seconds / physics.timestep).rounded())
        let start = DispatchTime.now()
        for _ in 0..<steps { try world.step() }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return (wall, (0..<compiled.dynamicObjects.count).map { world.state(body: $0) })
    }

    func simulate(_ world: MuJoCoWorld, compiled: CompiledWorld, contactScale: Int,
                  progress: (Double) -> Void) throws -> (Trajectory, [WorldSample]) {
        let dt = physics.timestep
        let ids = compiled.dynamicObjects.map { $0 + 1 }
        let frameInterval = 1 / scene.frameRate
        let maxSteps = Int((physics.duration / dt).rounded())
        var stopStep = maxSteps
        var liveFrames = 0
        switch physics.clip {
        case .live: liveFrames = max(1, Int((physics.duration * scene.frameRate).rounded()))
        case .frozen(.time(let t)): stopStep = Int((t / dt).rounded())
        case .frozen(.rest): break
        }
        let planes = compiled.staticObjects.compactMap { index -> (Int, Vec3d, Vec3d)? in
            let o = scene.objects[index]
            guard o.body?.infinitePlane == true else { return nil }
            return (index + 1, o.transform.transformPoint(.zero), normalize(o.transform.transformNormal(Vec3d(0, 0, 1))))
        }
        var masses: [Int: Double] = [:], sizes: [Int: Double] = [:]
        for (i, index) in compiled.dynamicObjects.enumerated() {
            masses[index + 1] = world.mass(body: i)
            sizes[index + 1] = colliderRadius(index)
        }

        func sample(step: Int) -> WorldSample {
            WorldSample(time: Double(step) * dt, step: step, ids: ids, states: (0..<ids.count).map { world.state(body: $0) })
        }
        var samples = [sample(step: 0)]
        var nextSample = 1
        var recorder = StepRecorder(ids: ids, timestep: dt, bounds: physics.worldBounds ?? automaticBounds(), planes: planes,
                                    tolerances: physics.tolerances, capacity: maxSteps + 1)
        let holdSteps = max(1, Int((Self.restHold / dt).rounded()))

        /// The step whose state frame k shows (t = k / frame_rate).
        func frameStep(_ k: Int) -> Int { Int((Double(k) * frameInterval / dt).rounded()) }
        recorder.record(0, world: world)
        var s = 0
        var frozenAtRest = false
        while s < stopStep {
            try world.step()
            s += 1
            try world.checkWarnings()
            recorder.record(s, world: world)
            if liveFrames > 0 {
                while nextSample < liveFrames, frameStep(nextSample) == s {
                    samples.append(sample(step: s)); nextSample += 1
                }
            } else if frameStep(nextSample) == s {
                samples.append(sample(step: s)); nextSample += 1
            }
            if s % 100 == 0 { progress(Double(s) / Double(stopStep)) }
            if case .frozen(.rest) = physics.clip, let r = recorder.restSince, s - r >= holdSteps { frozenAtRest = true; break }
            if recorder.seenIncidents.contains(.nonFinite) { break }
        }
        if case .frozen(.rest) = physics.clip, !frozenAtRest, !recorder.seenIncidents.contains(.nonFinite) {
            throw PhysicsError("the world did not come to rest within physics.duration = \(physics.duration) s; raise \"duration\" or set \"freeze_at\" to a time")
        }
        let clip: [WorldSample]
        if liveFrames > 0 {
            while samples.count < liveFrames { samples.append(sample(step: s)) }
            clip = samples
        } else {
            if samples.last?.step != s { samples.append(sample(step: s)) }
            clip = [samples.last!]
        }
        let trajectory = Trajectory(timestep: dt, samples: samples, steps: recorder.steps, collisions: recorder.collisions,
                                    incidents: recorder.incidents, masses: masses, sizes: sizes, settledAt: recorder.restSince.map { Double($0) * dt },
                                    mujocoVersion: MuJoCoWorld.version, contactScale: contactScale)
        return (trajectory, clip)
    }

    /// The initial extent of every colliding object, padded by max(5 m, twice its size).
    func automaticBounds() -> Bounds3 {
        var b = Bounds3.empty
        for object in scene.objects where object.body.map({ $0.kind != .none && !$0.infinitePlane }) ?? false {
            b.include(object.transform.decomposed.translation)
        }
        if b.isEmpty { b = Bounds3(lower: .zero, upper: .zero) }
        let pad = max(5, 2 * length(b.upper - b.lower))
        return Bounds3(lower: b.lower - Vec3d(repeating: pad), upper: b.upper + Vec3d(repeating: pad))
    }

    /// Radius of a sphere about the body origin holding the collider, metres.
    func colliderRadius(_ index: Int) -> Double {
        let object = scene.objects[index]
        let s = object.transform.decomposed.scale
        return object.shape.boundingRadius(scale: s) ?? (meshVertices[index] ?? []).map { length($0 * s) }.max() ?? 0
    }
}

func format(_ v: Vec3d) -> String { String(format: "(%.3f, %.3f, %.3f)", v.x, v.y, v.z) }
