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
