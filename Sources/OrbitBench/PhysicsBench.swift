import Capture
import Foundation
import Geometry
import Physics
import SceneFormat

/// The drop test of the peer benchmark (64 boxes onto a plane, initial states from its JSON files), reported
/// with the figures `physics_drop.py` prints, so the rows compare with MuJoCo's and PyBullet's own.
enum PhysicsBench {
    struct Initial: Decodable {
        var layout: String
        var positions: [[Double]]
        var quaternions_wxyz: [[Double]]
        var edge_m: Double
        var mass_kg: Double
        var friction: Double
        var duration_s: Double
        var mujoco_dt: Double
    }

    /// The drop scene: a ground plane and the 64 boxes, as a world scene with a fixed camera.
    static func scene(_ initial: Initial, clip: String = "live", frames: Int = 48, solver: String = "") throws -> Scene {
        let json = """
        {"format": 1, "name": "drop-\(initial.layout)", "camera": {"width": 400, "height": 400, "fov_x_deg": 40},
         "render": {"spp": 16, "max_bounces": 2}, "frame_rate": \(Double(frames) / initial.duration_s),
         "rig": {"type": "orbit", "radius": 3, "elevation_deg": 30, "frames": \(frames), "look_at": [0, 0, 0.15]},
         "background": {"type": "color", "color": [0.03, 0.03, 0.035]},
         "lights": [{"type": "environment", "top": [0.9, 0.9, 1.0], "bottom": [0.2, 0.18, 0.16]},
                    {"type": "directional", "direction": [-0.3, 0.2, -1], "irradiance": [2, 2, 2]}],
         "physics": {"rate_hz": \(1 / initial.mujoco_dt), "duration": \(initial.duration_s), "clip": "\(clip)"\(clip == "frozen" ? ", \"freeze_at\": \(initial.duration_s)" : "")\(solver)},
         "objects": [{"type": "plane", "name": "ground", "size": [3, 3], "material": {"base_color": [0.5, 0.5, 0.5]},
                      "body": {"type": "static", "friction": \(initial.friction)}}]}
        """
        var scene = try SceneLoader.decode(Data(json.utf8), file: "drop-\(initial.layout).json", baseDirectory: URL(fileURLWithPath: "."))
        for (i, (p, q)) in zip(initial.positions, initial.quaternions_wxyz).enumerated() {
            var body = Body(kind: .dynamic)
            body.mass = initial.mass_kg
            body.friction = initial.friction
            var material = Material()
            let hue = Double(i) / Double(initial.positions.count)
            material.baseColor = Vec3d(0.2 + 0.6 * hue, 0.35, 0.8 - 0.6 * hue)
            scene.objects.append(SceneObject(name: String(format: "box-%02d", i), shape: .box(size: Vec3d(repeating: initial.edge_m)),
                                             transform: Matrix4.compose(translation: Vec3d(p[0], p[1], p[2]),
                                                                        rotation: Quaternion(w: q[0], x: q[1], y: q[2], z: q[3])),
                                             material: material, jsonPath: "objects[\(i + 1)]", body: body))
        }
        return scene
    }

    /// A 48-frame live clip of the grid3d drop at 400×400 through the whole generator (simulate, pose, BVH, render, encode).
    static func liveClip(folder: String) throws {
        let url = URL(fileURLWithPath: folder).appendingPathComponent("physics_drop_init_grid3d_seed0.json")
        let initial = try JSONDecoder().decode(Initial.self, from: Data(contentsOf: url))
        let scene = try scene(initial, clip: "live", frames: 48)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-bench-live-\(getpid())")
        defer { try? FileManager.default.removeItem(at: output) }
        let summary = try Generator(scene: scene).run(output: output, overwrite: true)
        let timings = Dictionary(summary.timings, uniquingKeysWith: { a, _ in a })
        print("")
        print("| live clip (grid3d drop, 48 frames, 400x400, \(scene.render.samplesPerPixel) spp) | simulate s | render s | s/frame | total s |")
        print("|---|---|---|---|---|")
        print(String(format: "| %d frames, %d triangles per frame | %.2f | %.2f | %.3f | %.2f |", summary.frames, 12 * initial.positions.count + 2,
                     timings["simulate_s"] ?? 0, summary.renderSeconds, summary.renderSeconds / Double(summary.frames), summary.totalSeconds))
        if let s = summary.simulation { print("  " + s) }
    }

