import Capture
import Foundation
import Geometry
import Media
import SceneFormat
import Testing
import TestSupport

/// A small world: two boxes dropped on a ground plane, seen by a 32×24 camera.
func worldScene(clip: String, rig: String = #"{"type": "orbit", "radius": 3, "elevation_deg": 35, "frames": 12, "look_at": [0, 0, 0.2]}"#) -> String {
    #"""
    {"format": 1, "camera": {"width": 32, "height": 24, "fov_x_deg": 50}, "render": {"spp": 2, "max_bounces": 1}, "frame_rate": 12,
     "rig": \#(rig), "lights": [{"type": "environment", "radiance": [1, 1, 1]}],
     "physics": {"duration": 1, "clip": "\#(clip)"},
     "objects": [{"type": "plane", "name": "ground", "size": [3, 3]},
                 {"type": "box", "name": "a", "size": [0.3, 0.3, 0.3], "transform": {"translate": [0, 0, 0.6]}, "body": {"type": "dynamic"}},
                 {"type": "box", "name": "b", "size": [0.2, 0.2, 0.2], "transform": {"translate": [0.05, 0, 1.2], "rotate_deg": [0, 0, 30]}, "body": {"type": "dynamic"}}]}
    """#
}

@Suite struct WorldClipTests {
    @Test func liveClipRecordsPosesVisibilityCollisionsAndInvariants() throws {
        let folder = TemporaryFolder()
        let scene = try decodeScene(worldScene(clip: "live"), file: "world.json", folder: folder.url)
        let out = folder.path("clip")
        let summary = try Generator(scene: scene).run(output: out, overwrite: false)
        #expect(summary.frames == 12)   // 1 s at 12 frames per second
        #expect(summary.simulation?.hasSuffix("invariants hold") == true)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("world.xml").path))

        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metadata.json"))) as! [String: Any]
        let instances = metadata["instances"] as! [[String: Any]]
        #expect(instances.map { $0["id"] as! Int } == [1, 2, 3])
        #expect(instances[0]["positions"] == nil)   // the ground is static
        for box in instances[1...] {
            let positions = box["positions"] as! [[Double]]
            #expect(positions.count == 12 && (box["quaternions_wxyz"] as! [[Double]]).count == 12)
            #expect((box["velocities"] as! [[Double]]).count == 12 && (box["angular_velocities"] as! [[Double]]).count == 12)
            #expect(positions[0][2] > positions[11][2])   // it fell
        }
        // the first frame is the initial state
        #expect(abs((instances[1]["positions"] as! [[Double]])[0][2] - 0.6) < 1e-9)

        // visibility is the count of the object's pixels in the instance image of that frame
        for frame in [0, 5, 11] {
            guard case .sixteen(let ids) = try PNG.read(out.appendingPathComponent(String(format: "instances/frame_%05d.png", frame))) else {
                Issue.record("16-bit"); return
            }
            for (k, instance) in instances.enumerated() {
                let counted = ids.samples.filter { Int($0) == k + 1 }.count
                #expect((instance["visibility"] as! [Int])[frame] == counted)
            }
        }
        let collisions = (metadata["events"] as! [String: Any])["collisions"] as! [[String: Any]]
        let pairs = Set(collisions.map { c -> String in
            let ids = c["instances"] as! [Int]
            return "\(ids[0])-\(ids[1])"
        })
        #expect(pairs.contains("1-2") && pairs.contains("2-3"))   // a on the ground, b on a
        for c in collisions { #expect(c["frame"] as! Int >= 0 && (c["force"] as! Double) > 0 && (c["contact_normal"] as! [Double]).count == 3) }
        let invariants = metadata["invariants"] as! [String: Any]
        #expect(invariants["passed"] as? Bool == true)
        #expect((invariants["checks"] as! [[String: Any]]).map { $0["name"] as! String }
                == ["object_permanence", "rigidity", "penetration", "resting_penetration", "energy", "world_bounds", "ground", "finite"])
        let simulation = metadata["simulation"] as! [String: Any]
        #expect(simulation["clip"] as? String == "live" && (simulation["frame_times_s"] as! [Double]).count == 12)
    }

    @Test func frozenClipOrbitsTheRestingWorld() throws {
        let folder = TemporaryFolder()
        let json = worldScene(clip: "frozen", rig: #"{"type": "orbit", "radius": 3, "elevation_deg": 35, "frames": 6, "test_every": 3, "look_at": [0, 0, 0.2]}"#)
        let scene = try decodeScene(json, file: "world.json", folder: folder.url)
        let out = folder.path("clip")
        let summary = try Generator(scene: scene).run(output: out, overwrite: false)
        #expect(summary.frames == 6)
        for name in ["transforms_train.json", "transforms_test.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metadata.json"))) as! [String: Any]
        let box = (metadata["instances"] as! [[String: Any]])[2]
        let positions = box["positions"] as! [[Double]]
        let distinct = Set(positions.map { "\($0)" })
        #expect(positions.count == 6 && distinct.count == 1)  // one frozen pose
        // b ends on top of a: its centre at 0.3 + 0.1 above the ground, within a millimetre
        #expect(abs(positions[0][2] - 0.4) < 0.001, "z = \(positions[0][2])")
        let simulation = metadata["simulation"] as! [String: Any]
        #expect(simulation["clip"] as? String == "frozen" && simulation["freeze_at"] as? String == "rest")
        #expect((simulation["settled_at_s"] as? Double) != nil)
    }

    @Test func runRefusesALiveClip() throws {
        let folder = TemporaryFolder()
        let file = folder.write(worldScene(clip: "live"), to: "world.json")
        let result = try runProcess(orbitExecutable(), ["run", file.path, "--out", folder.path("run").path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("physics.clip: a live clip"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("run").path))
    }

    @Test func simulateCommandReportsInvariants() throws {
        let folder = TemporaryFolder()
        let file = folder.write(worldScene(clip: "live"), to: "world.json")
        let result = try runProcess(orbitExecutable(), ["simulate", file.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("ok   energy") && result.stdout.contains("2 dynamic objects"))
    }
}

@Suite(.tags(.slow), .disabled(if: TestRun.fast, "slow: ./scripts/test --fast leaves it out")) struct ExampleWorldTests {
    @Test(arguments: ["drop-on-table", "tower-collapse", "balls-into-bowl", "movi", "frozen-pile"])
    func exampleWorldsHoldTheirInvariants(name: String) throws {
        let scene = try SceneLoader.load(path: repositoryRoot().appendingPathComponent("scenes/\(name).json").path)
        let result = try Generator.simulate(scene)
        #expect(result.invariants.passed)
        #expect(!result.trajectory.collisions.isEmpty)
    }

    @Test func towerCollapsesAndBallsEndInTheBowl() throws {
        let tower = try Generator.simulate(SceneLoader.load(path: repositoryRoot().appendingPathComponent("scenes/tower-collapse.json").path))
        // the top block ends near the ground: the tower fell
        #expect(tower.clipSamples.last!.states.last!.position.z < 0.3)
        let bowl = try Generator.simulate(SceneLoader.load(path: repositoryRoot().appendingPathComponent("scenes/balls-into-bowl.json").path))
        // every ball ends inside the bowl's rim (radius 0.49 m around the origin)
        for s in bowl.clipSamples.last!.states {
            #expect((s.position.x * s.position.x + s.position.y * s.position.y).squareRoot() < 0.49 && s.position.z < 0.3)
        }
    }
}

extension WorldClipTests {
    @Test func invisibleObjectsCollideButAreNotSeen() throws {
        let folder = TemporaryFolder()
        let json = worldScene(clip: "frozen").replacingOccurrences(of: #"{"type": "plane", "name": "ground", "size": [3, 3]}"#,
                                                                  with: #"{"type": "plane", "name": "ground", "size": [3, 3], "visible": false}"#)
        let scene = try decodeScene(json, file: "world.json", folder: folder.url)
        let out = folder.path("clip")
        _ = try Generator(scene: scene).run(output: out, overwrite: false)
        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metadata.json"))) as! [String: Any]
        let instances = metadata["instances"] as! [[String: Any]]
        #expect((instances[0]["visibility"] as! [Int]).allSatisfy { $0 == 0 })       // the ground is never seen
        #expect(abs((instances[1]["positions"] as! [[Double]])[0][2] - 0.15) < 0.001)  // yet box a rests on it
    }
}
