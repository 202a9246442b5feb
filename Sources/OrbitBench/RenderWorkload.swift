import Capture
import Exporters
import Foundation
import Geometry
import Render
import SceneFormat

/// Figures of one workload.
struct WorkloadResult: Codable {
    var name: String
    var frames: Int
    var width: Int
    var height: Int
    var spp: Int
    var triangles: Int
    var wallSeconds: Double
    var cpuSeconds: Double
    var cameraSamples: Int
    var rays: Int
    var peakMemoryMB: Double

    var json: String { String(decoding: try! JSONEncoder().encode(self), as: UTF8.self) }
}

enum RenderWorkload {
    static let exampleScenes = ["still-life", "mesh", "textured", "area-and-environment"]
    static let peerJob = "peer-knot-70k"

    /// The peer job of shared/bench (Blender Cycles 15.6 CPU-s, Mitsuba 3 LLVM 8.1 CPU-s): a ~70k-triangle mesh
    /// normalised to the unit sphere, diffuse grey 0.8 under a constant white environment of radiance 1, at most
    /// 2 indirect bounces, 24 frames at 400×400, 16 spp, elevation 20°, radius 3.2, horizontal FOV 40°, RGBA.
    static func peerScene(folder: URL) throws -> Scene {
        try PLYWriter.encode(Primitives.torusKnot(segments: 700, sides: 50)).write(to: folder.appendingPathComponent("knot70k.ply"))
        let json = #"""
        {"format": 1, "name": "peer-knot-70k", "camera": {"width": 400, "height": 400, "fov_x_deg": 40},
         "render": {"spp": 16, "max_bounces": 2}, "rig": {"type": "orbit", "radius": 3.2, "elevation_deg": 20, "frames": 24},
         "background": {"type": "transparent"}, "lights": [{"type": "environment", "radiance": [1, 1, 1]}],
         "objects": [{"type": "mesh", "path": "knot70k.ply", "normalize": true, "up_axis": "z",
                      "material": {"base_color": [0.8, 0.8, 0.8], "specular": 0}}]}
        """#
        return try SceneLoader.decode(Data(json.utf8), file: "peer-knot-70k", baseDirectory: folder)
    }

    static func run(name: String, frames: Int, scenesFolder: String) throws -> WorkloadResult {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-bench-\(getpid())")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }
        var scene: Scene
        var frameCount = frames
        if name == peerJob {
            scene = try peerScene(folder: temporary)
            frameCount = 24
        } else {
            scene = try SceneLoader.load(path: "\(scenesFolder)/\(name).json")
            scene.camera.width = 400
            scene.camera.height = 400
            scene.render.samplesPerPixel = 16
        }
        let models = try Generator.loadModels(scene)
        let renderScene = try RenderScene(scene: scene, models: models)
        let tracer = PathTracer(scene: renderScene)
        let views = Array(scene.views().prefix(frameCount))
        let settings = TraceSettings(scene.render)

        let cpu0 = cpuSeconds(), wall0 = DispatchTime.now().uptimeNanoseconds
        var rays = 0
        for view in views { rays += tracer.render(camera: view.camera, frameIndex: view.index, settings: settings).rayCount }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wall0) / 1e9, cpu = cpuSeconds() - cpu0

        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return WorkloadResult(name: name, frames: views.count, width: scene.camera.width, height: scene.camera.height,
                              spp: scene.render.samplesPerPixel, triangles: renderScene.triangleCount, wallSeconds: wall, cpuSeconds: cpu,
                              cameraSamples: views.count * scene.camera.width * scene.camera.height * scene.render.samplesPerPixel,
                              rays: rays, peakMemoryMB: Double(usage.ru_maxrss) / 1024)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// Runs every workload in its own process (so peak memory is per workload) and prints one table.
enum BenchmarkTable {
    static func run(frames: Int) throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let scenes = FileManager.default.fileExists(atPath: "scenes/still-life.json") ? "scenes" : "\(URL(fileURLWithPath: executable).deletingLastPathComponent().path)/../../scenes"
        print("orbit-bench: render workloads, 400x400, 16 spp, \(ProcessInfo.processInfo.activeProcessorCount) threads")
        print("")
        print("| workload | triangles | frames | s/frame | camera samples/s | rays/s | CPU s | peak MB |")
        print("|---|---|---|---|---|---|---|---|")
        for name in RenderWorkload.exampleScenes + [RenderWorkload.peerJob] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["job", name, String(frames), scenes]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
                  let r = try? JSONDecoder().decode(WorkloadResult.self, from: Data(line.utf8)) else {
                print("| \(name) | failed (exit \(process.terminationStatus)) | | | | | | |")
                continue
            }
            print(String(format: "| %@ | %d | %d | %.3f | %.2f M | %.2f M | %.2f | %.0f |", r.name, r.triangles, r.frames,
                         r.wallSeconds / Double(r.frames), Double(r.cameraSamples) / r.wallSeconds / 1e6, Double(r.rays) / r.wallSeconds / 1e6,
                         r.cpuSeconds, r.peakMemoryMB))
        }
        print("")
        print("Peer job (\(RenderWorkload.peerJob)), same machine kind: Blender Cycles 15.6 CPU s (8.3 M samples/s), Mitsuba 3 LLVM 8.1 CPU s (16.2 M samples/s); target ≤ 7.5 CPU s.")
    }
}
