import Assets
import Dataset
import Exporters
import Foundation
import Geometry
import Media
import Render
import SceneFormat

/// The version written into metadata.json.
public let orbitVersion = "0.1.0"

/// Progress of a long job, reported after each unit of work.
public struct JobProgress: Sendable {
    public var done: Int
    public var total: Int
    /// Seconds since the job started.
    public var elapsed: Double
    /// Figures to show beside the count (e.g. loss and PSNR).
    public var detail: String = ""
    public init(done: Int, total: Int, elapsed: Double, detail: String = "") {
        self.done = done; self.total = total; self.elapsed = elapsed; self.detail = detail
    }
}

/// What `Generator.run` produced.
public struct GenerateSummary: Sendable {
    public var frames: Int
    public var width: Int
    public var height: Int
    public var renderSeconds: Double
    public var totalSeconds: Double
    public var cameraSamples: Int
    public var rays: Int
    public var output: URL
}

/// Scene file → orbit clip: renders every view of the rig and writes the dataset folder
/// (docs/dataset.md) under a temporary name, moving it into place only when everything is written.
public struct Generator: Sendable {
    public var scene: Scene
    /// Worker threads for rendering. Default: all cores.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

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

    /// Checks everything that can be checked without rendering: the scene and its assets.
    public static func validate(_ scene: Scene) throws -> (objects: Int, triangles: Int, views: Int) {
        let models = try loadModels(scene)
        let renderScene = try RenderScene(scene: scene, models: models)
        return (scene.objects.count, renderScene.triangleCount, scene.views().count)
    }

    public func run(output: URL, overwrite: Bool, progress: (JobProgress) -> Void = { _ in }) throws -> GenerateSummary {
        let start = DispatchTime.now()
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

        let models = try Self.loadModels(scene)
        let loadSeconds = seconds()
        let renderScene = try RenderScene(scene: scene, models: models)
        let buildSeconds = seconds() - loadSeconds
        let tracer = PathTracer(scene: renderScene)
        let views = scene.views()

        let folder = try StagedFolder(destination: output, overwrite: overwrite)
        var succeeded = false
        defer { if !succeeded { folder.discard() } }
        for name in [DatasetLayout.images, DatasetLayout.depth, DatasetLayout.normals, DatasetLayout.masks, DatasetLayout.instances] {
            try folder.makeFolder(name)
        }
        let video = try VideoWriter(url: folder.url("video.mp4"), width: scene.camera.width, height: scene.camera.height,
                                    frameRate: scene.frameRate)
        let matte: Vec3
        if case .transparent(let m) = scene.background { matte = Vec3(Float(m.x), Float(m.y), Float(m.z)) } else { matte = .zero }

        var settings = TraceSettings(scene.render)
        settings.threads = threads
        var renderSeconds = 0.0
        var rays = 0
        progress(JobProgress(done: 0, total: views.count, elapsed: seconds()))
        for view in views {
            let t0 = seconds()
            let frame = tracer.render(camera: view.camera, frameIndex: view.index, settings: settings)
            renderSeconds += seconds() - t0
            rays += frame.rayCount
            try PNG.write(FrameEncoding.rgba(frame), to: folder.url(DatasetLayout.path(DatasetLayout.images, view.stem)))
            try PNG.write(FrameEncoding.depthMillimetres(frame), to: folder.url(DatasetLayout.path(DatasetLayout.depth, view.stem)))
            try PNG.write(FrameEncoding.normals(frame), to: folder.url(DatasetLayout.path(DatasetLayout.normals, view.stem)))
            try PNG.write(FrameEncoding.mask(frame), to: folder.url(DatasetLayout.path(DatasetLayout.masks, view.stem)))
            try PNG.write(FrameEncoding.instances(frame), to: folder.url(DatasetLayout.path(DatasetLayout.instances, view.stem)))
            try video.append(rgb: FrameEncoding.composited(frame, matte: matte))
            progress(JobProgress(done: view.index + 1, total: views.count, elapsed: seconds()))
        }
        try video.finish()

        // ground-truth geometry in world coordinates
        let groundTruth = Self.groundTruthMesh(scene, models: models)
        try MeshWriter.write(groundTruth, to: folder.url("ground_truth.ply"), format: .ply,
                             comment: "orbit ground truth of \(scene.name); world coordinates, metres, +Z up")

        let frames = views.map { DatasetFrame(stem: $0.stem, split: $0.split?.rawValue, camera: $0.camera) }
        try Data((DatasetLayout.transforms(frames: frames).rendered() + "\n").utf8).write(to: folder.url("transforms.json"))
        for (split, subset) in DatasetLayout.splits(frames) where !subset.isEmpty {
            try Data((DatasetLayout.nerfSyntheticTransforms(frames: subset).rendered() + "\n").utf8)
                .write(to: folder.url("transforms_\(split).json"))
        }
        let samples = views.count * scene.camera.width * scene.camera.height * scene.render.samplesPerPixel
        let metadata = Self.metadata(scene: scene, models: models, renderScene: renderScene, views: views, timings: [
            ("load_s", loadSeconds), ("build_s", buildSeconds), ("render_s", renderSeconds),
            ("render_per_frame_s", renderSeconds / Double(views.count)), ("total_s", seconds()),
        ], samples: samples, rays: rays)
        try Data((metadata.rendered() + "\n").utf8).write(to: folder.url("metadata.json"))
        try folder.commit()
        succeeded = true
        return GenerateSummary(frames: views.count, width: scene.camera.width, height: scene.camera.height, renderSeconds: renderSeconds,
                               totalSeconds: seconds(), cameraSamples: samples, rays: rays, output: folder.destination)
    }

