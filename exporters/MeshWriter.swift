import FileSafety
import Foundation
import Geometry
import Media

/// A failure to write an export, naming the file.
public struct ExportError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}

/// The one material exported meshes carry. Vertex colours multiply `baseColor` (glTF's rule), so the default
/// white, non-metallic, rough material shows them as they are in every glTF viewer.
public struct MeshMaterial: Sendable {
    public var name: String
    /// Linear RGB.
    public var baseColor: Vec3
    public var metallic: Float
    public var roughness: Float
    /// An sRGB image multiplying the base colour through the mesh's texture coordinates, named relative to the
    /// mesh file (glTF `baseColorTexture`, OBJ `map_Kd`); nil = none.
    public var baseColorTexture: String?
    public init(name: String = "orbit_vertex_colors", baseColor: Vec3 = Vec3(1, 1, 1), metallic: Float = 0, roughness: Float = 0.9,
                baseColorTexture: String? = nil) {
        self.name = name; self.baseColor = baseColor; self.metallic = metallic; self.roughness = roughness
        self.baseColorTexture = baseColorTexture
    }
}

/// Mesh file formats, chosen by extension.
public enum MeshFormat: String, Sendable, CaseIterable {
    /// glTF 2.0, binary container (one file).
    case glb
    /// glTF 2.0, JSON with a `.bin` buffer beside it.
    case gltf
    /// Wavefront OBJ with an MTL beside it; vertex colours as `v x y z r g b` (sRGB, the common extension).
    case obj
    /// PLY, binary little-endian.
    case ply
    /// PLY, ASCII.
    case plyASCII = "ply-ascii"

    public static let extensions = ["glb", "gltf", "obj", "ply"]

    /// The file's up axis. glTF is +Y up by its specification, and OBJ is read +Y up by Blender and most
    /// tools, so those are written +Y up (world (x, y, z) → file (x, z, −y), a rotation); PLY, like the ground
    /// truth and point clouds used for measurement, keeps Orbit's world coordinates (+Z up).
    public var upAxis: String { self == .ply || self == .plyASCII ? "z" : "y" }

    /// World (+Z up) → this format's coordinates.
    public func fileCoordinates(_ v: Vec3) -> Vec3 { upAxis == "y" ? Vec3(v.x, v.z, -v.y) : v }

    /// The format for a file name's extension, or an error listing the supported ones.
    public init(path: String, asciiPLY: Bool = false) throws {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "glb": self = .glb
        case "gltf": self = .gltf
        case "obj": self = .obj
        case "ply": self = asciiPLY ? .plyASCII : .ply
        case let other:
            throw ExportError(path: path, message: "unknown mesh extension '\(other.isEmpty ? "(none)" : "." + other)'; use .glb, .gltf, .obj or .ply")
        }
    }

    /// The files a mesh named `base` becomes (the main file first); with `textured`, an OBJ's texture image too
    /// (glTF and GLB carry theirs inside; PLY has no texture).
    public func files(for url: URL, textured: Bool = false) -> [URL] {
        let stem = url.deletingPathExtension()
        switch self {
        case .gltf: return [url, stem.appendingPathExtension("bin")]
        case .obj: return [url, stem.appendingPathExtension("mtl")] + (textured ? [MeshWriter.textureFile(for: url)] : [])
        default: return [url]
        }
    }

    /// True for the formats that carry a texture (glTF, GLB, OBJ); PLY keeps vertex colours only.
    public var carriesTexture: Bool { self != .ply && self != .plyASCII }
}

/// A base-colour texture for a mesh with texture coordinates: 8-bit sRGB, three samples per texel, rows from
/// the top.
public struct MeshTexture: Sendable {
    public var size: Int
    public var rgb: [UInt8]
    public init(size: Int, rgb: [UInt8]) { self.size = size; self.rgb = rgb }
}

