import Foundation
import Geometry
import Physics
import SceneFormat
import Testing
import TestSupport

/// Pinned hash (Box2D-style) of a physics trajectory: every sampled position, orientation and velocity, every
/// step's energies and contact depth, and every collision event of a world where boxes and spheres fall, collide
/// and settle, run twice. MuJoCo steps a world on one thread (the thread count of `orbit generate` is the
/// renderer's and has no part in the simulation), so there is one hash. A change to it is a change of Orbit's
/// worlds and must be made on purpose.
@Suite struct PhysicsDeterminismTests {
    @Test func trajectoryBytesArePinned() throws {
        let json = world(#"""
        {"type": "box", "size": [0.3, 0.2, 0.2], "transform": {"translate": [0, 0, 0.6], "rotate_deg": [10, 25, 0]}, "body": {"type": "dynamic"}},
        {"type": "sphere", "radius": 0.12, "transform": {"translate": [0.05, 0.02, 1.1]}, "body": {"type": "dynamic", "restitution": 0.4}},
        {"type": "cylinder", "radius": 0.1, "height": 0.3, "transform": {"translate": [-0.4, 0.1, 0.4], "rotate_deg": [80, 0, 0]}, "body": {"type": "dynamic"}}
        """#, physics: #""duration": 2, "clip": "live""#)
        var hashes: [String] = []
        for _ in 0..<2 {
            let result = try simulate(json)
            let t = result.trajectory
            var hash = FNV1a64()
            func add(_ v: Double) { withUnsafeBytes(of: v.bitPattern) { hash.combine(bytes: Data($0)) } }
            for sample in t.samples {
                for s in sample.states {
                    for v in [s.position.x, s.position.y, s.position.z, s.orientation.w, s.orientation.x, s.orientation.y, s.orientation.z,
                              s.velocity.x, s.velocity.y, s.velocity.z] { add(v) }
                }
            }
            for step in t.steps { add(step.kinetic); add(step.potential); add(step.penetration) }
            for c in t.collisions { add(c.time); add(c.force); add(Double(c.objects.0)); add(Double(c.objects.1)) }
            hashes.append(hash.hex)
        }
        #expect(hashes[0] == hashes[1])
        #expect(hashes[0] == "8b386d8570708b7d", "trajectory hash \(hashes[0])")
    }
}
