import CAssimp
import FileSafety
import Foundation
import Geometry
import Media

/// A material read from a mesh file, in glTF metallic-roughness terms.
public struct ImportedMaterial: Sendable {
    public var baseColor: Vec3 = Vec3(0.8, 0.8, 0.8)
    public var texture: Texture? = nil
    public var metallic: Float = 0
    public var roughness: Float = 0.5
    public var emission: Vec3 = .zero
}

/// One mesh of a file with the index of its material.
public struct ImportedPart: Sendable {
    public var mesh: TriangleMesh
    public var materialIndex: Int
}

/// The triangles and materials of a mesh file, in one coordinate frame.
public struct ImportedModel: Sendable {
    public var parts: [ImportedPart]
    public var materials: [ImportedMaterial]
    public var triangleCount: Int { parts.reduce(0) { $0 + $1.mesh.triangleCount } }

    /// All parts merged into one mesh.
    public var merged: TriangleMesh {
        var m = TriangleMesh()
        for p in parts { m.append(p.mesh) }
        return m
    }
}

public struct AssetError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

/// Imports OBJ, glTF/GLB, PLY, STL, FBX and the other formats assimp reads.
public enum MeshImporter {
    /// Options applied after import, before the object's transform.
    public struct Options: Sendable {
        /// The file's up axis; "y" rotates +Y onto world +Z. Default "y".
        public var upAxis: String = "y"
        /// Centre the mesh and scale it into the unit sphere. Default false.
        public var normalizeToUnitSphere: Bool = false
        public init(upAxis: String = "y", normalizeToUnitSphere: Bool = false) {
            self.upAxis = upAxis; self.normalizeToUnitSphere = normalizeToUnitSphere
        }
    }

    public static func load(_ url: URL, options: Options = Options()) throws -> ImportedModel {
        let flags = aiProcess_Triangulate.rawValue | aiProcess_JoinIdenticalVertices.rawValue | aiProcess_GenSmoothNormals.rawValue
            | aiProcess_PreTransformVertices.rawValue | aiProcess_SortByPType.rawValue | aiProcess_FindInvalidData.rawValue
            | aiProcess_ValidateDataStructure.rawValue
        // the structure that decides assimp's allocations is checked first (MeshPrecheck)
        do { try MeshPrecheck.check(url) } catch let problem as MeshPrecheck.Problem {
            throw AssetError(file: url.path, message: problem.message)
        }
        guard let scene = aiImportFile(url.path, flags) else {
            throw AssetError(file: url.path, message: importFailure(String(cString: aiGetErrorString())))
        }
        defer { aiReleaseImport(scene) }

        let baseDirectory = url.deletingLastPathComponent()
        var materials: [ImportedMaterial] = []
        for i in 0..<Int(scene.pointee.mNumMaterials) {
            materials.append(try readMaterial(scene.pointee.mMaterials[i]!, scene: scene, baseDirectory: baseDirectory, file: url.path))
        }
        if materials.isEmpty { materials.append(ImportedMaterial()) }

        // +Y up → +Z up is a rotation of +90° about X: (x, y, z) → (x, −z, y)
        let rotateUp = options.upAxis == "y"
        var parts: [ImportedPart] = []
        for m in 0..<Int(scene.pointee.mNumMeshes) {
            let source = scene.pointee.mMeshes[m]!.pointee
            guard source.mPrimitiveTypes & aiPrimitiveType_TRIANGLE.rawValue != 0 else { continue }
            var mesh = TriangleMesh()
            let n = Int(source.mNumVertices)
            mesh.positions.reserveCapacity(n)
            func convert(_ v: aiVector3D) -> Vec3 { rotateUp ? Vec3(v.x, -v.z, v.y) : Vec3(v.x, v.y, v.z) }
            for v in 0..<n { mesh.positions.append(convert(source.mVertices[v])) }
            if let normals = source.mNormals {
                mesh.normals = (0..<n).map { v in
                    let q = convert(normals[v]); let l = length(q)
                    return l > 0 && l.isFinite ? q / l : Vec3(0, 0, 1)
                }
            }
            if let uv = source.mTextureCoords.0 {
                mesh.uvs = (0..<n).map { Vec2(uv[$0].x, uv[$0].y) }
                guard mesh.uvs.allSatisfy({ $0.x.isFinite && $0.y.isFinite && abs($0.x) < 1e6 && abs($0.y) < 1e6 }) else {
                    throw AssetError(file: url.path, message: "the mesh has non-finite or huge texture coordinates; the file is damaged")
                }
            }
            if let colors = source.mColors.0 {
                // glTF's vertex colours are linear by its specification; other formats hold display (sRGB) values
                let linear = ["gltf", "glb"].contains(url.pathExtension.lowercased())
                mesh.colors = (0..<n).map { i in
                    let raw = Vec3(colors[i].r, colors[i].g, colors[i].b)
                    let c = (raw.x.isFinite && raw.y.isFinite && raw.z.isFinite ? raw : Vec3(1, 1, 1)).clamped(lowerBound: .zero, upperBound: Vec3(1, 1, 1))
                    return linear ? c : Vec3(SRGB.decode(c.x), SRGB.decode(c.y), SRGB.decode(c.z))
                }
            }
            for f in 0..<Int(source.mNumFaces) {
                let face = source.mFaces[f]
                guard face.mNumIndices == 3 else { continue }
                mesh.indices += [face.mIndices[0], face.mIndices[1], face.mIndices[2]]
            }
            guard !mesh.indices.isEmpty else { continue }
            parts.append(ImportedPart(mesh: mesh, materialIndex: min(Int(source.mMaterialIndex), materials.count - 1)))
        }
        var model = ImportedModel(parts: parts, materials: materials)
        guard model.triangleCount > 0 else { throw AssetError(file: url.path, message: "the mesh has no triangles") }
        for part in model.parts where part.mesh.positions.contains(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
            _ = part
            throw AssetError(file: url.path, message: "the mesh has non-finite vertex positions")
        }
        for part in model.parts where part.mesh.positions.contains(where: { max(abs($0.x), abs($0.y), abs($0.z)) > 1e12 }) {
            _ = part
            throw AssetError(file: url.path, message: "the mesh has vertex positions beyond 10¹² m; the file is damaged or in the wrong units")
        }
        if options.normalizeToUnitSphere { normalize(&model) }
        return model
    }

