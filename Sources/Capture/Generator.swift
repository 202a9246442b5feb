import Assets
import Dataset
import Exporters
import FileSafety
import Foundation
import Geometry
import Media
import Physics
import Render
import SceneFormat

/// What `Generator.run` produced.
public struct GenerateSummary: Sendable {
    /// Frames rendered.
    public var frames: Int
    /// Image width, pixels.
    public var width: Int
    /// Image height, pixels.
    public var height: Int
    /// Seconds spent rendering (path tracing) in all.
    public var renderSeconds: Double
    /// Seconds of the whole run: loading, simulation, rendering, writing.
    public var totalSeconds: Double
    /// Camera samples: pixels × samples per pixel × frames.
    public var cameraSamples: Int
    /// Rays traced, shadow rays included.
    public var rays: Int
    /// The dataset folder written.
    public var output: URL
    /// One line about the simulation of a world scene (nil for still scenes).
    public var simulation: String? = nil
    /// Seconds per phase (`load_s`, `simulate_s` for worlds, `build_s`, `render_s`, `render_per_frame_s`,
    /// `total_s`). Not in metadata.json, which holds only what the scene determines.
    public var timings: [(String, Double)] = []
}

/// Scene file → orbit clip: renders every view of the rig and writes the dataset folder
/// (docs/dataset.md) under a temporary name, moving it into place only when everything is written.
public struct Generator: Sendable {
    /// The scene to render.
    public var scene: Scene
    /// Worker threads for rendering. Default: all cores.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// A generator of `scene`'s clip.
    public init(scene: Scene) { self.scene = scene }

    /// Imports every mesh object's file; failures become scene errors naming the object's `path` field.
    public static func loadModels(_ scene: Scene) throws -> [Int: ImportedModel] {
        var models: [Int: ImportedModel] = [:]
        for (index, object) in scene.objects.enumerated() {
            guard case .mesh(let source) = object.shape else { continue }
            do {
                models[index] = try MeshImporter.load(source.url, options: .init(upAxis: source.upAxis, normalizeToUnitSphere: source.normalize))
            } catch let error as AssetError {
                throw SceneError(file: scene.file, path: "\(object.jsonPath).path", message: "\"\(source.path)\": \(error.message)")
            }
        }
        return models
    }

    /// Runs a world scene's physics (its meshes imported for their colliders); `check: false` returns a run
    /// whose invariants failed instead of throwing.
    public static func simulate(_ scene: Scene, models: [Int: ImportedModel]? = nil, check: Bool = true,
                                progress: (Double) -> Void = { _ in }) throws -> SimulationResult {
        let models = try models ?? loadModels(scene)
        return try Simulator(scene: scene, meshVertices: colliderVertices(scene, models: models)).run(check: check, progress: progress)
    }

    /// Refuses a scene whose render would exceed the budget: camera samples (work) and the memory of one
    /// frame's buffers (colour, depth, normals, ids and their encodings, about 96 bytes a pixel).
    public static func checkBudget(_ scene: Scene) throws {
        let budget = ResourceBudget.current
        let frames: Int
        if case .live = scene.physics?.clip, let physics = scene.physics { frames = max(1, Int((physics.duration * scene.frameRate).rounded())) } else { frames = scene.views().count }
        let w = scene.camera.width, h = scene.camera.height, spp = scene.render.samplesPerPixel
        try budget.checkSamples(Checked.product([w, h, spp, frames]), for: scene.file,
                                what: "\(frames) frames of \(w)x\(h) pixels at \(spp) samples per pixel")
        try budget.checkMemory(Checked.product([w, h, 96]), for: scene.file, what: "a \(w)x\(h) frame")
    }

    /// Checks everything that can be checked without rendering: the scene and its assets.
    public static func validate(_ scene: Scene) throws -> (objects: Int, triangles: Int, views: Int) {
        try checkBudget(scene)
        let models = try loadModels(scene)
        let renderScene = try RenderScene(scene: scene, models: models)
        if scene.physics != nil {
            // compile the world and load it into MuJoCo, without stepping
            try Simulator(scene: scene, meshVertices: colliderVertices(scene, models: models)).validate()
        }
        return (scene.objects.count, renderScene.triangleCount, scene.views().count)
    }