/// The one writing path for meshes, whoever produced them (reconstruction, the generator's ground truth, tests).
///
/// glTF/GLB and OBJ go through assimp's exporters, which write them correctly. PLY is written directly by
/// `PLYWriter`, because assimp 5.2's binary PLY export with vertex colours is corrupt.
public enum MeshWriter {
    /// Writes `mesh` to `url` in `format` (default: by extension). Every file is first written into a hidden
    /// staging folder beside the destination and moved into place only when all are complete; existing files
    /// are replaced only with `overwrite`. Returns the files written.
    ///
    /// With `texture` (and texture coordinates in `mesh`), glTF and GLB embed the PNG as the material's
    /// `baseColorTexture` and leave out the vertex colours (glTF multiplies `COLOR_0` into the texture, so keeping
    /// both would darken the asset); OBJ writes it beside the file (`<name>_basecolor.png`, `map_Kd` in the MTL) and
    /// keeps its vertex colours; PLY keeps vertex colours only.
    @discardableResult
    public static func write(_ mesh: TriangleMesh, to url: URL, format: MeshFormat? = nil, material: MeshMaterial = MeshMaterial(),
                             texture: MeshTexture? = nil, comment: String? = nil, overwrite: Bool = false) throws -> [URL] {
        let format = try format ?? MeshFormat(path: url.path)
        let texture = format.carriesTexture && mesh.uvs.count == mesh.positions.count && !mesh.positions.isEmpty ? texture : nil
        let files = format.files(for: url, textured: texture != nil)
        var mesh = mesh
        mesh.positions = mesh.positions.map(format.fileCoordinates)
        mesh.normals = mesh.normals.map(format.fileCoordinates)
        var material = material
        return try staged(files, overwrite: overwrite) { staging in
            let target = staging.appendingPathComponent(url.lastPathComponent)
            var png: Data?
            if let texture {
                let image = staging.appendingPathComponent(textureFile(for: url).lastPathComponent)
                try PNG.write(Image8(width: texture.size, height: texture.size, channels: 3, samples: texture.rgb), to: image)
                png = try Data(contentsOf: image)
                material.baseColorTexture = format == .obj ? image.lastPathComponent : "*0"   // "*0": the first embedded image
                if material.name == MeshMaterial().name { material.name = "orbit_basecolor" }
                if format != .obj { try FileManager.default.removeItem(at: image); mesh.colors = [] }
            }
            switch format {
            case .ply: try PLYWriter.encode(mesh, encoding: .binary, comment: comment).write(to: target)
            case .plyASCII: try PLYWriter.encode(mesh, encoding: .ascii, comment: comment).write(to: target)
            case .glb, .gltf:
                // glTF vertex colours are linear, as ours are
                try AssimpScene(mesh: mesh, material: material, colorTransform: { $0 }, embeddedPNG: png)
                    .export(formatID: format == .glb ? "glb2" : "gltf2", to: target)
            case .obj:
                // OBJ vertex colours are read as display (sRGB) values by MeshLab, Blender and others
                try AssimpScene(mesh: mesh, material: material, colorTransform: { c in
                    // six decimals: what 8-bit colour needs, and 1 stays "1" rather than 0.99999994
                    Vec3(SRGB.encode(c.x), SRGB.encode(c.y), SRGB.encode(c.z)).roundedTo6()
                }).export(formatID: "obj", to: target)
            }
        }
    }

    /// The texture image an OBJ named `url` comes with: `<name>_basecolor.png` beside it.
    public static func textureFile(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(url.deletingPathExtension().lastPathComponent + "_basecolor.png")
    }

    /// Writes `mesh` (linear colours) with one of assimp's exporters by its id (`fbx`, `stl`, `stlb`, `collada`,
    /// ...), straight to `url`, for formats Orbit does not offer as exports (test and fuzzing corpora).
    public static func writeWithAssimp(_ mesh: TriangleMesh, formatID: String, to url: URL) throws {
        try AssimpScene(mesh: mesh, material: MeshMaterial(), colorTransform: { $0 }).export(formatID: formatID, to: url)
    }

    /// Checks that `files` can be written: each one's folder exists and is writable, and none exists unless
    /// `overwrite`. Cheap, so callers can check before expensive work.
    public static func checkDestinations(_ files: [URL], overwrite: Bool) throws {
        try StagedFiles.check(files, overwrite: overwrite)
    }

    /// Runs `body` with an empty staging folder, then moves `files`' namesakes from it to their destinations
    /// (each destination locked meanwhile, so two processes never write one file).
    static func staged(_ files: [URL], overwrite: Bool, _ body: (URL) throws -> Void) throws -> [URL] {
        try StagedFiles.write(files, overwrite: overwrite, body)
    }
}

/// The one writing path for point clouds: PLY with `x y z nx ny nz red green blue` (normals and colours when
/// present; colours as 8-bit sRGB), binary little-endian unless `ascii`.
public enum PointCloudWriter {
    public static func encode(_ cloud: PointCloud, ascii: Bool = false, comment: String? = nil) -> Data {
        PLYWriter.encode(positions: cloud.positions, normals: cloud.normals, colors: cloud.colors, indices: nil,
                         encoding: ascii ? .ascii : .binary, comment: comment)
    }

    /// Writes `cloud` to a `.ply` file through the same staging as meshes.
    @discardableResult
    public static func write(_ cloud: PointCloud, to url: URL, ascii: Bool = false, comment: String? = nil, overwrite: Bool = false) throws -> URL {
        guard url.pathExtension.lowercased() == "ply" else {
            throw ExportError(path: url.path, message: "unknown point-cloud extension '.\(url.pathExtension)'; point clouds are written as .ply")
        }
        _ = try MeshWriter.staged([url], overwrite: overwrite) { staging in
            try encode(cloud, ascii: ascii, comment: comment).write(to: staging.appendingPathComponent(url.lastPathComponent))
        }
        return url
    }
}

extension Vec3 {
    func roundedTo6() -> Vec3 { (self * 1e6).rounded(.toNearestOrEven) / 1e6 }
}