    /// Centres the model on its bounding-box centre and scales it so the farthest vertex is at distance 1.
    static func normalize(_ model: inout ImportedModel) {
        var bounds = Bounds3.empty
        for p in model.parts { bounds.include(p.mesh.bounds) }
        let c = bounds.center, centre = Vec3(Float(c.x), Float(c.y), Float(c.z))
        var radius: Float = 0
        for p in model.parts { for v in p.mesh.positions { radius = max(radius, length(v - centre)) } }
        guard radius > 0 else { return }
        for i in model.parts.indices {
            model.parts[i].mesh.positions = model.parts[i].mesh.positions.map { ($0 - centre) / radius }
        }
    }

    static func readMaterial(_ material: UnsafeMutablePointer<aiMaterial>, scene: UnsafePointer<aiScene>, baseDirectory: URL,
                             file: String) throws -> ImportedMaterial {
        var out = ImportedMaterial()
        var color = aiColor4D()
        if aiGetMaterialColor(material, "$clr.base", 0, 0, &color) == aiReturn_SUCCESS
            || aiGetMaterialColor(material, "$clr.diffuse", 0, 0, &color) == aiReturn_SUCCESS {
            out.baseColor = Vec3(color.r, color.g, color.b)
        }
        if aiGetMaterialColor(material, "$clr.emissive", 0, 0, &color) == aiReturn_SUCCESS {
            out.emission = Vec3(color.r, color.g, color.b)
        }
        var value: Float = 0
        var count: UInt32 = 1
        if aiGetMaterialFloatArray(material, "$mat.metallicFactor", 0, 0, &value, &count) == aiReturn_SUCCESS { out.metallic = value }
        count = 1
        if aiGetMaterialFloatArray(material, "$mat.roughnessFactor", 0, 0, &value, &count) == aiReturn_SUCCESS {
            out.roughness = value
        } else {
            count = 1
            // Phong exponent → roughness, the usual sqrt(2 / (n + 2)) mapping
            if aiGetMaterialFloatArray(material, "$mat.shininess", 0, 0, &value, &count) == aiReturn_SUCCESS, value > 0 {
                out.roughness = (2 / (value + 2)).squareRoot()
            }
        }
        out.baseColor = simd_clamp(out.baseColor, 0, 1)
        out.metallic = min(max(out.metallic, 0), 1)
        out.roughness = min(max(out.roughness, 0), 1)

        var path = aiString()
        for type in [aiTextureType_BASE_COLOR, aiTextureType_DIFFUSE] {
            guard aiGetMaterialTexture(material, type, 0, &path, nil, nil, nil, nil, nil, nil) == aiReturn_SUCCESS else { continue }
            let name = withUnsafeBytes(of: path.data) { raw in
                String(decoding: raw.prefix(Int(path.length)), as: UTF8.self)
            }
            out.texture = try loadTexture(name, scene: scene, baseDirectory: baseDirectory, file: file)
            // glTF multiplies the texture by the factor; OBJ's Kd is usually left at 1 or a tint as well
            break
        }
        return out
    }

