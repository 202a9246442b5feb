import Foundation
import Geometry
import Physics
import SceneFormat
import Testing
import TestSupport

/// The scene → MJCF compiler: a snapshot of every shape, and the errors of unusable input.
@Suite struct MJCFTests {
    static let scenesFolder = repositoryRoot().appendingPathComponent("scenes")
    static let json = #"""
    {"format": 1, "name": "every shape", "rig": {"type": "fixed", "eye": [3, -3, 2]},
     "physics": {"duration": 1, "rate_hz": 400, "gravity": [0, 0, -9.8]},
     "objects": [
       {"type": "plane", "name": "ground", "size": [4, 4], "body": {"type": "static", "friction": 0.9}},
       {"type": "quad", "name": "ramp", "size": [1, 0.5], "transform": {"translate": [1, 0, 0.3], "rotate_deg": [0, -20, 0]}},
       {"type": "box", "name": "crate", "size": [0.2, 0.3, 0.4], "transform": {"translate": [0, 0, 1], "scale": 2}, "body": {"type": "dynamic", "mass": 3, "restitution": 0.5}},
       {"type": "sphere", "name": "ball", "center": [0.1, 0, 0], "radius": 0.1, "transform": {"translate": [0.5, 0.5, 1]},
        "body": {"type": "dynamic", "density": 500, "velocity": [1, 0, 0], "angular_velocity_deg": [0, 0, 90]}},
       {"type": "cylinder", "name": "can", "radius": 0.05, "height": 0.2, "transform": {"translate": [-0.5, 0, 1], "rotate_deg": [90, 0, 0]}, "body": {"type": "dynamic"}},
       {"type": "quad", "name": "card", "size": [0.1, 0.15], "transform": {"translate": [0, -0.5, 1]}, "body": {"type": "dynamic"}},
       {"type": "mesh", "name": "knot", "path": "assets/knot.obj", "normalize": true, "transform": {"translate": [0, 0.5, 1], "scale": 0.1}, "body": {"type": "dynamic"}},
       {"type": "sphere", "name": "decoration", "radius": 0.1, "body": {"type": "none"}}
     ]}
    """#
    static let tetrahedron = [Vec3d(0, 0, 0), Vec3d(1, 0, 0), Vec3d(0, 1, 0), Vec3d(0, 0, 1)]

    @Test func snapshot() throws {
        let scene = try decodeScene(Self.json, folder: Self.scenesFolder)
        let xml = try MJCF.compile(scene, meshVertices: [6: Self.tetrahedron]).xml
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/world.xml")
        try expectSnapshot(xml, url)
        // and MuJoCo accepts it: the whole world steps and holds its invariants
        let result = try Simulator(scene: scene, meshVertices: [6: Self.tetrahedron]).run()
        #expect(result.compiled.dynamicObjects == [2, 3, 4, 5, 6] && result.compiled.staticObjects == [0, 1])
        // MuJoCo computed the masses it was given or derived from density × volume
        #expect(abs(result.trajectory.masses[3]! - 3) < 1e-12)
        #expect(abs(result.trajectory.masses[4]! - 500 * 4 / 3 * Double.pi * 0.001) < 1e-9)
    }

    @Test func restitutionMapsToADampingRatio() {
        #expect(MJCF.dampingRatio(restitution: 0) == 1)
        // a damped oscillator with that ratio returns e of its speed after half a period
        for e in [0.1, 0.5, 0.9] {
            let z = MJCF.dampingRatio(restitution: e)
            #expect(abs(exp(-z * Double.pi / (1 - z * z).squareRoot()) - e) < 1e-12)
        }
    }

    @Test func flatMeshCannotCollide() throws {
        let scene = try decodeScene(Self.json, folder: Self.scenesFolder)
        let flat = [Vec3d(0, 0, 0), Vec3d(1, 0, 0), Vec3d(0, 1, 0), Vec3d(1, 1, 0)]
        #expect(throws: SceneError.self) { try MJCF.compile(scene, meshVertices: [6: flat]) }
        do { _ = try MJCF.compile(scene, meshVertices: [6: flat]) } catch {
            #expect("\(error)".hasPrefix("test.json: objects[6].path: \"assets/knot.obj\" cannot be a collider: all its vertices lie in one plane"))
        }
    }
}

@Suite struct WorldSceneErrorTests {
    func message(_ json: String) -> String? {
        do { _ = try decodeScene(json, file: "world.json"); return nil } catch { return "\(error)" }
    }
    func object(_ body: String) -> String {
        world(#"{"type": "box", "transform": {"translate": [0, 0, 1]}, "body": \#(body)}"#)
    }

    @Test func bodyFieldsOutOfRange() {
        #expect(message(object(#"{"type": "dynamic", "mass": -1}"#))
                == "world.json: objects[1].body.mass: expected a number in 1e-6...1e6 kg (a mass must be positive), got -1")
        #expect(message(object(#"{"type": "dynamic", "friction": -0.1}"#))
                == "world.json: objects[1].body.friction: expected a number in 0...10, got -0.1")
        #expect(message(object(#"{"type": "dynamic", "restitution": 1.2}"#))
                == "world.json: objects[1].body.restitution: expected a number in 0...0.9, got 1.2")
        #expect(message(object(#"{"type": "dynamic", "mass": 1, "density": 2}"#))
                == "world.json: objects[1].body: give either \"mass\" or \"density\", not both")
        #expect(message(object(#"{"type": "dynamc"}"#))?.hasPrefix("world.json: objects[1].body.type: unknown body type \"dynamc\"; did you mean \"dynamic\"?") == true)
    }

    @Test func spawnerThatCannotPlaceItsObjects() {
        let json = world("", extra: #"""
            "spawners": [{"type": "drop", "count": 50, "region": {"min": [0, 0, 1], "max": [0.2, 0.2, 1.2]}, "shapes": [{"type": "sphere", "radius": 0.1}]}],
            """#).replacingOccurrences(of: ", ]", with: "]")
        #expect(message(json)?.hasPrefix("world.json: spawners[0].count: could place only ") == true)
        #expect(message(json)?.hasSuffix(" of 50 objects without overlap in the region; enlarge \"region\" or lower \"count\"") == true)
    }

    @Test func physicsOnlyWhereItMeansSomething() {
        #expect(message(#"{"format": 1, "rig": {"type": "orbit"}, "objects": [{"type": "box", "body": {"type": "dynamic"}}]}"#)?
                    .hasPrefix("world.json: objects[0].body: a \"body\" needs a \"physics\" section") == true)
        #expect(message(world(#"{"type": "plane", "body": {"type": "dynamic"}}"#))?
                    .hasPrefix("world.json: objects[1].body: a \"plane\" is an infinite static collider and cannot move") == true)
        #expect(message(world("{\"type\": \"box\"}", physics: #""duration": 1, "clip": "live", "freeze_at": 1"#))
                == "world.json: physics.freeze_at: \"freeze_at\" needs \"clip\": \"frozen\"")
        #expect(message(world("{\"type\": \"box\"}", physics: #""rate_hz": 100, "solver": {"contact_time_constant": 0.001}"#))
                == "world.json: physics.solver.contact_time_constant: expected a number in 0.02...10 s (at least two physics steps), got 0.001")
    }
}
