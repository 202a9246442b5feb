import Assets
import Dataset
import Exporters
import FileSafety
import Foundation
import Geometry
import Reconstruction
import Surface

/// What to export from a reconstruction folder.
public struct FieldExportSettings: Sendable {
    /// Mesh file to write (.glb, .gltf, .obj, .ply), or nil for none.
    public var mesh: URL? = nil
    /// The mesh file's format; nil: by extension.
    public var meshFormat: MeshFormat? = nil
    /// Point cloud to write (.ply), or nil for none.
    public var points: URL? = nil
    /// Write PLY files as ASCII. Default false.
    public var ascii = false
    /// Replace existing files. Default false.
    public var overwrite = false
    /// How the mesh is extracted (surface definition, lattice, bounds, simplification, clean-up).
    public var extraction = MeshExtractionSettings()
    /// The base-colour texture baked for glTF/GLB/OBJ meshes; nil: none (vertex colours only).
    public var texture: TextureBakeSettings? = TextureBakeSettings()
    /// Point cloud: one ray per N×N pixels of each training view; nil: automatic (about 2 M rays).
    public var pointStride: Int? = nil
    /// Worker threads. Default: all cores.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Settings with no outputs; set `mesh` and/or `points`.
    public init() {}
}

/// What an export wrote.
public struct ExportSummary: Sendable {
    /// The extracted mesh and how it was made, when a mesh was asked for.
    public var mesh: MeshExtraction?
    /// The files written for the mesh (an OBJ comes with its MTL and texture).
    public var meshFiles: [URL] = []
    /// The texture baked for the mesh, when one was.
    public var texture: BakedTexture?
    /// The mesh as written when textured: seams split, with texture coordinates (world coordinates).
    public var texturedMesh: TriangleMesh?
    /// Charts in the texture atlas, and seconds spent making the atlas.
    public var atlasCharts = 0
    public var atlasSeconds = 0.0
    /// The extracted point cloud, when one was asked for.
    public var points: PointCloudExtraction?
    /// The point-cloud file written.
    public var pointsFile: URL?
    /// Seconds spent reading the checkpoint and the training cameras.
    public var loadSeconds = 0.0
    /// Seconds of the whole export, files written.
    public var seconds = 0.0
}

/// Why an export could not be made, in words.
public struct FieldExportError: Error, Sendable, CustomStringConvertible {
    /// The message, one line.
    public var description: String
    init(_ text: String) { description = text }
}

/// Meshes and point clouds from a reconstruction folder: every cheap check (formats, destinations) first,
/// then the checkpoint, the extraction, and one staged write per output.
public enum FieldExport {
    /// Reads the checkpoint in `folder` and writes the mesh and/or point cloud `settings` ask for.
    public static func run(reconstruction folder: URL, settings: FieldExportSettings) throws -> ExportSummary {
        let checkpointURL = folder.appendingPathComponent(ReconstructionFolder.checkpoint)
        let meshFormat = try settings.mesh.map { try settings.meshFormat ?? MeshFormat(path: $0.path, asciiPLY: settings.ascii) }
        if let points = settings.points, points.pathExtension.lowercased() != "ply" {
            throw ExportError(path: points.path, message: "unknown point-cloud extension; point clouds are written as .ply")
        }
        var destinations: [URL] = []
        if let mesh = settings.mesh, let meshFormat { destinations += meshFormat.files(for: mesh, textured: settings.texture != nil) }
        if let points = settings.points { destinations.append(points) }
        try MeshWriter.checkDestinations(destinations, overwrite: settings.overwrite)
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
            throw DatasetError(file: checkpointURL.path, message: "no checkpoint in this folder; is it the output folder of orbit reconstruct?")
        }
        for destination in destinations { try OutputPolicy.check(output: destination.path, inputs: [checkpointURL.path]) }

        var summary = ExportSummary()
        let t0 = DispatchTime.now().uptimeNanoseconds
        let checkpoint = try Checkpoint.read(from: checkpointURL, optimizerState: false)
        let grid = checkpoint.grid
        let cameras = trainingCameras(folder)
        summary.loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9

