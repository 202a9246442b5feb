import ArgumentParser
import Assets
import Dataset
import Exporters
import FileSafety
import Foundation
import Geometry
import Ingest
import Pipeline
import Reconstruction
import Surface

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a trained radiance field as a mesh (.glb, .gltf, .obj, .ply) and/or a point cloud (.ply).",
        discussion: """
        Meshes: marching cubes on the visibility surface (where the training views see light start to stop; or on \
        the density at --threshold with --surface density), small disconnected pieces removed, simplified to \
        --triangles with meshoptimizer, with vertex colours and, for .glb, .gltf and .obj, a UV atlas and a \
        base-colour texture baked from the field (--texture none: vertex colours only). glTF/GLB and OBJ are \
        written +Y up, PLY in Orbit's world coordinates (+Z up). Point clouds: points where the training views' \
        rays terminate, kept when opaque and confirmed by other views, merged per voxel.
        """)

    @Argument(help: "Reconstruction folder (with checkpoint.orbitrf).")
    var reconstruction: String

    @Option(help: "Mesh file to write: .glb, .gltf, .obj or .ply.")
    var mesh: String?

    @Option(help: "Point cloud to write (.ply: x y z nx ny nz red green blue).")
    var points: String?

    @Option(help: "Marching-cubes lattice points per axis. Default: the field's own lattice.")
    var resolution: Int?

    @Option(help: "Surface definition: visibility (what at least 20% of the training views that frame a point see in front of or behind their surface) or density (the density at --threshold). Default visibility.")
    var surface: SurfaceDefinition = .visibility

    @Option(help: "Density level of the surface (1/m) with --surface density. Default: automatic, from the training views.")
    var threshold: Float?

    @Option(help: "Region to extract, xmin,ymin,zmin,xmax,ymax,zmax in metres. Default: the field's box.")
    var bounds: String?

    @Option(help: "Simplify the mesh to at most this many triangles (0 = keep all). Default 300000.")
    var triangles = 300_000

    @Option(help: "Remove mesh pieces with fewer triangles than this fraction of the largest. Default 0.01.")
    var minComponent = 0.01

    @Option(help: "Point cloud: one ray per N×N pixels of each training view. Default: automatic (about 2 M rays).")
    var pointStride: Int?

    @Option(help: "Base-colour texture of a .glb, .gltf or .obj mesh: 'baked' (a UV atlas, the field's colour baked into a PNG) or 'none' (vertex colours only). Default baked.")
    var texture: TextureChoice = .baked

    @Option(help: "Width and height of the baked texture, texels (64...8192). Default 2048.")
    var textureSize = 2048

    @Flag(help: "Write PLY files as ASCII instead of binary.")
    var ascii = false

    @Flag(help: "Replace existing files.")
    var overwrite = false

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        if mesh == nil && points == nil { throw ValidationError("nothing to export: give --mesh FILE and/or --points FILE") }
        if threshold != nil && surface != .density { throw ValidationError("--threshold applies to --surface density; add --surface density") }
        if let resolution, resolution < 8 || resolution > 1024 { throw ValidationError("--resolution: expected 8...1024, got \(resolution)") }
        if let threshold, !(threshold > 0 && threshold.isFinite) { throw ValidationError("--threshold: expected a positive density, got \(threshold)") }
        if triangles < 0 { throw ValidationError("--triangles: expected 0 (no simplification) or more, got \(triangles)") }
        if !(0...1).contains(minComponent) { throw ValidationError("--min-component: expected a fraction in 0...1, got \(minComponent)") }
        if !(64...8192).contains(textureSize) { throw ValidationError("--texture-size: expected 64...8192 texels, got \(textureSize)") }
        if let pointStride, pointStride < 1 || pointStride > 65536 { throw ValidationError("--point-stride: expected 1...65536, got \(pointStride)") }
        if let bounds { _ = try parseBounds(bounds, option: "--bounds") }
    }

    @OptionGroup var safety: SafetyOptions

    func run() throws {
        safety.apply()
        do {
            let summary = try export()
            if !runOptions.quiet { print(summary.lines.joined(separator: "\n")) }
        } catch { fail(error) }
    }

    func export() throws -> ExportSummary {
        var settings = FieldExportSettings()
        settings.mesh = mesh.map { URL(fileURLWithPath: $0) }
        settings.points = points.map { URL(fileURLWithPath: $0) }
        settings.ascii = ascii
        settings.overwrite = overwrite
        settings.extraction.resolution = resolution
        settings.extraction.threshold = threshold
        settings.extraction.surface = surface
        settings.extraction.bounds = try bounds.map { try parseBounds($0, option: "--bounds") }
        settings.extraction.targetTriangles = triangles
        settings.extraction.minComponentFraction = minComponent
        settings.pointStride = pointStride
        settings.texture = texture == .none ? nil : { var t = TextureBakeSettings(); t.size = textureSize; return t }()
        settings.threads = runOptions.count
        if let resolution {
            // marching cubes keeps the sampled lattice and its vertex table: about 16 bytes a point
            try ResourceBudget.current.checkMemory(Checked.product([resolution, resolution, resolution, 16]), for: "--resolution",
                                                  what: "a \(resolution)³ extraction lattice")
        }
        return try FieldExport.run(reconstruction: URL(fileURLWithPath: reconstruction), settings: settings)
    }
}

extension ExportSummary {
    var lines: [String] {
        func size(_ url: URL) -> String {
            let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            return String(format: "%.1f MB", Double(bytes) / 1e6)
        }
        var out: [String] = []
        if let m = mesh, let file = meshFiles.first {
            let level = m.surface == .visibility ? "visibility surface" : String(format: "density %.4g%@", m.threshold, m.automaticThreshold ? " (automatic)" : "")
            out.append(String(format: "orbit: mesh: %d triangles (%d before simplification, %d pieces removed), %@ → %@ (%@); extracted in %.1f s, simplified in %.1f s",
                              m.mesh.triangleCount, m.rawTriangles, m.componentsRemoved, level,
                              file.path, size(file), m.extractionSeconds, m.simplificationSeconds))
        }
        if let t = texture, let file = meshFiles.last {
            out.append(String(format: "orbit: texture: %d×%d, %d charts, %.0f%% of texels in charts, %.0f%% of those seen by a training view (the rest coloured along their normal) → %@; atlas %.1f s, baked in %.1f s",
                              t.size, t.size, atlasCharts, 100 * Double(t.chartTexels) / Double(t.size * t.size),
                              100 * Double(t.seenTexels) / Double(max(t.chartTexels, 1)), file.lastPathComponent, atlasSeconds, t.seconds))
        }
        if let p = points, let file = pointsFile {
            out.append(String(format: "orbit: points: %d (from %d rays at stride %d; %d opaque, %d confirmed by other views) → %@ (%@) in %.1f s",
                              p.cloud.count, p.rays, p.pixelStride, p.opaque, p.agreed, file.path, size(file), p.seconds))
        }
        return out
    }
}