    static func run(folder: String, repeats: Int) throws {
        print("| configuration, layout | step loop s (median of \(repeats)) | instrumented s | final z min / mean / max | resting | max pen. mm | resting pen. mm (t ≥ 2 s) | KE max J | total E final / initial | settled at s | below plane | escaped | finite | deterministic |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        // Orbit's defaults, then MuJoCo's own (the peer's settings: Newton, pyramidal cone, 0.02 s contact springs)
        let configurations = [("orbit", ""), ("mujoco-default", #", "solver": {"method": "newton", "cone": "pyramidal", "contact_time_constant": 0.02}"#)]
        for (configuration, solver) in configurations {
        for layout in ["grid2d", "grid3d"] {
            let url = URL(fileURLWithPath: folder).appendingPathComponent("physics_drop_init_\(layout)_seed0.json")
            let initial = try JSONDecoder().decode(Initial.self, from: Data(contentsOf: url))
            let scene = try scene(initial, clip: "frozen", solver: solver)
            if let dump = ProcessInfo.processInfo.environment["ORBIT_BENCH_MJCF"] {
                try MJCF.compile(scene, meshVertices: [:]).xml.write(toFile: dump + "-" + layout + ".xml", atomically: true, encoding: .utf8)
            }
            let simulator = try Simulator(scene: scene)
            var walls: [Double] = []
            var finals: [[BodyState]] = []
            for _ in 0..<repeats {
                let r = try simulator.stepOnly(seconds: initial.duration_s)
                walls.append(r.wall); finals.append(r.final)
            }
            walls.sort()
            let median = walls[walls.count / 2]
            let result = try simulator.run(check: false)
            let trajectory = result.trajectory
            let last = trajectory.samples.last!
            let z = last.states.map(\.position.z)
            let resting = z.filter { abs($0 - initial.edge_m / 2) < 0.005 }.count
            let maxPen = trajectory.steps.map(\.penetration).max() ?? 0
            let restPen = trajectory.steps.filter { $0.time >= 2 - 1e-9 }.map(\.penetration).max() ?? 0
            // the peer's energy history: every 1/60 s
            let every = max(1, Int((1.0 / 60 / trajectory.timestep).rounded()))
            let history = trajectory.steps.enumerated().filter { $0.offset % every == 0 || $0.offset == trajectory.steps.count - 1 }.map(\.element)
            let keMax = history.map(\.kinetic).max() ?? 0
            // energies relative to the plane (MuJoCo's potential is relative to the origin, which is the plane here)
            let ratio = history.last!.total / history.first!.total
            var settled: Double? = nil
            for h in history { if h.kinetic < 1e-3 { if settled == nil { settled = h.time } } else { settled = nil } }
            let below = z.filter { $0 < 0 }.count
            let escaped = last.states.filter { abs($0.position.x) > 5 || abs($0.position.y) > 5 }.count
            let finite = last.states.allSatisfy { $0.position.x.isFinite && $0.position.y.isFinite && $0.position.z.isFinite }
            let deterministic = finals.allSatisfy { $0 == finals[0] } && finals[0].map(\.position) == last.states.map(\.position)
                && finals[0].map(\.orientation) == last.states.map(\.orientation)
            print(String(format: "| %@ %@ | %.3f | %.3f | %.4f / %.4f / %.4f | %d / %d | %.2f | %.4f | %.3f | %.4f | %@ | %d | %d | %@ | %@ |",
                         configuration, layout, median, result.wallSeconds, z.min()!, z.reduce(0, +) / Double(z.count), z.max()!, resting, z.count,
                         maxPen * 1000, restPen * 1000, keMax, ratio, settled.map { String(format: "%.3f", $0) } ?? "never",
                         below, escaped, finite ? "yes" : "no", deterministic ? "bitwise" : "NO"))
            print("  energy history (t, KE, PE) every 0.25 s: " + history.enumerated().filter { $0.offset % 15 == 0 }.map(\.element)
                .map { String(format: "(%.2f, %.3f, %.2f)", $0.time, $0.kinetic, $0.potential) }.joined(separator: " "))
            print("  step loop runs (s): " + walls.map { String(format: "%.3f", $0) }.joined(separator: " ")
                  + "; MuJoCo \(trajectory.mujocoVersion), \(result.trajectory.steps.count - 1) steps, contact buffers ×\(trajectory.contactScale), invariants \(result.invariants.passed ? "pass" : "FAIL: " + (result.invariants.failureMessage ?? ""))")
        }
        }
    }
}
