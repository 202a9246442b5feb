import CAssimp
import Exporters
import FileSafety
import Foundation
import Geometry
import Media
import Surface
import Testing
import TestSupport

/// A mesh with every attribute the writers carry: a marching-cubes sphere with smooth normals and colours.
func testMesh() -> TriangleMesh {
    let grid = ScalarGrid(resolution: 24, bounds: Bounds3(lower: Vec3d(repeating: -1), upper: Vec3d(repeating: 1))) { p in Float(0.8 - length(p)) }
    var mesh = MarchingCubes.extract(grid, iso: 0)
    mesh.normals = mesh.positions.map { normalize($0) }
    mesh.colors = mesh.positions.map { p in Vec3(0.5 + 0.5 * p.x / 0.8, 0.25, 0.5 - 0.5 * p.z / 0.8).clamped(lowerBound: .zero, upperBound: Vec3(1, 1, 1)) }
    return mesh
}

/// What assimp reads back: vertices after joining identical ones, and per-vertex attributes.
struct Reimported {
    var positions: [Vec3] = [], normals: [Vec3] = [], colors: [Vec3] = []
    var triangles = 0
}

/// Reads a file back with assimp, in world coordinates (undoing the format's up-axis rotation).
func reimport(_ url: URL, format: MeshFormat) throws -> Reimported {
    func world(_ v: Vec3) -> Vec3 { format.upAxis == "y" ? Vec3(v.x, -v.z, v.y) : v }
    let flags = aiProcess_JoinIdenticalVertices.rawValue | aiProcess_Triangulate.rawValue
    let scene = try #require(aiImportFile(url.path, flags), "assimp could not read \(url.lastPathComponent)")
    defer { aiReleaseImport(scene) }
    var out = Reimported()
    for m in 0..<Int(scene.pointee.mNumMeshes) {
        let mesh = scene.pointee.mMeshes[m]!.pointee
        for i in 0..<Int(mesh.mNumVertices) {
            let p = mesh.mVertices[i]
            out.positions.append(world(Vec3(p.x, p.y, p.z)))
            if let n = mesh.mNormals { out.normals.append(world(Vec3(n[i].x, n[i].y, n[i].z))) }
            if let c = mesh.mColors.0 { out.colors.append(Vec3(c[i].r, c[i].g, c[i].b)) }
        }
        out.triangles += Int(mesh.mNumFaces)
    }
    return out
}

/// Splits a GLB into its JSON and binary chunks, checking the container's lengths.
func glbChunks(_ data: Data) throws -> (json: [String: Any], binary: Data) {
    let bytes = [UInt8](data)
    func u32(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24 }
    #expect(Array(bytes[0..<4]) == Array("glTF".utf8) && u32(4) == 2 && u32(8) == bytes.count)
    let jsonLength = u32(12)
    #expect(Array(bytes[16..<20]) == Array("JSON".utf8))
    let json = try #require(JSONSerialization.jsonObject(with: Data(bytes[20..<(20 + jsonLength)])) as? [String: Any])
    let binOffset = 20 + jsonLength
    let binLength = u32(binOffset)
    #expect(Array(bytes[(binOffset + 4)..<(binOffset + 8)]) == [0x42, 0x49, 0x4E, 0x00])
    #expect(binOffset + 8 + binLength == bytes.count)
    return (json, Data(bytes[(binOffset + 8)..<(binOffset + 8 + binLength)]))
}

