import Assets
import Foundation
import Geometry
import Media
import Testing
import TestSupport

/// Little-endian bytes of a sequence of Float or UInt16 values.
func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } } }
func bytes(_ values: [Float]) -> [UInt8] { bytes(values.map(\.bitPattern)) }

/// A quad (2 triangles) with UVs whose material has a base-colour texture given as `image` bytes.
func gltfQuad(image: [UInt8], mimeType: String, baseColor: [Double], metallic: Double, roughness: Double) -> (json: [String: Any], binary: [UInt8]) {
    let positions = bytes([Float(0), 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0])
    // glTF UV origin is the image's top-left corner
    let uvs = bytes([Float(0), 1, 1, 1, 1, 0, 0, 0])
    let indices = bytes([UInt16(0), 1, 2, 0, 2, 3])
    var binary = positions + uvs + indices
    let imageOffset = binary.count
    binary += image
    while binary.count % 4 != 0 { binary.append(0) }
    let json: [String: Any] = [
        "asset": ["version": "2.0"],
        "scenes": [["nodes": [0]]], "scene": 0, "nodes": [["mesh": 0]],
        "meshes": [["primitives": [["attributes": ["POSITION": 0, "TEXCOORD_0": 1], "indices": 2, "material": 0]]]],
        "materials": [["pbrMetallicRoughness": ["baseColorFactor": baseColor, "metallicFactor": metallic, "roughnessFactor": roughness,
                                                "baseColorTexture": ["index": 0]]]],
        "textures": [["source": 0]],
        "images": [["bufferView": 3, "mimeType": mimeType]],
        "buffers": [["byteLength": binary.count]],
        "bufferViews": [["buffer": 0, "byteOffset": 0, "byteLength": 48], ["buffer": 0, "byteOffset": 48, "byteLength": 32],
                        ["buffer": 0, "byteOffset": 80, "byteLength": 12], ["buffer": 0, "byteOffset": imageOffset, "byteLength": image.count]],
        "accessors": [["bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3", "min": [0, 0, 0], "max": [1, 1, 0]],
                      ["bufferView": 1, "componentType": 5126, "count": 4, "type": "VEC2"],
                      ["bufferView": 2, "componentType": 5123, "count": 6, "type": "SCALAR"]],
    ]
    return (json, binary)
}

func glb(json: [String: Any], binary: [UInt8]) throws -> Data {
    var text = Array(try JSONSerialization.data(withJSONObject: json))
    while text.count % 4 != 0 { text.append(0x20) }
    let total = 12 + 8 + text.count + 8 + binary.count
    var out = bytes([UInt32(0x4654_6C67), 2, UInt32(total)])
    out += bytes([UInt32(text.count), 0x4E4F_534A]) + text
    out += bytes([UInt32(binary.count), 0x004E_4942]) + binary
    return Data(out)
}

@Suite struct ImportFormatTests {
    /// A JPEG made by Debian's ffmpeg from our PNG decodes close to the original.
    func jpegOfUVGrid(in folder: TemporaryFolder) throws -> (Data, Image8)? {
        guard let ffmpeg = which("ffmpeg") else { Issue.record("ffmpeg not found; run scripts/bootstrap"); return nil }
        let png = repositoryRoot().appendingPathComponent("scenes/assets/uv_grid.png")
        let jpg = folder.path("grid.jpg")
        let result = try runProcess(ffmpeg, ["-loglevel", "error", "-y", "-i", png.path, "-q:v", "2", jpg.path])
        #expect(result.status == 0)
        return (try Data(contentsOf: jpg), try PNG.read(png).as8)
    }

    @Test func jpegDecodesCloseToItsSource() throws {
        let folder = TemporaryFolder()
        guard let (jpeg, original) = try jpegOfUVGrid(in: folder) else { return }
        let decoded = try JPEG.decode(jpeg, name: "grid.jpg")
        #expect(decoded.width == original.width && decoded.height == original.height && decoded.channels == 3)
        var difference = 0
        for i in 0..<(decoded.width * decoded.height * 3) { difference += abs(Int(decoded.samples[i]) - Int(original.samples[i])) }
        #expect(Double(difference) / Double(decoded.samples.count) < 4, "mean absolute difference")
        #expect(throws: MediaError.self) { try JPEG.decode(Data([0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]), name: "broken.jpg") }
    }

