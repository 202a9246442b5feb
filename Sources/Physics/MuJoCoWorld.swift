@preconcurrency import CMuJoCoShim
import Foundation
import Geometry

/// A failure of the physics engine or of a run's invariants.
public struct PhysicsError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    /// MuJoCo's contact or constraint buffers filled up (handled inside the simulator by a larger rerun).
    static let buffersFull = PhysicsError("MuJoCo's contact buffers are full")
}

/// The state of one body: world position and orientation of its frame, linear and angular velocity (world frame).
public struct BodyState: Sendable, Equatable {
    public var position: Vec3d
    public var orientation: Quaternion
    public var velocity: Vec3d
    public var angularVelocity: Vec3d
    public init(position: Vec3d, orientation: Quaternion, velocity: Vec3d, angularVelocity: Vec3d) {
        self.position = position; self.orientation = orientation; self.velocity = velocity; self.angularVelocity = angularVelocity
    }
}

/// One contact point as MuJoCo reports it after a step.
struct ContactPoint {
    /// Object ids (object index + 1) of the two colliders, smaller first.
    var objects: (Int, Int)
    /// Signed distance; negative = penetration, metres.
    var distance: Double
    var point: Vec3d
    /// Unit normal, from the first collider towards the second.
    var normal: Vec3d
    /// Index in mjData's contact list, for its force.
    var index: Int32
}

/// Owns a compiled MuJoCo model and its state. Not thread-safe; one per simulation.
final class MuJoCoWorld {
    let model: UnsafeMutablePointer<mjModel>
    let data: UnsafeMutablePointer<mjData>
    /// Per dynamic object (in `CompiledWorld.dynamicObjects` order): body id, qpos and qvel addresses.
    let bodies: [(body: Int, qpos: Int, qvel: Int)]
    /// Object id of every geom.
    let geomObject: [Int]

    /// Where the guarded calls write their error messages.
    private let error = UnsafeMutablePointer<CChar>.allocate(capacity: 1024)
    private var errorText: String { String(cString: error).trimmingCharacters(in: .whitespacesAndNewlines) }

    init(_ compiled: CompiledWorld) throws {
        let buffer = error
        buffer.initialize(repeating: 0, count: 1024)
        guard let model = orbit_mj_load_xml(compiled.xml, buffer, 1024) else {
            let text = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
            buffer.deallocate()
            throw PhysicsError(text)
        }
        guard let data = orbit_mj_make_data(model, buffer, 1024) else {
            let text = String(cString: buffer)
            buffer.deallocate()
            mj_deleteModel(model)
            throw PhysicsError(text)
        }
        self.model = model
        self.data = data
        var bodies: [(Int, Int, Int)] = []
        for index in compiled.dynamicObjects {
            let b = Int(mj_name2id(model, Int32(mjOBJ_BODY.rawValue), "object-\(index + 1)"))
            let j = Int(model.pointee.body_jntadr[b])
            bodies.append((b, Int(model.pointee.jnt_qposadr[j]), Int(model.pointee.jnt_dofadr[j])))
        }
        self.bodies = bodies
        var geomObject = [Int](repeating: 0, count: Int(model.pointee.ngeom))
        for index in compiled.dynamicObjects + compiled.staticObjects {
            let g = Int(mj_name2id(model, Int32(mjOBJ_GEOM.rawValue), "object-\(index + 1)"))
            geomObject[g] = index + 1
        }
        self.geomObject = geomObject
    }

    deinit {
        mj_deleteData(data)
        mj_deleteModel(model)
        error.deallocate()
    }

    var time: Double { data.pointee.time }

    /// Sets a body's velocities (world frame) before the first step.
    func setVelocity(body i: Int, linear: Vec3d, angular: Vec3d, orientation: Quaternion) {
        let v = bodies[i].qvel
        let qvel = data.pointee.qvel!
        // a free joint's qvel is the linear velocity in the world frame, then the angular velocity in the body frame
        let local = orientation.conjugate.rotate(angular)
        for k in 0..<3 { qvel[v + k] = linear[k]; qvel[v + 3 + k] = local[k] }
    }