    /// Every object tessellated and transformed into world space, merged into one mesh with base colours per vertex.
    public static func groundTruthMesh(_ scene: Scene, models: [Int: ImportedModel]) -> TriangleMesh {
        var merged = TriangleMesh()
        for (index, object) in scene.objects.enumerated() {
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
                var mesh = tessellate(object.shape)
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

    static func metadata(scene: Scene, models: [Int: ImportedModel], renderScene: RenderScene, views: [View],
                         timings: [(String, Double)], samples: Int, rays: Int) -> JSONOutput {
        var objects: [JSONOutput] = []
        for (index, object) in scene.objects.enumerated() {
            var mesh: TriangleMesh
            if case .mesh = object.shape, let model = models[index] { mesh = model.merged } else { mesh = tessellate(object.shape) }
            let b = mesh.transformed(by: object.transform).bounds
            objects.append(.object([
                ("id", .integer(index + 1)), ("name", .string(object.name)), ("type", .string(object.shape.typeName)),
                ("triangles", .integer(mesh.triangleCount)),
                ("bounds", .object([("min", .vector(rounded([b.lower.x, b.lower.y, b.lower.z]))),
                                    ("max", .vector(rounded([b.upper.x, b.upper.y, b.upper.z])))])),
            ]))
        }
        let totalRender = timings.first { $0.0 == "render_s" }?.1 ?? 0
        return .object([
            ("orbit_version", .string(orbitVersion)),
            ("scene", .object([("name", .string(scene.name)), ("file", .string(scene.file)), ("hash", .string("fnv1a64:" + sceneHash(scene)))])),
            ("seed", .integer(Int(scene.render.seed))),
            ("settings", .object([
                ("width", .integer(scene.camera.width)), ("height", .integer(scene.camera.height)),
                ("fov_x_deg", .number(scene.camera.fovX * 180 / .pi)), ("spp", .integer(scene.render.samplesPerPixel)),
                ("max_bounces", .integer(scene.render.maxBounces)), ("frame_rate", .number(scene.frameRate)),
                ("frames", .integer(views.count)), ("rig", .string(scene.rig.typeName)),
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
                ("camera_samples_per_s", .number((Double(samples) / max(totalRender, 1e-9)).rounded())),
            ])),
            ("timings", .object(timings.map { ($0.0, .number(($0.1 * 1000).rounded() / 1000)) })),
        ])
    }
}

/// Values rounded to micrometres, so Float noise does not clutter metadata.
func rounded(_ values: [Double]) -> [Double] { values.map { ($0 * 1e6).rounded() / 1e6 } }