    /// Simulates (worlds), renders every view and writes the dataset folder `output`, staged and moved into
    /// place when complete; an existing non-empty folder is replaced only with `overwrite`. `finishing` may add
    /// files to the staged folder once everything else is written (it gets the summary so far), so that they
    /// move into place with it.
    public func run(output: URL, overwrite: Bool, progress: (JobProgress) -> Void = { _ in },
                    finishing: (StagedFolder, GenerateSummary) throws -> Void = { _, _ in }) throws -> GenerateSummary {
        let start = DispatchTime.now()
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

        try Self.checkBudget(scene)
        let models = try Self.loadModels(scene)
        let loadSeconds = seconds()
        var simulation: SimulationResult? = nil
        if scene.physics != nil {
            progress(JobProgress(done: 0, total: 1, elapsed: seconds(), detail: "simulating"))
            simulation = try Self.simulate(scene, models: models) { fraction in
                progress(JobProgress(done: 0, total: 1, elapsed: seconds(), detail: String(format: "simulating: %.0f%%", 100 * fraction)))
            }
        }
        let simulateSeconds = seconds() - loadSeconds
        let plan = ClipPlan(scene: scene, simulation: simulation)
        let firstScene = try RenderScene(scene: plan.worlds[0], models: models)
        let buildSeconds = seconds() - loadSeconds - simulateSeconds

        let folder = try StagedFolder(destination: output, overwrite: overwrite)
        var succeeded = false
        defer { if !succeeded { folder.discard() } }
        let rendered = try renderClip(plan, firstScene: firstScene, models: models, into: folder) { done in
            progress(JobProgress(done: done, total: plan.frames.count, elapsed: seconds()))
        }

        // ground-truth geometry in world coordinates
        // (a live clip's world at its last frame)
        let groundTruth = Self.groundTruthMesh(plan.worlds[plan.worlds.count - 1], models: models)
        try MeshWriter.write(groundTruth, to: folder.url("ground_truth.ply"), format: .ply,
                             comment: "orbit ground truth of \(scene.name); world coordinates, metres, +Z up")
        try Self.writeCameraFiles(plan, into: folder)
        let samples = plan.frames.count * scene.camera.width * scene.camera.height * scene.render.samplesPerPixel
        var timings = [("load_s", loadSeconds), ("build_s", buildSeconds), ("render_s", rendered.seconds),
                       ("render_per_frame_s", rendered.seconds / Double(plan.frames.count)), ("total_s", seconds())]
        if simulation != nil { timings.insert(("simulate_s", simulateSeconds), at: 1) }
        var metadata = Self.metadata(scene: scene, models: models, renderScene: rendered.lastScene, frames: plan.frames.count,
                                     samples: samples, rays: rendered.rays)
        if let simulation {
            if case .object(var members) = metadata {
                let at = members.firstIndex { $0.0 == "statistics" } ?? members.count
                members.insert(contentsOf: Self.worldMetadata(scene: scene, simulation: simulation, plan: plan, visibility: rendered.visibility), at: at)
                metadata = .object(members)
            }
            try Data(simulation.compiled.xml.utf8).write(to: folder.url("world.xml"))
        }
        try Data((metadata.rendered() + "\n").utf8).write(to: folder.url("metadata.json"))
        var summary = GenerateSummary(frames: plan.frames.count, width: scene.camera.width, height: scene.camera.height, renderSeconds: rendered.seconds,
                                      totalSeconds: seconds(), cameraSamples: samples, rays: rendered.rays, output: folder.destination)
        summary.simulation = simulation.map(Self.simulationLine)
        summary.timings = timings
        try finishing(folder, summary)
        try folder.commit()
        succeeded = true
        summary.totalSeconds = seconds()
        if let last = summary.timings.indices.last { summary.timings[last].1 = summary.totalSeconds }
        return summary
    }

    /// One line about a simulation for the summary.
    static func simulationLine(_ simulation: SimulationResult) -> String {
        let t = simulation.trajectory
        return String(format: "simulated %.2f s in %d steps (%.2f s), %d collisions, deepest contact %.2f mm, %@; invariants hold",
                      t.steps.last!.time, t.steps.count - 1, simulation.wallSeconds, t.collisions.count,
                      (t.steps.map(\.penetration).max() ?? 0) * 1000,
                      t.settledAt.map { String(format: "at rest from %.2f s", $0) } ?? "still moving at the end")
    }

