import Foundation
import Geometry
import SceneFormat

/// What the simulator records after every step: energies, speeds and the deepest contact; incidents (a body
/// leaving the world, sinking behind a ground plane, a non-finite state), each kind once; collisions, one event
/// per touching pair and gap-separated episode, with the peak normal force of its first moments; and the step
/// since which every body has been at rest.
struct StepRecorder {
    let ids: [Int]
    let dt: Double
    let bounds: Bounds3
    /// Infinite ground planes: object id, a point and the normal.
    let planes: [(Int, Vec3d, Vec3d)]
    let tolerances: InvariantTolerances
    let gapSteps: Int, forceSteps: Int

    var steps: [StepRecord] = []
    var incidents: [RunIncident] = []
    var seenIncidents = Set<RunIncident.Kind>()
    var collisions: [CollisionEvent] = []
    /// Pair key → the last step it was in contact and its event.
    var lastTouch: [Int: (step: Int, event: Int)] = [:]
    var restSince: Int? = nil
    // per-step scratch, kept across steps
    var deepestOfPair: [Int: ContactPoint] = [:]
    var forceOfPair: [Int: Double] = [:]

    init(ids: [Int], timestep: Double, bounds: Bounds3, planes: [(Int, Vec3d, Vec3d)], tolerances: InvariantTolerances, capacity: Int) {
        self.ids = ids; self.dt = timestep; self.bounds = bounds; self.planes = planes; self.tolerances = tolerances
        gapSteps = max(1, Int((Simulator.collisionGap / timestep).rounded()))
        forceSteps = max(1, Int((Simulator.collisionForceWindow / timestep).rounded()))
        steps.reserveCapacity(capacity)
    }

    mutating func record(_ s: Int, world: MuJoCoWorld) {
        let (maxSpeed, maxAngular) = checkBodies(s, world: world)
        let deepest = recordContacts(s, world: world)
        let e = world.energy
        steps.append(StepRecord(time: Double(s) * dt, kinetic: e.kinetic, potential: e.potential, penetration: deepest,
                                maxSpeed: maxSpeed, maxAngularSpeed: maxAngular))
        if maxSpeed < tolerances.restSpeed && maxAngular < tolerances.restAngularSpeed { if restSince == nil { restSince = s } } else { restSince = nil }
    }

    /// Incidents of the bodies' states at step `s`; returns the largest linear and angular speeds.
    mutating func checkBodies(_ s: Int, world: MuJoCoWorld) -> (Double, Double) {
        var maxSpeed = 0.0, maxAngular = 0.0
        let t = Double(s) * dt
        for i in 0..<ids.count {
            let state = world.state(body: i)
            maxSpeed = max(maxSpeed, length(state.velocity))
            maxAngular = max(maxAngular, length(state.angularVelocity))
            let p = state.position
            if !seenIncidents.contains(.leftWorld), !(all(p .>= bounds.lower) && all(p .<= bounds.upper)) {
                seenIncidents.insert(.leftWorld)
                incidents.append(RunIncident(kind: .leftWorld, time: t, object: ids[i], detail: "at \(format(p)), outside the world bounds"))
            }
            for (plane, point, normal) in planes where !seenIncidents.contains(.belowGround) {
                let height = dot(p - point, normal)
                if height < -tolerances.penetration {
                    seenIncidents.insert(.belowGround)
                    incidents.append(RunIncident(kind: .belowGround, time: t, object: ids[i],
                                                 detail: "its centre is \(String(format: "%.4f", -height)) m behind the plane of object \(plane)"))
                }
            }
        }
        if !seenIncidents.contains(.nonFinite), !world.stateIsFinite {
            seenIncidents.insert(.nonFinite)
            incidents.append(RunIncident(kind: .nonFinite, time: t, object: 0, detail: "a position or velocity is NaN or infinite"))
        }
        return (maxSpeed, maxAngular)
    }

    /// Collision events of the contacts at step `s`; returns the deepest penetration.
    mutating func recordContacts(_ s: Int, world: MuJoCoWorld) -> Double {
        let t = Double(s) * dt
        var deepest = 0.0
        deepestOfPair.removeAll(keepingCapacity: true)
        forceOfPair.removeAll(keepingCapacity: true)
        for c in 0..<world.contactCount {
            let contact = world.contact(c)
            deepest = max(deepest, -contact.distance)
            let key = contact.objects.0 * 65_536 + contact.objects.1
            if let d = deepestOfPair[key], d.distance <= contact.distance {} else { deepestOfPair[key] = contact }
            // forces only while they can still matter: at a collision's start and during its force window
            let needsForce: Bool
            if let last = lastTouch[key], s - last.step <= gapSteps { needsForce = s - collisions[last.event].step < forceSteps }
            else { needsForce = true }
            if needsForce { forceOfPair[key, default: 0] += world.normalForce(contact.index) }
        }
        for (key, contact) in deepestOfPair.sorted(by: { $0.key < $1.key }) {
            if let last = lastTouch[key], s - last.step <= gapSteps {
                lastTouch[key] = (s, last.event)
                if let f = forceOfPair[key] { collisions[last.event].force = max(collisions[last.event].force, f) }
            } else {
                collisions.append(CollisionEvent(time: t, step: s, objects: contact.objects, point: contact.point, normal: contact.normal,
                                                 force: forceOfPair[key] ?? 0))
                lastTouch[key] = (s, collisions.count - 1)
            }
        }
        return deepest
    }
}