    @Test func glbWithEmbeddedJPEGTextureImports() throws {
        let folder = TemporaryFolder()
        guard let (jpeg, _) = try jpegOfUVGrid(in: folder) else { return }
        let quad = gltfQuad(image: Array(jpeg), mimeType: "image/jpeg", baseColor: [0.5, 1, 1, 1], metallic: 0.25, roughness: 0.75)
        let url = folder.path("quad.glb")
        try glb(json: quad.json, binary: quad.binary).write(to: url)
        let model = try MeshImporter.load(url, options: .init(upAxis: "z"))
        #expect(model.triangleCount == 2)
        let material = model.materials[model.parts[0].materialIndex]
        #expect(material.texture?.width == 256 && material.texture?.height == 256)
        #expect(abs(material.baseColor.x - 0.5) < 1e-6 && abs(material.metallic - 0.25) < 1e-6 && abs(material.roughness - 0.75) < 1e-6)
        // glTF's top-left UV origin arrives as our bottom-left one: the vertex at glTF uv (0, 1) has v = 0
        let mesh = model.merged
        let corner = mesh.positions.firstIndex(of: Vec3(0, 0, 0))!
        #expect(mesh.uvs[corner] == Vec2(0, 0))
    }

    @Test func gltfWithDataURIAndPNGTextureImports() throws {
        let folder = TemporaryFolder()
        let png = try Data(contentsOf: repositoryRoot().appendingPathComponent("scenes/assets/uv_grid.png"))
        var quad = gltfQuad(image: Array(png), mimeType: "image/png", baseColor: [1, 0.5, 0.25, 1], metallic: 1, roughness: 0.1)
        quad.json["buffers"] = [["byteLength": quad.binary.count, "uri": "data:application/octet-stream;base64," + Data(quad.binary).base64EncodedString()]]
        let url = folder.path("quad.gltf")
        try JSONSerialization.data(withJSONObject: quad.json).write(to: url)
        let model = try MeshImporter.load(url)
        let material = model.materials[model.parts[0].materialIndex]
        #expect(material.texture?.width == 256)
        #expect(abs(material.baseColor.y - 0.5) < 1e-6 && material.metallic == 1 && abs(material.roughness - 0.1) < 1e-6)
        // up_axis "y": glTF's +Y becomes world +Z
        #expect(abs(model.merged.bounds.upper.z - 1) < 1e-6 && abs(model.merged.bounds.upper.y) < 1e-6)
    }

    @Test func asciiSTLImports() throws {
        let folder = TemporaryFolder()
        let tetrahedron = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
        let faces = [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]
        var text = "solid tetra\n"
        for f in faces {
            text += "facet normal 0 0 0\nouter loop\n"
            for v in f { text += "vertex \(tetrahedron[v][0]) \(tetrahedron[v][1]) \(tetrahedron[v][2])\n" }
            text += "endloop\nendfacet\n"
        }
        text += "endsolid tetra\n"
        let model = try MeshImporter.load(folder.write(text, to: "tetra.stl"), options: .init(upAxis: "z"))
        #expect(model.triangleCount == 4)
        #expect(abs(model.merged.surfaceArea - (1.5 + 3.0.squareRoot() / 2)) < 1e-5)
    }
}

import CAssimp

@Suite struct FBXImportTests {
    /// FBX is proprietary, so the test makes one with assimp's own exporter from our OBJ and checks that our
    /// importer reads it back with the same geometry. It uses ASCII FBX: assimp 5.2.5's binary FBX exporter
    /// writes block offsets that its own importer rejects ("block offset is out of range").
    @Test func fbxExportedByAssimpImports() throws {
        let folder = TemporaryFolder()
        let source = repositoryRoot().appendingPathComponent("scenes/assets/knot.obj")
        guard let scene = aiImportFile(source.path, aiProcess_Triangulate.rawValue) else { Issue.record("import failed"); return }
        defer { aiReleaseImport(scene) }
        let fbx = folder.path("knot.fbx")
        #expect(aiExportScene(scene, "fbxa", fbx.path, 0) == aiReturn_SUCCESS)
        let original = try MeshImporter.load(source, options: .init(upAxis: "z"))
        let model = try MeshImporter.load(fbx, options: .init(upAxis: "z"))
        #expect(model.triangleCount == original.triangleCount)
        let a = original.merged.bounds, b = model.merged.bounds
        #expect(length(a.lower - b.lower) < 1e-4 && length(a.upper - b.upper) < 1e-4)
        #expect(abs(model.merged.surfaceArea - original.merged.surfaceArea) / original.merged.surfaceArea < 1e-4)
    }
}