    /// What rendering a clip gave besides its files.
    struct RenderedClip {
        var seconds = 0.0
        var rays = 0
        /// Pixels of each object (by id) in each frame.
        var visibility: [[Int]] = []
        /// The scene of the last frame's world.
        var lastScene: RenderScene
    }

    /// Renders every frame of the plan into the folder's image, depth, normal, mask and instance PNGs and its
    /// video, building a new BVH whenever the world moves; `progress` gets the frames done.
    func renderClip(_ plan: ClipPlan, firstScene: RenderScene, models: [Int: ImportedModel], into folder: StagedFolder,
                    progress: (Int) -> Void) throws -> RenderedClip {
        for name in [DatasetLayout.images, DatasetLayout.depth, DatasetLayout.normals, DatasetLayout.masks, DatasetLayout.instances] {
            try folder.makeFolder(name)
        }
        let video = try VideoWriter(url: folder.url("video.mp4"), width: scene.camera.width, height: scene.camera.height,
                                    frameRate: scene.frameRate)
        let matte: Vec3
        if case .transparent(let m) = scene.background { matte = Vec3(Float(m.x), Float(m.y), Float(m.z)) } else { matte = .zero }
        var settings = TraceSettings(scene.render)
        settings.threads = threads
        var result = RenderedClip(lastScene: firstScene)
        var sceneWorld = 0
        var tracer = PathTracer(scene: firstScene)
        progress(0)
        for view in plan.frames {
            let t0 = DispatchTime.now().uptimeNanoseconds
            if view.world != sceneWorld {
                // the world moved: a new BVH for this frame's poses
                result.lastScene = try RenderScene(scene: plan.worlds[view.world], models: models)
                tracer = PathTracer(scene: result.lastScene)
                sceneWorld = view.world
            }
            let frame = tracer.render(camera: view.camera, frameIndex: view.index, settings: settings)
            result.seconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            result.rays += frame.rayCount
            var counts = [Int](repeating: 0, count: scene.objects.count + 1)
            for id in frame.instanceIDs where Int(id) < counts.count { counts[Int(id)] += 1 }
            result.visibility.append(counts)
            try PNG.write(FrameEncoding.rgba(frame), to: folder.url(DatasetLayout.path(DatasetLayout.images, view.stem)))
            try PNG.write(FrameEncoding.depthMillimetres(frame), to: folder.url(DatasetLayout.path(DatasetLayout.depth, view.stem)))
            try PNG.write(FrameEncoding.normals(frame), to: folder.url(DatasetLayout.path(DatasetLayout.normals, view.stem)))
            try PNG.write(FrameEncoding.mask(frame), to: folder.url(DatasetLayout.path(DatasetLayout.masks, view.stem)))
            try PNG.write(FrameEncoding.instances(frame), to: folder.url(DatasetLayout.path(DatasetLayout.instances, view.stem)))
            try video.append(rgb: FrameEncoding.composited(frame, matte: matte))
            progress(view.index + 1)
        }
        try video.finish()
        return result
    }

    /// `transforms.json` and, when the rig has splits, NeRF-synthetic `transforms_<split>.json` files.
    static func writeCameraFiles(_ plan: ClipPlan, into folder: StagedFolder) throws {
        let frames = plan.frames.map { DatasetFrame(stem: $0.stem, split: $0.split?.rawValue, camera: $0.camera) }
        try Data((DatasetLayout.transforms(frames: frames).rendered() + "\n").utf8).write(to: folder.url("transforms.json"))
        for (split, subset) in DatasetLayout.splits(frames) where !subset.isEmpty {
            try Data((DatasetLayout.nerfSyntheticTransforms(frames: subset).rendered() + "\n").utf8)
                .write(to: folder.url("transforms_\(split).json"))
        }
    }

    /// Every object tessellated and transformed into world space, merged into one mesh with base colours per vertex.
    public static func groundTruthMesh(_ scene: Scene, models: [Int: ImportedModel]) -> TriangleMesh {
        var merged = TriangleMesh()
        for (index, object) in scene.objects.enumerated() where object.visible {
            var parts: [TriangleMesh] = []
            if case .mesh = object.shape, let model = models[index] {
                for part in model.parts {
                    var mesh = part.mesh
                    let color = object.material.map { Vec3(Float($0.baseColor.x), Float($0.baseColor.y), Float($0.baseColor.z)) }
                        ?? model.materials[part.materialIndex].baseColor
                    mesh.colors = Array(repeating: color, count: mesh.positions.count)
                    parts.append(mesh)
                }
            } else {
                var mesh = object.shape.tessellated()
                let c = (object.material ?? Material()).baseColor
                mesh.colors = Array(repeating: Vec3(Float(c.x), Float(c.y), Float(c.z)), count: mesh.positions.count)
                parts.append(mesh)
            }
            for var mesh in parts {
                mesh.uvs = []
                if mesh.normals.count != mesh.positions.count { mesh.normals = [] }
                merged.append(mesh.transformed(by: object.transform))
            }
        }
        return merged
    }

