import Foundation
import Geometry
import SceneFormat

/// One invariant of a run: what was measured against what it may be.
public struct InvariantCheck: Sendable {
    public var name: String
    public var passed: Bool
    /// The measured figure (nil where it does not apply, e.g. resting penetration of a world still moving).
    public var value: Double?
    public var limit: Double?
    public var detail: String
}

/// The invariants every world run must satisfy (docs/world.md): object permanence, rigidity, bounded
/// interpenetration (during the run and at rest), no energy gained without input, nothing leaving the world
/// or falling through the ground, no NaN. Checked on the recorded trajectory, so each check can be tested
/// on a trajectory with a violation injected.
public struct InvariantReport: Sendable {
    public var checks: [InvariantCheck]

    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// One line naming every failed check, or nil.
    public var failureMessage: String? {
        let failed = checks.filter { !$0.passed }
        guard !failed.isEmpty else { return nil }
        return "world invariant violated: " + failed.map { "\($0.name): \($0.detail)" }.joined(separator: "; ")
    }

    public static func check(_ trajectory: Trajectory, scene: Scene, compiled: CompiledWorld) -> InvariantReport {
        let tolerances = scene.physics?.tolerances ?? InvariantTolerances()
        return InvariantReport(checks: permanence(trajectory, scene: scene, compiled: compiled) + rigidity(trajectory, scene: scene, compiled: compiled)
                               + penetration(trajectory, scene: scene, tolerances: tolerances) + energy(trajectory, scene: scene, tolerances: tolerances)
                               + incidents(trajectory))
    }

    /// Object permanence: the same ids in every sample.
    static func permanence(_ trajectory: Trajectory, scene: Scene, compiled: CompiledWorld) -> [InvariantCheck] {
        var out: [InvariantCheck] = []
        let ids = compiled.dynamicObjects.map { $0 + 1 }
        let expected = Set(ids)
        let broken = trajectory.samples.filter { Set($0.ids) != expected || $0.ids.count != ids.count || $0.states.count != ids.count }
        out.append(InvariantCheck(name: "object_permanence", passed: broken.isEmpty, value: Double(broken.count), limit: 0,
                                  detail: broken.isEmpty ? "the same \(ids.count) dynamic objects in all \(trajectory.samples.count) samples"
                                      : "\(broken.count) samples do not hold exactly objects \(ids.sorted()) (first at t = \(broken[0].time) s)"))
        return out
    }

    /// Rigidity of every dynamic object as the renderer places it.
    static func rigidity(_ trajectory: Trajectory, scene: Scene, compiled: CompiledWorld) -> [InvariantCheck] {
        var out: [InvariantCheck] = []
        // rigidity: distances between points of each object's shape, placed in the world exactly as the renderer
        // places it in each sample (the body state composed with the object's own scale), never change. This
        // holds by construction only when the state is a rotation and the scale stays in object space: a
        // non-unit quaternion or a scale applied in world axes makes a rotating object change shape.
        var worstStrain = 0.0, worstAt = (time: 0.0, object: 0)
        if let first = trajectory.samples.first {
            for (slot, index) in compiled.dynamicObjects.enumerated() where slot < first.states.count {
                let scale = compiled.scales[index] ?? Vec3d(1, 1, 1)
                let corners = restCorners(scene.objects[index].shape, scale: Vec3d(1, 1, 1))
                func placed(_ state: BodyState) -> [Vec3d] {
                    let m = Simulator.transform(state, scale: scale)
                    return corners.map { m.transformPoint($0) }
                }
                let rest = placed(first.states[slot])
                for sample in trajectory.samples {
                    guard let k = sample.ids.firstIndex(of: index + 1), k < sample.states.count else { continue }
                    let now = placed(sample.states[k])
                    for a in 0..<corners.count {
                        for b in (a + 1)..<corners.count {
                            let d0 = length(rest[a] - rest[b])
                            guard d0 > 0 else { continue }
                            let strain = abs(length(now[a] - now[b]) - d0) / d0
                            if !(strain <= worstStrain) { worstStrain = strain; worstAt = (sample.time, index + 1) }
                        }
                    }
                }
            }
        }
        let strainLimit = 1e-6
        out.append(InvariantCheck(name: "rigidity", passed: worstStrain <= strainLimit, value: worstStrain, limit: strainLimit,
                                  detail: worstStrain <= strainLimit ? "largest change of a distance within an object \(sci(worstStrain))"
                                      : "object \(worstAt.object) changed shape by \(sci(worstStrain)) of its size at t = \(worstAt.time) s"))
        return out
    }

    /// Interpenetration during the run and after the world came to rest.
    static func penetration(_ trajectory: Trajectory, scene: Scene, tolerances: InvariantTolerances) -> [InvariantCheck] {
        var out: [InvariantCheck] = []
        let deepest = trajectory.steps.max { $0.penetration < $1.penetration }
        let depth = deepest?.penetration ?? 0
        out.append(InvariantCheck(name: "penetration", passed: depth <= tolerances.penetration, value: depth, limit: tolerances.penetration,
                                  detail: "deepest contact \(mm(depth)) at t = \(deepest.map { String(format: "%.3f", $0.time) } ?? "0") s (limit \(mm(tolerances.penetration)))"))
        if let settled = trajectory.settledAt {
            let resting = trajectory.steps.filter { $0.time >= settled }.map(\.penetration).max() ?? 0
            out.append(InvariantCheck(name: "resting_penetration", passed: resting <= tolerances.restingPenetration, value: resting,
                                      limit: tolerances.restingPenetration,
                                      detail: "deepest contact after the world came to rest at t = \(String(format: "%.3f", settled)) s: \(mm(resting)) (limit \(mm(tolerances.restingPenetration)))"))
        } else {
            out.append(InvariantCheck(name: "resting_penetration", passed: true, value: nil, limit: tolerances.restingPenetration,
                                      detail: "not measured: the world was still moving at the end"))
        }
        return out
    }

