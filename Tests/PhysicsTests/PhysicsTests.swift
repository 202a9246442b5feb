import Foundation
import Geometry
import Physics
import SceneFormat
import Testing
import TestSupport

/// A world scene: `objects` spliced into a scene with a ground plane and the given physics settings.
func world(_ objects: String, physics: String = #""duration": 1"#, extra: String = "") -> String {
    #"""
    {"format": 1, "rig": {"type": "fixed", "eye": [3, -3, 2]}, "physics": {\#(physics)}, \#(extra)
     "objects": [{"type": "plane", "name": "ground", "size": [4, 4]}, \#(objects)]}
    """#
}

func simulate(_ json: String, check: Bool = true) throws -> SimulationResult {
    try Simulator(scene: decodeScene(json)).run(check: check)
}

@Suite struct DynamicsTests {
    @Test func freeFallFollowsGravity() throws {
        // a sphere far above the ground, no contact: z(t) = z0 − g t² / 2 up to the integrator's O(dt) error
        let result = try simulate(world(#"{"type": "sphere", "radius": 0.1, "transform": {"translate": [0, 0, 10]}, "body": {"type": "dynamic"}}"#,
                                        physics: #""duration": 1, "clip": "live""#))
        let g = 9.81, dt = result.trajectory.timestep
        for sample in result.clipSamples {
            let t = sample.time
            let z = sample.states[0].position.z
            // semi-implicit Euler: z_n = z0 − g dt² n(n+1)/2, which is within g·t·dt/2 of the exact curve
            #expect(abs(z - (10 - g * t * t / 2)) <= g * t * dt / 2 + 1e-9, "t = \(t): z = \(z)")
        }
        let last = result.clipSamples.last!
        #expect(abs(last.states[0].velocity.z + g * last.time) < 1e-9)
        #expect(result.invariants.passed)
    }

    @Test func boxRestsOnThePlane() throws {
        let result = try simulate(world(#"{"type": "box", "size": [0.2, 0.2, 0.2], "transform": {"translate": [0, 0, 0.1]}, "body": {"type": "dynamic", "mass": 2}}"#,
                                        physics: #""duration": 2"#))
        for sample in result.trajectory.samples {
            #expect(abs(sample.states[0].position.z - 0.1) < 0.001, "t = \(sample.time): z = \(sample.states[0].position.z)")
        }
        #expect(result.trajectory.masses[2] == 2)
    }
}

extension DynamicsTests {
    @Test func restitutionBouncesAndZeroDoesNot() throws {
        func apexAfterFirstBounce(_ e: Double) throws -> Double {
            let r = try simulate(world(#"{"type": "sphere", "radius": 0.05, "transform": {"translate": [0, 0, 1.05]}, "body": {"type": "dynamic", "restitution": \#(e)}}"#,
                                       physics: #""duration": 1.5, "clip": "live""#).replacingOccurrences(of: #""size": [4, 4]}"#, with: #""size": [4, 4], "body": {"type": "static", "restitution": \#(e)}}"#))
            // the highest point after the ball first comes back up (sampled every frame)
            let z = r.trajectory.samples.map { $0.states[0].position.z - 0.05 }
            let bottom = z.firstIndex { $0 < 0.01 } ?? 0
            return z[bottom...].max() ?? 0
        }
        let none = try apexAfterFirstBounce(0), half = try apexAfterFirstBounce(0.5)
        #expect(none < 0.01)
        // a coefficient of restitution e returns e² of the drop height (0.25 m of 1 m), within the soft contact's blur
        #expect(half > 0.15 && half < 0.35, "apex \(half) m")
    }

    @Test func aDropHitsTheGroundOnceHard() throws {
        let h = 0.5
        let r = try simulate(world(#"{"type": "box", "size": [0.1, 0.1, 0.1], "transform": {"translate": [0, 0, \#(h + 0.05)]}, "body": {"type": "dynamic", "mass": 1}}"#))
        let events = r.trajectory.collisions
        let e = try #require(events.first)
        // the soft contact may let the box hop once, far more gently
        #expect(events.dropFirst().allSatisfy { $0.force < e.force / 5 && $0.objects == (1, 2) })
        #expect(e.objects == (1, 2))
        #expect(abs(e.time - (2 * h / 9.81).squareRoot()) < 0.01, "t = \(e.time)")
        #expect(abs(abs(e.normal.z) - 1) < 1e-6 && abs(e.point.z) < 0.02)
        #expect(e.force > 9.81)   // stopping a 1 kg box from 3 m/s takes far more than its weight
    }

    @Test func frozenClipWaitsForRest() throws {
        let r = try simulate(world(#"{"type": "box", "size": [0.2, 0.2, 0.2], "transform": {"translate": [0, 0, 0.6], "rotate_deg": [20, 30, 0]}, "body": {"type": "dynamic"}}"#,
                                   physics: #""duration": 4, "clip": "frozen""#))
        #expect(r.clipSamples.count == 1)
        let settled = try #require(r.trajectory.settledAt)
        let state = r.clipSamples[0].states[0]
        #expect(r.clipSamples[0].time >= settled + Simulator.restHold - 1e-9)
        #expect(length(state.velocity) < 0.01 && abs(state.position.z - 0.1) < 0.001)
    }

    @Test func aWorldThatNeverRestsIsAnError() {
        // a ball rolling on a frictionless plane keeps going
        #expect(throws: PhysicsError.self) {
            try simulate(world(#"{"type": "sphere", "radius": 0.1, "transform": {"translate": [0, 0, 0.1]}, "body": {"type": "dynamic", "velocity": [1, 0, 0], "friction": 0, "rolling_friction": 0}}"#,
                               physics: #""duration": 0.5, "clip": "frozen", "world_bounds": {"min": [-10, -10, -1], "max": [10, 10, 5]}"#)
                .replacingOccurrences(of: #""size": [4, 4]}"#, with: #""size": [4, 4], "body": {"type": "static", "friction": 0, "rolling_friction": 0}}"#))
        }
    }
}

@Suite struct DeterminismTests {
    static let scene = world("", physics: #""duration": 1, "clip": "live""#, extra: #"""
        "spawners": [{"type": "drop", "count": 6, "seed": SEED, "region": {"min": [-0.4, -0.4, 0.2], "max": [0.4, 0.4, 1]},
                      "shapes": [{"type": "box", "size": [0.1, 0.1, 0.1]}, {"type": "sphere", "radius": 0.06}, {"type": "cylinder", "radius": 0.05, "height": 0.1}]}],
        """#).replacingOccurrences(of: ", ]", with: "]")

    static func poseHash(seed: Int) throws -> String {
        let r = try simulate(scene.replacingOccurrences(of: "SEED", with: "\(seed)"))
        var hash = FNV1a64()
        for sample in r.trajectory.samples {
            for s in sample.states {
                hash.combine(contentsOf: [s.position.x, s.position.y, s.position.z, s.orientation.w, s.orientation.x, s.orientation.y,
                                          s.orientation.z, s.velocity.x, s.velocity.y, s.velocity.z])
            }
        }
        return hash.hex
    }

    @Test func sameSeedSamePoses() throws {
        let a = try Self.poseHash(seed: 4), b = try Self.poseHash(seed: 4), c = try Self.poseHash(seed: 5)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func spawnedObjectsStartApart() throws {
        let scene = try decodeScene(Self.scene.replacingOccurrences(of: "SEED", with: "9"))
        let spawned = scene.objects.filter { $0.jsonPath == "spawners[0]" }
        #expect(spawned.count == 6)
        let radius: (SceneObject) -> Double = { o in
            switch o.shape {
            case .box(let s): return length(s) / 2
            case .sphere(_, let r): return r
            case .cylinder(let r, let h): return (r * r + h * h / 4).squareRoot()
            default: return 0
            }
        }
        for i in spawned.indices {
            for j in spawned.indices where j > i {
                let d = length(spawned[i].transform.decomposed.translation - spawned[j].transform.decomposed.translation)
                #expect(d >= radius(spawned[i]) + radius(spawned[j]))
            }
        }
    }
}

@Suite struct ContactBufferTests {
    @Test func fullBuffersAreGrownAndTheRunRepeated() throws {
        // 27 touching boxes in a 3×3×3 block: 54 face pairs of up to 8 contacts each, beyond the first sizing
        var boxes: [String] = []
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 {
            boxes.append(#"{"type": "box", "size": [0.2, 0.2, 0.2], "transform": {"translate": [\#(0.2 * Double(i)), \#(0.2 * Double(j)), \#(0.1 + 0.2 * Double(k))]}, "body": {"type": "dynamic"}}"#)
        } } }
        let result = try simulate(world(boxes.joined(separator: ", "), physics: #""duration": 0.2"#))
        #expect(result.trajectory.contactScale > 1)
        #expect(result.trajectory.steps.map(\.penetration).max()! < 0.001)
    }
}

extension DynamicsTests {
    @Test func frozenAtATimeStopsThere() throws {
        let r = try simulate(world(#"{"type": "sphere", "radius": 0.1, "transform": {"translate": [0, 0, 10]}, "body": {"type": "dynamic"}}"#,
                                   physics: #""duration": 2, "clip": "frozen", "freeze_at": 0.3"#))
        #expect(r.clipSamples.count == 1 && abs(r.clipSamples[0].time - 0.3) < 1e-9)
        #expect(abs(r.clipSamples[0].states[0].velocity.z + 9.81 * 0.3) < 1e-9)
    }
}