    /// The scene hash: FNV-1a 64 over the scene file and every file it names (meshes, textures).
    public static func sceneHash(_ scene: Scene) -> String {
        var hash = FNV1a64()
        hash.combine(bytes: scene.sourceBytes)
        var urls: [URL] = []
        for object in scene.objects {
            if case .mesh(let source) = object.shape { urls.append(source.url) }
            if let t = object.material?.baseColorTexture { urls.append(t) }
        }
        for url in urls { if let data = try? Data(contentsOf: url) { hash.combine(bytes: data) } }
        return hash.hex
    }

    /// metadata.json: a function of the scene, its assets and Orbit's version alone (no timings, no paths), so
    /// that the same scene gives the same bytes on any machine, run alone or in a batch.
    static func metadata(scene: Scene, models: [Int: ImportedModel], renderScene: RenderScene, frames: Int,
                         samples: Int, rays: Int) -> JSONOutput {
        var objects: [JSONOutput] = []
        for (index, object) in scene.objects.enumerated() {
            var mesh: TriangleMesh
            if case .mesh = object.shape, let model = models[index] { mesh = model.merged } else { mesh = object.shape.tessellated() }
            let b = mesh.transformed(by: object.transform).bounds
            objects.append(.object([
                ("id", .integer(index + 1)), ("name", .string(object.name)), ("type", .string(object.shape.typeName)),
                ("triangles", .integer(mesh.triangleCount)),
                ("bounds", .object([("min", .vector(rounded([b.lower.x, b.lower.y, b.lower.z]))),
                                    ("max", .vector(rounded([b.upper.x, b.upper.y, b.upper.z])))])),
            ]))
        }
        return .object([
            ("orbit_version", .string(orbitVersion)),
            ("scene", .object([("name", .string(scene.name)), ("file", .string(URL(fileURLWithPath: scene.file).lastPathComponent)), ("hash", .string("fnv1a64:" + sceneHash(scene)))])),
            ("seed", .integer(Int(scene.render.seed))),
            ("settings", .object([
                ("width", .integer(scene.camera.width)), ("height", .integer(scene.camera.height)),
                ("fov_x_deg", .number(scene.camera.fovX * 180 / .pi)), ("spp", .integer(scene.render.samplesPerPixel)),
                ("max_bounces", .integer(scene.render.maxBounces)), ("frame_rate", .number(scene.frameRate)),
                ("frames", .integer(frames)), ("rig", .string(scene.rig.typeName)),
            ])),
            ("conventions", .object([
                ("axes", .string("world +Z up, metres; cameras OpenGL (+X right, +Y up, looking down -Z)")),
                ("pixel_centers", .string("pixel (i, j) centre at (i + 0.5, j + 0.5), j from the top row")),
                ("color", .string("images: 8-bit sRGB, straight alpha = pixel coverage; video: composited over the background")),
                ("depth", .string("16-bit PNG, z-depth (along the camera's -Z axis) in millimetres of the pixel-centre ray; 0 = no hit")),
                ("normals", .string("16-bit RGB PNG, world-space unit normal n stored as (n + 1) / 2 * 65535; 0 = no hit")),
                ("instances", .string("16-bit gray PNG, object index + 1; 0 = background or light")),
                ("masks", .string("8-bit gray PNG, coverage * 255")),
            ])),
            ("objects", .array(objects)),
            ("statistics", .object([
                ("triangles", .integer(renderScene.triangleCount)), ("camera_samples", .integer(samples)), ("rays", .integer(rays)),
            ])),
        ])
    }
}

/// Values rounded to micrometres, so Float noise does not clutter metadata.
func rounded(_ values: [Double]) -> [Double] { values.map { ($0 * 1e6).rounded() / 1e6 } }
