import Foundation
import Geometry
import Physics
import SceneFormat
import Testing
import TestSupport

/// Each invariant check must catch a violation: injected into a clean run's trajectory, or made physically.
@Suite struct InvariantTests {
    static let json = world(#"{"type": "box", "size": [0.2, 0.2, 0.2], "transform": {"translate": [0, 0, 0.5], "rotate_deg": [20, 30, 0], "scale": [1, 2, 0.5]}, "body": {"type": "dynamic"}}, {"type": "sphere", "radius": 0.1, "transform": {"translate": [0.5, 0, 0.8]}, "body": {"type": "dynamic"}}"#,
                            physics: #""duration": 1.5, "clip": "live""#)

    func clean() throws -> (SimulationResult, Scene) {
        let scene = try decodeScene(Self.json)
        let result = try Simulator(scene: scene).run()
        #expect(result.invariants.passed)
        return (result, scene)
    }

    func failed(_ trajectory: Trajectory, _ result: SimulationResult, _ scene: Scene) -> [String] {
        InvariantReport.check(trajectory, scene: scene, compiled: result.compiled).checks.filter { !$0.passed }.map(\.name)
    }

    @Test func permanence() throws {
        let (result, scene) = try clean()
        var t = result.trajectory
        t.samples[10].ids.removeLast(); t.samples[10].states.removeLast()   // an object vanishes for a frame
        #expect(failed(t, result, scene) == ["object_permanence"])
    }

    /// The box is scaled unevenly and lands on an edge, so it turns: its shape is measured as the renderer
    /// places it, and a scale applied in world axes instead of object axes would change it.
    @Test func rigidity() throws {
        let (result, scene) = try clean()
        let rotations = result.trajectory.samples.map { $0.states[0].orientation }
        let r0 = rotations[0]
        #expect(rotations.contains { abs($0.w * r0.w + $0.x * r0.x + $0.y * r0.y + $0.z * r0.z) < 0.99 }, "the box must turn for the check to mean anything")
        var t = result.trajectory
        // a pose that is not a rotation (a quaternion of norm 1.05) stretches the box
        t.samples[5].states[0].orientation = Quaternion(w: 0.8 * 1.05, x: 0.6 * 1.05, y: 0, z: 0)
        #expect(failed(t, result, scene) == ["rigidity"])
    }

    @Test func penetrationDuringTheRunAndAtRest() throws {
        let (result, scene) = try clean()
        var t = result.trajectory
        t.steps[200].penetration = 0.2
        #expect(failed(t, result, scene).contains("penetration"))
        t = result.trajectory
        let settled = try #require(t.settledAt)
        let k = t.steps.lastIndex { $0.time >= settled }!
        t.steps[k].penetration = 0.004
        #expect(failed(t, result, scene) == ["resting_penetration"])
    }

    @Test func energyGain() throws {
        let (result, scene) = try clean()
        var t = result.trajectory
        for k in 600..<t.steps.count { t.steps[k].kinetic += 5 }   // 5 J from nowhere
        #expect(failed(t, result, scene) == ["energy"])
    }

    @Test func nonFiniteState() throws {
        let (result, scene) = try clean()
        var t = result.trajectory
        t.samples[7].states[1].position.x = .nan
        #expect(failed(t, result, scene) == ["finite"])
    }

    @Test func leavingTheWorld() throws {
        let json = world(#"{"type": "sphere", "radius": 0.1, "transform": {"translate": [0, 0, 1]}, "body": {"type": "dynamic", "velocity": [8, 0, 2]}}"#,
                         physics: #""duration": 1, "world_bounds": {"min": [-2, -2, -1], "max": [2, 2, 3]}"#)
        let result = try Simulator(scene: decodeScene(json)).run(check: false)
        #expect(result.invariants.checks.filter { !$0.passed }.map(\.name) == ["world_bounds"])
        #expect(throws: PhysicsError.self) { try Simulator(scene: decodeScene(json)).run() }
    }

    @Test func fallingThroughTheGround() throws {
        // a body that starts below the ground plane is behind it for good
        let json = world(#"{"type": "sphere", "radius": 0.1, "transform": {"translate": [0, 0, -0.5]}, "body": {"type": "dynamic"}}"#)
        let result = try Simulator(scene: decodeScene(json)).run(check: false)
        #expect(result.invariants.checks.filter { !$0.passed }.map(\.name).contains("ground"))
    }
}