    static func loadTexture(_ name: String, scene: UnsafePointer<aiScene>, baseDirectory: URL, file: String) throws -> Texture {
        if let embedded = embeddedTexture(name, scene: scene) {
            let t = embedded.pointee
            if t.mHeight == 0 {
                let data = Data(bytes: UnsafeRawPointer(t.pcData), count: Int(t.mWidth))
                do { return try Texture.decode(data, name: "\(file) (embedded texture \(name))") } catch {
                    throw AssetError(file: file, message: "embedded texture \(name) is neither PNG nor JPEG; re-export the model with PNG or JPEG textures")
                }
            }
            // uncompressed ARGB8888 texels
            let w = Int(t.mWidth), h = Int(t.mHeight), table = SRGB.decodeTable
            try ResourceBudget.current.checkImage(width: w, height: h, for: "\(file) (embedded texture \(name))")
            let texels = (0..<(w * h)).map { i in
                Vec3(table[Int(t.pcData[i].r)], table[Int(t.pcData[i].g)], table[Int(t.pcData[i].b)])
            }
            return Texture(width: w, height: h, texels: texels)
        }
        let url = try PathPolicy.resolve(name.replacingOccurrences(of: "\\", with: "/"), in: baseDirectory, field: "texture")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw AssetError(file: file, message: "texture \"\(name)\" not found next to the mesh")
        }
        guard ["png", "jpg", "jpeg"].contains(url.pathExtension.lowercased()) else {
            throw AssetError(file: file, message: "texture \"\(name)\" is not a PNG or JPEG file; convert it to PNG")
        }
        do { return try Texture.load(url) } catch {
            throw AssetError(file: file, message: "texture \"\(name)\" cannot be read: \(error)")
        }
    }
}

/// assimp's reason for a failed import in Orbit's words: the kind of problem and how to fix it, without the
/// importer's internal names.
func importFailure(_ reason: String) -> String {
    let lower = reason.lowercased()
    // assimp reports a file with vertices but no faces as "no output meshes"
    if lower.contains("no output meshes") || lower.contains("no meshes") || lower.contains("contains no faces") { return "the mesh has no triangles" }
    if lower.contains("validation failed") { return "the mesh is damaged: its faces, vertices or counts do not agree (found by assimp validation); re-export it" }
    if lower.contains("no suitable reader") || lower.contains("unknown file format") {
        return "not a mesh format Orbit reads (OBJ, glTF/GLB, PLY, STL, FBX and the other formats assimp imports); convert it"
    }
    if lower.contains("unable to open") || lower.contains("failed to open") { return "cannot read the mesh file (does it exist?)" }
    if lower.contains("eof") || lower.contains("end of file") || lower.contains("truncated") || lower.contains("unexpected end") {
        return "the mesh file ends early; it is truncated"
    }
    return "the mesh file is damaged or malformed and cannot be imported; re-export it"
}

/// The embedded texture that `name` refers to: "*N" is the N-th, otherwise one whose file name matches.
/// (assimp's C API has no lookup of its own for this.)
func embeddedTexture(_ name: String, scene: UnsafePointer<aiScene>) -> UnsafeMutablePointer<aiTexture>? {
    let count = Int(scene.pointee.mNumTextures)
    guard count > 0, let textures = scene.pointee.mTextures else { return nil }
    if name.hasPrefix("*"), let i = Int(name.dropFirst()), i >= 0, i < count { return textures[i] }
    for i in 0..<count {
        guard let t = textures[i] else { continue }
        let file = withUnsafeBytes(of: t.pointee.mFilename.data) { String(decoding: $0.prefix(Int(t.pointee.mFilename.length)), as: UTF8.self) }
        if !file.isEmpty && (file == name || URL(fileURLWithPath: file).lastPathComponent == URL(fileURLWithPath: name).lastPathComponent) {
            return t
        }
    }
    return nil
}

@inline(__always) func simd_clamp(_ v: Vec3, _ lo: Float, _ hi: Float) -> Vec3 {
    pointwiseMin(pointwiseMax(v, Vec3(repeating: lo)), Vec3(repeating: hi))
}