        if let mesh = settings.mesh, let meshFormat {
            // without the training views, the automatic threshold looks from cameras all around the field's box
            var extractionSettings = settings.extraction
            extractionSettings.threads = settings.threads
            let extraction = try grid.extractMesh(extractionSettings, cameras: cameras ?? surroundingCameras(Bounds3(lower: grid.lower, upper: grid.upper)),
                                                  occupancy: checkpoint.occupancy, occupancyBlock: checkpoint.settings.occupancyBlock)
            summary.mesh = extraction
            var written = extraction.mesh, texture: MeshTexture?
            if let bake = settings.texture, meshFormat.carriesTexture {
                var bakeSettings = bake
                bakeSettings.threads = settings.threads
                let start = DispatchTime.now().uptimeNanoseconds
                let atlas = UVAtlas(mesh: extraction.mesh, size: bake.size)
                summary.atlasSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                summary.atlasCharts = atlas.chartCount
                let views = extraction.views ?? grid.viewDepths(cameras: cameras ?? surroundingCameras(Bounds3(lower: grid.lower, upper: grid.upper)),
                                                                 absorbed: extractionSettings.visibilityAbsorption, stepScale: 0.5,
                                                                 occupancy: checkpoint.occupancy, blockSize: checkpoint.settings.occupancyBlock,
                                                                 threads: settings.threads)
                let baked = grid.bakeTexture(atlas: atlas, views: views, stepScale: checkpoint.settings.stepScale, settings: bakeSettings)
                summary.texture = baked
                summary.texturedMesh = atlas.mesh
                written = atlas.mesh
                texture = MeshTexture(size: baked.size, rgb: baked.rgb)
            }
            summary.meshFiles = try MeshWriter.write(written, to: mesh, format: meshFormat, texture: texture,
                                                     comment: "orbit mesh from \(folder.lastPathComponent); metres", overwrite: settings.overwrite)
        }
        if let points = settings.points {
            guard let cameras else {
                throw DatasetError(file: folder.appendingPathComponent(ReconstructionFolder.summary).path,
                                   message: "point clouds are made from the training views, and the dataset this names cannot be read; restore it")
            }
            var pointSettings = PointCloudSettings()
            pointSettings.pixelStride = settings.pointStride
            let extraction = grid.extractPointCloud(cameras: cameras, settings: pointSettings, stepScale: checkpoint.settings.stepScale,
                                                    occupancy: checkpoint.occupancy, blockSize: checkpoint.settings.occupancyBlock, threads: settings.threads)
            guard extraction.cloud.count > 0 else {
                throw ExtractionError(message: "no point passed the opacity and agreement filters; the field may be empty or untrained")
            }
            summary.points = extraction
            summary.pointsFile = try PointCloudWriter.write(extraction.cloud, to: points, ascii: settings.ascii,
                                                            comment: "orbit point cloud; world coordinates, metres, +Z up", overwrite: settings.overwrite)
        }
        summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return summary
    }

    /// The training views' cameras of a reconstruction, from the dataset its summary names; nil when that
    /// dataset is gone.
    public static func trainingCameras(_ reconstruction: URL) -> [Camera]? {
        let summaryURL = reconstruction.appendingPathComponent(ReconstructionFolder.summary)
        guard let tree = try? StrictJSON.read(summaryURL), case .string(let dataset)? = tree["dataset"],
              let train = try? DatasetReader(folder: ReconstructionFolder.dataset(recorded: dataset, reconstruction: reconstruction)).read(.train)
        else { return nil }
        return train.images.map(\.camera)
    }

    /// A mesh file in world coordinates: +Y-up formats (glTF, OBJ) are turned +Z up, as `orbit export` wrote them.
    public static func loadForMetrics(_ url: URL) throws -> TriangleMesh {
        let up = (try? MeshFormat(path: url.path).upAxis) ?? "z"
        return try MeshImporter.load(url, options: .init(upAxis: up)).merged
    }
}