    func forward() throws {
        guard orbit_mj_forward(model, data, error, 1024) == 0 else { throw PhysicsError("MuJoCo: " + errorText) }
    }

    /// One step. Throws on MuJoCo errors; warnings are counted in `warningCounts` for the caller to judge.
    @inline(__always) func step() throws {
        guard orbit_mj_step(model, data, error, 1024) == 0 else {
            throw PhysicsError("MuJoCo stopped at t = \(time) s: " + errorText)
        }
    }

    /// Judges MuJoCo's warnings after a step: full buffers (contacts were dropped) throw `.buffersFull`;
    /// a singular inertia or a NaN in positions, velocities or accelerations (after which MuJoCo silently
    /// resets the state) throw an error with the time.
    @inline(__always) func checkWarnings() throws {
        let w = data.pointee.warning
        if w.1.number > 0 || w.2.number > 0 { throw PhysicsError.buffersFull }
        guard w.0.number > 0 || w.4.number > 0 || w.5.number > 0 || w.6.number > 0 else { return }
        let unstable = [(w.0.number, "a (nearly) singular inertia matrix"), (w.4.number, "a NaN or huge position"),
                        (w.5.number, "a NaN or huge velocity"), (w.6.number, "a NaN or huge acceleration")]
        if let (_, what) = unstable.first(where: { $0.0 > 0 }) {
            throw PhysicsError("MuJoCo found \(what) at t = \(String(format: "%.4f", time)) s: the simulation is unstable; check the masses, sizes and velocities, or raise physics.rate_hz")
        }
    }

    func state(body i: Int) -> BodyState {
        let d = data.pointee, b = bodies[i]
        let p = Vec3d(d.xpos[3 * b.body], d.xpos[3 * b.body + 1], d.xpos[3 * b.body + 2])
        let q = Quaternion(w: d.xquat[4 * b.body], x: d.xquat[4 * b.body + 1], y: d.xquat[4 * b.body + 2], z: d.xquat[4 * b.body + 3])
        let v = Vec3d(d.qvel[b.qvel], d.qvel[b.qvel + 1], d.qvel[b.qvel + 2])
        let w = Vec3d(d.qvel[b.qvel + 3], d.qvel[b.qvel + 4], d.qvel[b.qvel + 5])
        return BodyState(position: p, orientation: q, velocity: v, angularVelocity: q.rotate(w))
    }

    /// qpos and qvel of every body are finite.
    var stateIsFinite: Bool {
        let d = data.pointee, m = model.pointee
        for i in 0..<Int(m.nq) where !d.qpos[i].isFinite { return false }
        for i in 0..<Int(m.nv) where !d.qvel[i].isFinite { return false }
        return true
    }

    /// Potential (gravity) and kinetic energy, joules, as MuJoCo computed them in the last step.
    var energy: (potential: Double, kinetic: Double) { (data.pointee.energy.0, data.pointee.energy.1) }

    func mass(body i: Int) -> Double { model.pointee.body_mass[bodies[i].body] }

    var contactCount: Int { Int(data.pointee.ncon) }

    func contact(_ i: Int) -> ContactPoint {
        let c = data.pointee.contact[i]
        var a = geomObject[Int(c.geom1)], b = geomObject[Int(c.geom2)]
        var n = Vec3d(c.frame.0, c.frame.1, c.frame.2)
        if a > b { swap(&a, &b); n = -n }
        return ContactPoint(objects: (a, b), distance: c.dist, point: Vec3d(c.pos.0, c.pos.1, c.pos.2), normal: n, index: Int32(i))
    }

    /// The normal force of contact `i`, newtons.
    func normalForce(_ i: Int32) -> Double {
        var f = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        withUnsafeMutableBytes(of: &f) { raw in
            mj_contactForce(model, data, i, raw.baseAddress!.assumingMemoryBound(to: mjtNum.self))
        }
        return abs(f.0)
    }

    static var version: String {
        let v = Int(orbit_mj_version())
        return "\(v / 100).\(v / 10 % 10).\(v % 10)"
    }
}
