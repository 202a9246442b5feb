import Foundation
import Geometry

/// The `physics` section: how the world evolves and what the clip shows. Present only in world scenes.
public struct PhysicsSettings: Sendable, Equatable {
    /// m/s². Default (0, 0, −9.81).
    public var gravity = Vec3d(0, 0, -9.81)
    /// Physics steps per second (fixed step 1 / rate). Default 500.
    public var rate: Double = 500
    /// Seconds of simulation: the length of a live clip, the longest wait for a frozen one. Default 2.
    public var duration: Double = 2
    public var clip: ClipMode = .live
    /// Bodies must stay inside; nil: the objects' initial extent padded by max(5 m, twice its size).
    public var worldBounds: Bounds3? = nil
    public var tolerances = InvariantTolerances()
    public var solver = SolverSettings()
    /// The defaults.
    public init() {}

    public var timestep: Double { 1 / rate }
    /// The contact spring's time constant in seconds (default three steps).
    public var contactTimeConstant: Double { solver.contactTimeConstant ?? 3 * timestep }
}

/// MuJoCo's constraint solver settings (docs/world.md explains the defaults, measured on the drop benchmark).
public struct SolverSettings: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        case cg, newton
        public var mujocoName: String { self == .cg ? "CG" : "Newton" }
    }
    public enum Cone: String, Sendable, CaseIterable { case elliptic, pyramidal }
    /// Default conjugate gradient.
    public var method: Method = .cg
    /// Friction cone: elliptic (Coulomb's exact cone, default) or pyramidal (MuJoCo's default).
    public var cone: Cone = .elliptic
    /// Contact spring time constant, seconds, at least two steps; nil: three steps. MuJoCo's default is 0.02 s.
    public var contactTimeConstant: Double? = nil
    /// The defaults.
    public init() {}
}

public enum ClipMode: Sendable, Equatable {
    /// The world evolves while the camera follows its rig; frame k at time k / frame_rate.
    case live
    /// Simulate to a time or until everything rests, then every view of the rig sees that frozen world.
    case frozen(FreezePoint)

    public var name: String {
        switch self {
        case .live: return "live"
        case .frozen: return "frozen"
        }
    }
}

public enum FreezePoint: Sendable, Equatable {
    case rest
    case time(Double)
}

/// Limits of the invariants checked on every run (docs/world.md).
public struct InvariantTolerances: Sendable, Equatable {
    /// Deepest contact allowed at any step, metres. Default 0.05.
    public var penetration: Double = 0.05
    /// Deepest contact allowed once the world rests, metres. Default 0.001.
    public var restingPenetration: Double = 0.001
    /// Largest rise of total energy above its running minimum, as a fraction of the energy scale
    /// (initial kinetic energy plus the potential energy above the lowest body). Default 0.02.
    public var energyRise: Double = 0.02
    /// A body rests below these speeds (m/s, rad/s). Defaults 0.01 and 0.1.
    public var restSpeed: Double = 0.01
    public var restAngularSpeed: Double = 0.1
    /// The defaults.
    public init() {}
}

/// How an object takes part in the simulation.
public struct Body: Sendable, Equatable {
    public enum Kind: String, Sendable { case dynamic, `static`, none }
    public var kind: Kind = .static
    /// Dynamic bodies: mass in kg, or density in kg/m³ (MuJoCo computes the mass from the collider's volume).
    /// Default density 1000.
    public var mass: Double? = nil
    public var density: Double = 1000
    /// Coulomb friction coefficient, 0...10. Default 0.5. A contact uses the larger of its two objects'.
    public var friction: Double = 0.5
    /// Rolling resistance of round shapes (spheres, cylinders, meshes): the resisting torque per newton of normal
    /// force, metres, 0...1. Default 0.002 (a rubber ball on a hard floor); without it a ball rolls forever.
    public var rollingFriction: Double = 0.002
    /// Coefficient of restitution, 0...0.9 (mapped to the contact's damping ratio). Default 0. MuJoCo's soft
    /// contacts gain energy at box corners in nearly elastic impacts, so higher values are refused.
    public var restitution: Double = 0
    /// Initial linear velocity (m/s) and angular velocity (rad/s), world frame.
    public var velocity: Vec3d = .zero
    public var angularVelocity: Vec3d = .zero
    /// Static objects declared `"type": "plane"` collide as an infinite plane (their face, facing +Z in object space).
    public var infinitePlane = false
    public init(kind: Kind = .static) { self.kind = kind }
}