/// Checks buffers, buffer views and accessors against each other and the binary data, including min/max.
/// `textured`: the file carries an embedded base-colour texture instead of vertex colours.
func checkGLTFConsistency(json: [String: Any], binary: Data, exactBufferLength: Bool, textured: Bool = false) throws {
    let buffers = try #require(json["buffers"] as? [[String: Any]])
    let bufferLength = try #require(buffers.first?["byteLength"] as? Int)
    if exactBufferLength { #expect(bufferLength == binary.count) } else { #expect(bufferLength <= binary.count && binary.count - bufferLength < 4) }
    let views = try #require(json["bufferViews"] as? [[String: Any]])
    for view in views {
        #expect((view["byteOffset"] as? Int ?? 0) + (view["byteLength"] as! Int) <= bufferLength)
    }
    let accessors = try #require(json["accessors"] as? [[String: Any]])
    let components = ["SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4]
    let bytes = [UInt8](binary)
    for accessor in accessors {
        let view = views[accessor["bufferView"] as! Int]
        let n = components[accessor["type"] as! String]!, count = accessor["count"] as! Int
        let type = accessor["componentType"] as! Int
        #expect(type == 5126 || type == 5125)   // float or unsigned int, both 4 bytes
        let start = (view["byteOffset"] as? Int ?? 0) + (accessor["byteOffset"] as? Int ?? 0)
        let stride = view["byteStride"] as? Int ?? 4 * n
        #expect((accessor["byteOffset"] as? Int ?? 0) + stride * (count - 1) + 4 * n <= view["byteLength"] as! Int)
        var lo = [Double](repeating: .infinity, count: n), hi = [Double](repeating: -.infinity, count: n)
        for e in 0..<count {
            for c in 0..<n {
                let o = start + e * stride + 4 * c
                let raw = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                let v = type == 5126 ? Double(Float(bitPattern: raw)) : Double(raw)
                lo[c] = min(lo[c], v); hi[c] = max(hi[c], v)
            }
        }
        // min and max are required for POSITION; when present anywhere they must be exact (to float precision,
        // the precision of the data: the JSON's decimal text need not round-trip as a double)
        if let min = accessor["min"] as? [Double], let max = accessor["max"] as? [Double] {
            #expect(min.map(Float.init) == lo.map(Float.init) && max.map(Float.init) == hi.map(Float.init), "\(accessor["type"]!) min \(min) vs \(lo), max \(max) vs \(hi)")
        }
    }
    let primitive = try #require(((json["meshes"] as? [[String: Any]])?.first?["primitives"] as? [[String: Any]])?.first)
    let attributes = try #require(primitive["attributes"] as? [String: Int])
    #expect(Set(attributes.keys) == (textured ? ["POSITION", "NORMAL", "TEXCOORD_0"] : ["POSITION", "NORMAL", "COLOR_0"]))
    #expect(accessors[attributes["POSITION"]!]["min"] != nil)
    // the material shows vertex colours as they are: white base colour (the default), not metallic
    let material = try #require((json["materials"] as? [[String: Any]])?[primitive["material"] as! Int])
    let pbr = try #require(material["pbrMetallicRoughness"] as? [String: Any])
    #expect((pbr["baseColorFactor"] as? [Double] ?? [1, 1, 1, 1]) == [1, 1, 1, 1])
    #expect(pbr["metallicFactor"] as? Double == 0)
    #expect((pbr["baseColorTexture"] == nil) == !textured)
}

@Suite struct MeshWriterTests {
    @Test(arguments: ["glb", "gltf", "obj", "ply", "ply-ascii"])
    func everyFormatReimportsWithTheSameVerticesAndAttributes(_ name: String) throws {
        let folder = TemporaryFolder()
        let mesh = testMesh()
        let format = try #require(MeshFormat(rawValue: name))
        let url = folder.path("mesh.\(name == "ply-ascii" ? "ply" : name)")
        let files = try MeshWriter.write(mesh, to: url, format: format)
        for file in files { #expect(FileManager.default.fileExists(atPath: file.path)) }
        // nothing but the files themselves is left in the folder (no staging leftovers)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == files.map(\.lastPathComponent).sorted())
        let back = try reimport(url, format: format)
        #expect(back.positions.count == mesh.positions.count)
        #expect(back.triangles == mesh.triangleCount)
        #expect(back.normals.count == back.positions.count)
        #expect(back.colors.count == back.positions.count)
        // attributes travel with their vertex: match by position
        var byPosition = [SIMD3<Int32>: Int]()
        func key(_ p: Vec3) -> SIMD3<Int32> { SIMD3<Int32>((p * 1e5).rounded(.toNearestOrEven)) }
        for (i, p) in mesh.positions.enumerated() { byPosition[key(p)] = i }
        var worstColor: Float = 0, worstNormal: Float = 0
        for i in back.positions.indices {
            let j = try #require(byPosition[key(back.positions[i])])
            // glTF stores linear colour; OBJ and PLY store sRGB display values (PLY as 8 bits)
            let expected = format == .glb || format == .gltf ? mesh.colors[j]
                : Vec3(SRGB.encode(mesh.colors[j].x), SRGB.encode(mesh.colors[j].y), SRGB.encode(mesh.colors[j].z))
            worstColor = max(worstColor, (back.colors[i] - expected).max(), (expected - back.colors[i]).max())
            worstNormal = max(worstNormal, length(back.normals[i] - mesh.normals[j]))
        }
        #expect(worstColor < (format == .ply || format == .plyASCII ? 0.5 / 255 + 1e-6 : 1e-5))
        #expect(worstNormal < 1e-5)
    }

    @Test func gltfBuffersAccessorsAndLengthsAreConsistent() throws {
        let folder = TemporaryFolder()
        let mesh = testMesh()
        try MeshWriter.write(mesh, to: folder.path("mesh.glb"))
        let (json, binary) = try glbChunks(try Data(contentsOf: folder.path("mesh.glb")))
        try checkGLTFConsistency(json: json, binary: binary, exactBufferLength: false)

        try MeshWriter.write(mesh, to: folder.path("mesh.gltf"))
        let text = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: folder.path("mesh.gltf"))) as? [String: Any])
        #expect((text["buffers"] as? [[String: Any]])?.first?["uri"] as? String == "mesh.bin")
        try checkGLTFConsistency(json: text, binary: try Data(contentsOf: folder.path("mesh.bin")), exactBufferLength: true)
    }

    /// Snapshots of a unit cube pin the exact text of the OBJ (+ MTL) and ASCII PLY files
    /// (`ORBIT_UPDATE_SNAPSHOTS=1` rewrites them after a deliberate change and fails; review the diff).
    @Test func unitCubeSnapshots() throws {
        let folder = TemporaryFolder()
        var cube = Primitives.box(size: Vec3(1, 1, 1))
        cube.uvs = []
        cube.colors = cube.positions.map { $0 + Vec3(0.5, 0.5, 0.5) }
        try MeshWriter.write(cube, to: folder.path("cube.obj"))
        try MeshWriter.write(cube, to: folder.path("cube.ply"), format: .plyASCII, comment: "unit cube")
        let snapshots = repositoryRoot().appendingPathComponent("Tests/ExportersTests/Snapshots")
        for name in ["cube.obj", "cube.mtl", "cube.ply"] {
            try expectSnapshot(try String(contentsOf: folder.path(name), encoding: .utf8), snapshots.appendingPathComponent(name))
        }
    }

    @Test func badDestinationsAreClearErrorsAndLeaveNothingBehind() throws {
        let folder = TemporaryFolder()
        let mesh = testMesh()
        #expect(throws: ExportError.self) { try MeshWriter.write(mesh, to: folder.path("mesh.fbx")) }
        do { try MeshWriter.write(mesh, to: folder.path("mesh.stl")); Issue.record("expected an error") } catch let e as ExportError {
            #expect(e.description.contains("unknown mesh extension '.stl'; use .glb, .gltf, .obj or .ply"))
        }
        #expect(throws: FileSafetyError.self) { try MeshWriter.write(mesh, to: folder.path("missing/mesh.glb")) }
        // an existing file is kept unless overwriting
        let existing = folder.write("keep me", to: "mesh.glb")
        #expect(throws: FileSafetyError(path: existing.path, reason: .exists)) { try MeshWriter.write(mesh, to: existing) }
        #expect(try String(contentsOf: existing, encoding: .utf8) == "keep me")
        try MeshWriter.write(mesh, to: existing, overwrite: true)
        #expect(try Data(contentsOf: existing).count > 1000)
        // a read-only folder (skipped when running as root, who can write anywhere)
        let locked = folder.path("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
        if getuid() != 0 {
            #expect(throws: FileSafetyError.self) { try MeshWriter.write(mesh, to: locked.appendingPathComponent("mesh.obj")) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == ["locked", "mesh.glb"])
    }
}

@Suite struct PointCloudWriterTests {
    @Test func binaryPLYHasTheAskedLayoutAndReimports() throws {
        let folder = TemporaryFolder()
        let cloud = PointCloud(positions: [Vec3(0, 0, 0), Vec3(1, 2, 3), Vec3(-1, 0.5, 2)],
                               normals: [Vec3(0, 0, 1), Vec3(1, 0, 0), Vec3(0, 1, 0)],
                               colors: [Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0.2, 0.2, 0.2)])
        let url = folder.path("cloud.ply")
        try PointCloudWriter.write(cloud, to: url)
        let data = try Data(contentsOf: url)
        let header = "ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
            + "property float nx\nproperty float ny\nproperty float nz\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n"
        #expect(data.prefix(header.utf8.count) == Data(header.utf8))
        #expect(data.count == header.utf8.count + 3 * 27)
        let body = [UInt8](data.dropFirst(header.utf8.count))
        #expect(Array(body[24..<27]) == [255, 0, 0])
        #expect(Array(body[(2 * 27 + 24)..<(3 * 27)]) == [124, 124, 124])   // linear 0.2 as sRGB
        let flags = aiProcess_JoinIdenticalVertices.rawValue
        let scene = try #require(aiImportFile(url.path, flags))
        defer { aiReleaseImport(scene) }
        #expect(scene.pointee.mMeshes[0]!.pointee.mNumVertices == 3)
        #expect(throws: ExportError.self) { try PointCloudWriter.write(cloud, to: folder.path("cloud.xyz")) }
    }
}

@Suite struct TexturedMeshTests {
    /// A base-colour texture reaches the file as a texture reference with the mesh's coordinates (OBJ `map_Kd`,
    /// glTF `baseColorTexture`), readable by assimp.
    @Test(arguments: ["obj", "gltf"])
    func baseColorTextureIsReferenced(_ ext: String) throws {
        let folder = TemporaryFolder()
        var image = Image8(width: 4, height: 4, channels: 3)
        for i in image.samples.indices { image.samples[i] = UInt8(i * 5 % 256) }
        try PNG.write(image, to: folder.path("grid.png"))
        var quad = Primitives.quad(size: Vec2(1, 1))
        quad.colors = []
        let url = folder.path("quad.\(ext)")
        try MeshWriter.write(quad, to: url, material: MeshMaterial(name: "grid", baseColorTexture: "grid.png"))
        let scene = try #require(aiImportFile(url.path, aiProcess_Triangulate.rawValue | aiProcess_JoinIdenticalVertices.rawValue))
        defer { aiReleaseImport(scene) }
        let mesh = scene.pointee.mMeshes[0]!.pointee
        #expect(mesh.mTextureCoords.0 != nil && mesh.mNumVertices == 4)
        let material = scene.pointee.mMaterials[Int(mesh.mMaterialIndex)]!
        var path = aiString()
        let types = [aiTextureType_DIFFUSE, aiTextureType_BASE_COLOR]
        let found = types.contains { aiGetMaterialTexture(material, $0, 0, &path, nil, nil, nil, nil, nil, nil) == aiReturn_SUCCESS }
        #expect(found)
        let name = withUnsafeBytes(of: path.data) { String(decoding: $0.prefix(Int(path.length)), as: UTF8.self) }
        #expect(name == "grid.png")
    }
}

@Suite struct BakedTextureTests {
    /// A 4 × 4 texture of distinct texels, rows from the top.
    static let texture = MeshTexture(size: 4, rgb: (0..<48).map { UInt8($0 * 5) })

    static func quad() -> TriangleMesh {
        var quad = Primitives.quad(size: Vec2(1, 1))
        quad.uvs = [Vec2(0.1, 0.2), Vec2(0.9, 0.2), Vec2(0.9, 0.7), Vec2(0.1, 0.7)]
        quad.colors = Array(repeating: Vec3(0.5, 0.25, 0.125), count: 4)
        return quad
    }

    /// GLB: the PNG inside the file as the material's baseColorTexture, texture coordinates with glTF's top-left
    /// origin, no COLOR_0 (it would multiply the texture); the file is self-consistent and assimp reads the image.
    @Test func glbEmbedsThePNGAndDropsVertexColours() throws {
        let folder = TemporaryFolder()
        let url = folder.path("quad.glb")
        #expect(try MeshWriter.write(Self.quad(), to: url, texture: Self.texture) == [url])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["quad.glb"])
        let (json, binary) = try glbChunks(try Data(contentsOf: url))
        try checkGLTFConsistency(json: json, binary: binary, exactBufferLength: false, textured: true)
        let primitive = try #require(((json["meshes"] as? [[String: Any]])?.first?["primitives"] as? [[String: Any]])?.first)
        let attributes = try #require(primitive["attributes"] as? [String: Int])
        #expect(attributes["TEXCOORD_0"] != nil && attributes["COLOR_0"] == nil, "\(attributes)")
        let material = try #require((json["materials"] as? [[String: Any]])?.first)
        let pbr = try #require(material["pbrMetallicRoughness"] as? [String: Any])
        #expect((pbr["baseColorTexture"] as? [String: Any])?["index"] as? Int == 0)
        let image = try #require((json["images"] as? [[String: Any]])?.first)
        #expect(image["mimeType"] as? String == "image/png")
        let views = try #require(json["bufferViews"] as? [[String: Any]])
        let view = views[try #require(image["bufferView"] as? Int)]
        let offset = view["byteOffset"] as? Int ?? 0, length = try #require(view["byteLength"] as? Int)
        let png = try PNG.decode(binary.subdata(in: offset..<(offset + length)), name: "embedded").as8
        #expect(png.width == 4 && png.samples == Self.texture.rgb)
        // glTF counts v from the top: every v is 1 − ours
        let accessor = try #require((json["accessors"] as? [[String: Any]])?[attributes["TEXCOORD_0"]!])
        let uvView = views[try #require(accessor["bufferView"] as? Int)]
        let start = (uvView["byteOffset"] as? Int ?? 0) + (accessor["byteOffset"] as? Int ?? 0)
        let values = binary.subdata(in: start..<(start + 8 * 4)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let written = Set(stride(from: 0, to: 8, by: 2).map { [values[$0], values[$0 + 1]] })
        let expected = Set(Self.quad().uvs.map { [$0.x, 1 - $0.y] })
        #expect(written == expected, "\(written)")
        let scene = try #require(aiImportFile(url.path, 0))
        defer { aiReleaseImport(scene) }
        #expect(scene.pointee.mNumTextures == 1)
    }

    /// OBJ: the PNG beside the file, named in the MTL's map_Kd; vertex colours kept. PLY ignores the texture.
    @Test func objWritesThePNGBesideItAndPLYKeepsColoursOnly() throws {
        let folder = TemporaryFolder()
        let url = folder.path("quad.obj")
        let files = try MeshWriter.write(Self.quad(), to: url, texture: Self.texture)
        #expect(files.map(\.lastPathComponent) == ["quad.obj", "quad.mtl", "quad_basecolor.png"])
        let mtl = try String(contentsOf: folder.path("quad.mtl"), encoding: .utf8)
        #expect(mtl.contains("map_Kd quad_basecolor.png"), "\(mtl)")
        #expect(try PNG.read(folder.path("quad_basecolor.png")).as8.samples == Self.texture.rgb)
        let obj = try String(contentsOf: url, encoding: .utf8)
        let lines = obj.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("vt ") }.count == 4)
        // positions followed by the sRGB vertex colour
        #expect(lines.filter { $0.hasPrefix("v ") }.allSatisfy { $0.split(separator: " ").count == 7 }, "\(obj)")
        let ply = folder.path("quad.ply")
        #expect(try MeshWriter.write(Self.quad(), to: ply, texture: Self.texture) == [ply])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == ["quad.mtl", "quad.obj", "quad.ply", "quad_basecolor.png"])
        // an existing texture is not replaced without overwrite, and nothing else is written then
        try FileManager.default.removeItem(at: url)
        #expect(throws: (any Error).self) { try MeshWriter.write(Self.quad(), to: url, texture: Self.texture) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
