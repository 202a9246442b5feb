import CAssimp
import Foundation
import Geometry

/// Builds an assimp scene (one mesh, one material, one node) in memory we own, and hands it to assimp's
/// exporters. assimp copies the scene before exporting, so nothing here is freed by assimp.
final class AssimpScene {
    private(set) var scene: UnsafeMutablePointer<aiScene>
    private var frees: [() -> Void] = []

    private func allocate<T>(_ count: Int, _ value: T) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
        p.initialize(repeating: value, count: max(count, 1))
        frees.append { p.deinitialize(count: max(count, 1)); p.deallocate() }
        return p
    }

    static func setString(_ s: inout aiString, _ text: String) {
        let bytes = Array(text.utf8.prefix(1000))
        s.length = UInt32(bytes.count)
        withUnsafeMutableBytes(of: &s.data) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
    }

    /// `colorTransform` maps the mesh's linear colours to what the format stores. `embeddedPNG`: an image the file
    /// carries inside it (glTF/GLB), named "*0" by the material.
    init(mesh: TriangleMesh, material: MeshMaterial, colorTransform: (Vec3) -> Vec3, embeddedPNG: Data? = nil) {
        scene = UnsafeMutablePointer<aiScene>.allocate(capacity: 1)
        scene.initialize(to: aiScene())
        scene.pointee.mNumMeshes = 1
        scene.pointee.mMeshes = allocate(1, Optional(makeMesh(mesh, materialName: material.name, colorTransform: colorTransform)))
        scene.pointee.mNumMaterials = 1
        scene.pointee.mMaterials = allocate(1, Optional(makeMaterial(material)))
        scene.pointee.mRootNode = makeRoot()
        if let png = embeddedPNG {
            let bytes = allocate(png.count, UInt8(0))
            png.copyBytes(to: bytes, count: png.count)
            let texture = allocate(1, aiTexture())
            // compressed: mWidth is the byte count, mHeight 0, the format in the hint
            texture.pointee.mWidth = UInt32(png.count)
            texture.pointee.mHeight = 0
            withUnsafeMutableBytes(of: &texture.pointee.achFormatHint) { raw in
                raw.initializeMemory(as: UInt8.self, repeating: 0)
                for (i, b) in "png".utf8.enumerated() { raw[i] = b }
            }
            texture.pointee.pcData = UnsafeMutableRawPointer(bytes).assumingMemoryBound(to: aiTexel.self)
            Self.setString(&texture.pointee.mFilename, "basecolor.png")
            scene.pointee.mNumTextures = 1
            scene.pointee.mTextures = allocate(1, Optional(texture))
        }
        // vertices are shared between faces (indexed), not one per face corner
        scene.pointee.mFlags = UInt32(AI_SCENE_FLAGS_NON_VERBOSE_FORMAT)
    }

    /// The mesh: positions, and normals, colours and texture coordinates where every vertex has one; indexed triangles.
    private func makeMesh(_ mesh: TriangleMesh, materialName: String, colorTransform: (Vec3) -> Vec3) -> UnsafeMutablePointer<aiMesh> {
        let n = mesh.positions.count
        let m = allocate(1, aiMesh())
        m.pointee.mPrimitiveTypes = aiPrimitiveType_TRIANGLE.rawValue
        m.pointee.mNumVertices = UInt32(n)
        let vertices = allocate(n, aiVector3D())
        for (i, p) in mesh.positions.enumerated() { vertices[i] = aiVector3D(x: p.x, y: p.y, z: p.z) }
        m.pointee.mVertices = vertices
        if mesh.normals.count == n && n > 0 {
            let normals = allocate(n, aiVector3D())
            for (i, v) in mesh.normals.enumerated() { normals[i] = aiVector3D(x: v.x, y: v.y, z: v.z) }
            m.pointee.mNormals = normals
        }
        if mesh.colors.count == n && n > 0 {
            let colors = allocate(n, aiColor4D())
            for (i, c) in mesh.colors.enumerated() { let t = colorTransform(c); colors[i] = aiColor4D(r: t.x, g: t.y, b: t.z, a: 1) }
            m.pointee.mColors.0 = colors
        }
        if mesh.uvs.count == n && n > 0 {
            let uvs = allocate(n, aiVector3D())
            for (i, t) in mesh.uvs.enumerated() { uvs[i] = aiVector3D(x: t.x, y: t.y, z: 0) }
            m.pointee.mTextureCoords.0 = uvs
            m.pointee.mNumUVComponents.0 = 2
        }
        let faceCount = mesh.triangleCount
        let faces = allocate(faceCount, aiFace())
        let indices = allocate(mesh.indices.count, UInt32(0))
        for i in mesh.indices.indices { indices[i] = mesh.indices[i] }
        for t in 0..<faceCount { faces[t] = aiFace(mNumIndices: 3, mIndices: indices + 3 * t) }
        m.pointee.mNumFaces = UInt32(faceCount)
        m.pointee.mFaces = faces
        m.pointee.mMaterialIndex = 0
        Self.setString(&m.pointee.mName, materialName)

        return m
    }

    /// The material as a plain property list (assimp's C API has no setter).
    private func makeMaterial(_ material: MeshMaterial) -> UnsafeMutablePointer<aiMaterial> {
        var properties: [UnsafeMutablePointer<aiMaterialProperty>?] = []
        func property(_ key: String, _ type: aiPropertyTypeInfo, _ bytes: [UInt8], semantic: UInt32 = 0) {
            let p = allocate(1, aiMaterialProperty())
            Self.setString(&p.pointee.mKey, key)
            p.pointee.mSemantic = semantic
            p.pointee.mType = type
            p.pointee.mDataLength = UInt32(bytes.count)
            let data = allocate(bytes.count, CChar(0))
            for (i, b) in bytes.enumerated() { data[i] = CChar(bitPattern: b) }
            p.pointee.mData = data
            properties.append(p)
        }
        func floats(_ values: [Float]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v) { Array($0) } } }
        let name = Array(material.name.utf8)
        property("?mat.name", aiPTI_String, withUnsafeBytes(of: UInt32(name.count)) { Array($0) } + name + [0])
        let c = material.baseColor
        property("$clr.diffuse", aiPTI_Float, floats([c.x, c.y, c.z, 1]))
        property("$clr.base", aiPTI_Float, floats([c.x, c.y, c.z, 1]))
        // no specular colour or shininess: with them, assimp's glTF exporter adds the archived
        // KHR_materials_pbrSpecularGlossiness extension, which current viewers ignore or misread
        property("$mat.metallicFactor", aiPTI_Float, floats([material.metallic]))
        property("$mat.roughnessFactor", aiPTI_Float, floats([material.roughness]))
        if let texture = material.baseColorTexture {
            // an aiString: UInt32 length, the bytes, a terminating zero; as diffuse (OBJ) and base colour (glTF)
            let path = Array(texture.utf8)
            let bytes = withUnsafeBytes(of: UInt32(path.count)) { Array($0) } + path + [0]
            property("$tex.file", aiPTI_String, bytes, semantic: aiTextureType_DIFFUSE.rawValue)
            property("$tex.file", aiPTI_String, bytes, semantic: aiTextureType_BASE_COLOR.rawValue)
        }
        let list = allocate(properties.count, Optional<UnsafeMutablePointer<aiMaterialProperty>>.none)
        for (i, p) in properties.enumerated() { list[i] = p }
        let mat = allocate(1, aiMaterial())
        mat.pointee.mProperties = list
        mat.pointee.mNumProperties = UInt32(properties.count)
        mat.pointee.mNumAllocated = UInt32(properties.count)
        return mat
    }

    /// One node holding the mesh, with the identity transform.
    private func makeRoot() -> UnsafeMutablePointer<aiNode> {
        let root = allocate(1, aiNode())
        Self.setString(&root.pointee.mName, "orbit")
        root.pointee.mTransformation = aiMatrix4x4(a1: 1, a2: 0, a3: 0, a4: 0, b1: 0, b2: 1, b3: 0, b4: 0,
                                                   c1: 0, c2: 0, c3: 1, c4: 0, d1: 0, d2: 0, d3: 0, d4: 1)
        root.pointee.mNumMeshes = 1
        root.pointee.mMeshes = allocate(1, UInt32(0))
        return root
    }

    deinit {
        for f in frees.reversed() { f() }
        scene.deinitialize(count: 1)
        scene.deallocate()
    }

    /// Exports with assimp's exporter `formatID` to `url` (companion files land next to it).
    func export(formatID: String, to url: URL) throws {
        let result = aiExportScene(scene, formatID, url.path, 0)
        guard result == aiReturn_SUCCESS else {
            let message = aiGetErrorString().map { String(cString: $0) } ?? ""
            throw ExportError(path: url.path, message: "assimp could not write \(formatID): \(message)")
        }
    }
}