    /// No energy gained without input.
    static func energy(_ trajectory: Trajectory, scene: Scene, tolerances: InvariantTolerances) -> [InvariantCheck] {
        var out: [InvariantCheck] = []
        // energy: kinetic + potential never rises above its value at an earlier relaxed step by more than the
        // tolerance. MuJoCo's contacts are soft springs: while a contact is compressed it holds energy that this
        // sum does not see and gives it back as the bodies separate (a bounce), so only steps whose deepest contact
        // is within the resting penetration count as references (the first step always does). Those contacts
        // may still lift their bodies by that depth: allowed for, twice over.
        let scale = energyScale(trajectory, scene: scene)
        let g = length(scene.physics?.gravity ?? .zero)
        let softContacts = 2 * trajectory.masses.values.reduce(0, +) * g * tolerances.restingPenetration
        let allowed = tolerances.energyRise * scale + softContacts + 1e-6
        var reference = Double.infinity, rise = 0.0, riseAt = 0.0
        for (k, s) in trajectory.steps.enumerated() {
            if k == 0 || s.penetration <= tolerances.restingPenetration { reference = min(reference, s.total) }
            let r = s.total - reference
            if !(r <= rise) { rise = r; riseAt = s.time }
        }
        out.append(InvariantCheck(name: "energy", passed: rise <= allowed, value: rise, limit: allowed,
                                  detail: "largest rise of kinetic + potential energy above an earlier relaxed state \(String(format: "%.3g", rise)) J at t = \(String(format: "%.3f", riseAt)) s (limit \(String(format: "%.3g", allowed)) J: \(tolerances.energyRise) × energy scale (peak kinetic) \(String(format: "%.3g", scale)) J + resting-contact allowance \(String(format: "%.3g", softContacts)) J)"))
        return out
    }

    /// Bounds, ground and finiteness, as seen during stepping and in every sample.
    static func incidents(_ trajectory: Trajectory) -> [InvariantCheck] {
        var out: [InvariantCheck] = []
        for (name, kind, ok) in [("world_bounds", RunIncident.Kind.leftWorld, "every body stayed inside the world bounds"),
                                 ("ground", .belowGround, "no body passed through a ground plane"),
                                 ("finite", .nonFinite, "every position and velocity finite")] {
            var incident = trajectory.incidents.first { $0.kind == kind }
            if kind == .nonFinite, incident == nil,
               let bad = trajectory.samples.first(where: { $0.states.contains { !isFinite($0) } }) {
                incident = RunIncident(kind: .nonFinite, time: bad.time, object: 0, detail: "a sampled state is NaN or infinite")
            }
            if kind == .nonFinite, incident == nil, let bad = trajectory.steps.first(where: { !$0.total.isFinite }) {
                incident = RunIncident(kind: .nonFinite, time: bad.time, object: 0, detail: "the energy is NaN or infinite")
            }
            out.append(InvariantCheck(name: name, passed: incident == nil, value: nil, limit: nil,
                                      detail: incident.map { "object \($0.object) at t = \(String(format: "%.3f", $0.time)) s: \($0.detail)" } ?? ok))
        }
        return out
    }

    /// The largest kinetic energy of the run (the energy in motion, against which a rise is judged), at least
    /// the weight of the bodies times their size, so that a world at rest is not judged against zero.
    static func energyScale(_ trajectory: Trajectory, scene: Scene) -> Double {
        let g = length(scene.physics?.gravity ?? .zero)
        let floor = trajectory.masses.reduce(0) { $0 + $1.value * g * (trajectory.sizes[$1.key] ?? 0) }
        return max(trajectory.steps.map(\.kinetic).max() ?? 0, floor)
    }

    /// The corners of the shape's box in the body frame (a unit cube for a mesh).
    static func restCorners(_ shape: Shape, scale s: Vec3d) -> [Vec3d] {
        let box = shape.bounds(scale: s) ?? Bounds3(lower: Vec3d(repeating: -0.5), upper: Vec3d(repeating: 0.5))
        return (0..<8).map { i in Vec3d(i & 1 == 0 ? box.lower.x : box.upper.x, i & 2 == 0 ? box.lower.y : box.upper.y, i & 4 == 0 ? box.lower.z : box.upper.z) }
    }
}

func isFinite(_ s: BodyState) -> Bool {
    s.position.x.isFinite && s.position.y.isFinite && s.position.z.isFinite && s.orientation.w.isFinite && s.orientation.x.isFinite
        && s.orientation.y.isFinite && s.orientation.z.isFinite && s.velocity.x.isFinite && s.velocity.y.isFinite && s.velocity.z.isFinite
}

func mm(_ metres: Double) -> String { String(format: "%.3f mm", metres * 1000) }
func sci(_ x: Double) -> String { String(format: "%.2e", x) }

extension Simulator {
    /// The object-to-world transform a body state gives an object whose transform's scale is `scale`:
    /// the body frame is the object's translation and rotation, and the scale stays in the object.
    public static func transform(_ state: BodyState, scale: Vec3d) -> Matrix4 {
        Matrix4.compose(translation: state.position, rotation: state.orientation, scale: scale)
    }
}
