import Assets
import CEmbree
import Foundation
import Geometry
import SceneFormat

/// Gathers a scene's geometry into an Embree scene and the shading tables, one object or light at a time, in
/// the order of the scene file (Embree geometry ids follow it).
struct SceneBuilder {
    let device: RTCDevice
    let handle: RTCScene
    let storage = Storage()
    var records: [GeometryRecord] = []
    var materials: [ShadingMaterial] = []
    var textures: [Texture] = []
    var textureIndex: [URL: Int32] = [:]
    var lights: [AreaLight] = []
    var bounds = Bounds3.empty
    var triangleCount = 0

    init(device: RTCDevice, handle: RTCScene) { self.device = device; self.handle = handle }

    /// A scene material with its texture loaded once per file.
    mutating func shading(_ m: Material) throws -> ShadingMaterial {
        var texture: Int32 = -1
        if let url = m.baseColorTexture {
            if let i = textureIndex[url] { texture = i } else {
                textures.append(try Texture.load(url))
                texture = Int32(textures.count - 1)
                textureIndex[url] = texture
            }
        }
        return ShadingMaterial(baseColor: f3(m.baseColor), texture: texture, metallic: Float(m.metallic), roughness: Float(m.roughness),
                               specular: Float(m.specular), emission: f3(m.emission))
    }

    /// A visible object: spheres analytically, meshes part by part with their file's materials (unless the
    /// scene gives one), every other shape tessellated.
    mutating func add(_ object: SceneObject, index: Int, model: ImportedModel?) throws {
        let instanceID = UInt16(index + 1)
        switch object.shape {
        case .sphere(let center, let radius):
            materials.append(try shading(object.material ?? Material()))
            let worldCenter = object.transform.transformPoint(center)
            let scale = length(object.transform.transformVector(Vec3d(1, 0, 0)))
            addSphere(center: f3(worldCenter), radius: Float(radius * scale), rotation: object.transform, instanceID: instanceID,
                      material: Int32(materials.count - 1), light: -1)
        case .mesh:
            guard let model else { throw RenderError(message: "mesh of \(object.jsonPath) was not loaded") }
            let firstMaterial = materials.count
            if let m = object.material {
                materials.append(try shading(m))
            } else {
                for m in model.materials {
                    materials.append(ShadingMaterial(baseColor: m.baseColor, texture: -1, metallic: m.metallic, roughness: m.roughness,
                                                     specular: 1, emission: m.emission))
                    if let t = m.texture {
                        textures.append(t)
                        materials[materials.count - 1].texture = Int32(textures.count - 1)
                    }
                }
            }
            for part in model.parts {
                let material = object.material == nil ? firstMaterial + part.materialIndex : firstMaterial
                addTriangles(part.mesh.transformed(by: object.transform), instanceID: instanceID, material: Int32(material), light: -1)
            }
        default:
            materials.append(try shading(object.material ?? Material()))
            addTriangles(object.shape.tessellated().transformed(by: object.transform), instanceID: instanceID,
                         material: Int32(materials.count - 1), light: -1)
        }
    }

    /// A light: quads and spheres also become emitting geometry (instance id 0, no material).
    mutating func add(_ light: Light) {
        switch light {
        case .quad(let corner, let e1, let e2, let radiance):
            let c = f3(corner), a = f3(e1), b = f3(e2)
            let n = cross(a, b)
            lights.append(AreaLight(kind: .quad, radiance: f3(radiance), corner: c, edge1: a, edge2: b, normal: normalize(n), area: length(n)))
            let mesh = TriangleMesh(positions: [c, c + a, c + a + b, c + b], normals: Array(repeating: normalize(n), count: 4),
                                    indices: [0, 1, 2, 0, 2, 3])
            addTriangles(mesh, instanceID: 0, material: -1, light: Int32(lights.count - 1))
        case .sphere(let center, let radius, let radiance):
            lights.append(AreaLight(kind: .sphere, radiance: f3(radiance), center: f3(center), radius: Float(radius)))
            addSphere(center: f3(center), radius: Float(radius), rotation: .identity, instanceID: 0, material: -1, light: Int32(lights.count - 1))
        case .directional(let direction, let irradiance):
            lights.append(AreaLight(kind: .directional, radiance: f3(irradiance), direction: normalize(f3(direction))))
        case .environment:
            break
        }
    }

    mutating func addTriangles(_ mesh: TriangleMesh, instanceID: UInt16, material: Int32, light: Int32) {
        guard let g = rtcNewGeometry(device, RTC_GEOMETRY_TYPE_TRIANGLE) else { return }
        let v = rtcSetNewGeometryBuffer(g, RTC_BUFFER_TYPE_VERTEX, 0, RTC_FORMAT_FLOAT3, 12, mesh.positions.count)!
            .assumingMemoryBound(to: Float.self)
        for (i, p) in mesh.positions.enumerated() {
            v[3 * i] = p.x; v[3 * i + 1] = p.y; v[3 * i + 2] = p.z
            bounds.include(Vec3d(Double(p.x), Double(p.y), Double(p.z)))
        }
        let ix = rtcSetNewGeometryBuffer(g, RTC_BUFFER_TYPE_INDEX, 0, RTC_FORMAT_UINT3, 12, mesh.triangleCount)!
            .assumingMemoryBound(to: UInt32.self)
        for (i, index) in mesh.indices.enumerated() { ix[i] = index }
        rtcCommitGeometry(g)
        let id = rtcAttachGeometry(handle, g)
        rtcReleaseGeometry(g)
        precondition(Int(id) == records.count, "Embree geometry ids are assigned in order")
        var record = GeometryRecord(kind: .triangles, instanceID: instanceID, material: material, light: light)
        record.positions = storage.keep(mesh.positions)
        record.normals = mesh.normals.count == mesh.positions.count ? storage.keep(mesh.normals) : nil
        record.uvs = mesh.uvs.count == mesh.positions.count ? storage.keep(mesh.uvs) : nil
        record.colors = mesh.colors.count == mesh.positions.count ? storage.keep(mesh.colors) : nil
        record.indices = storage.keep(mesh.indices)
        records.append(record)
        triangleCount += mesh.triangleCount
    }

    mutating func addSphere(center: Vec3, radius: Float, rotation: Matrix4, instanceID: UInt16, material: Int32, light: Int32) {
        guard let g = rtcNewGeometry(device, RTC_GEOMETRY_TYPE_SPHERE_POINT) else { return }
        let v = rtcSetNewGeometryBuffer(g, RTC_BUFFER_TYPE_VERTEX, 0, RTC_FORMAT_FLOAT4, 16, 1)!.assumingMemoryBound(to: Float.self)
        v[0] = center.x; v[1] = center.y; v[2] = center.z; v[3] = radius
        rtcCommitGeometry(g)
        let id = rtcAttachGeometry(handle, g)
        rtcReleaseGeometry(g)
        precondition(Int(id) == records.count, "Embree geometry ids are assigned in order")
        var record = GeometryRecord(kind: .sphere, instanceID: instanceID, material: material, light: light)
        record.center = center; record.radius = radius
        // rows of the inverse rotation = columns of the rotation (normalised to drop the uniform scale)
        let c0 = normalize(rotation.transformVector(Vec3d(1, 0, 0))), c1 = normalize(rotation.transformVector(Vec3d(0, 1, 0))),
            c2 = normalize(rotation.transformVector(Vec3d(0, 0, 1)))
        record.worldToObject = (f3(c0), f3(c1), f3(c2))
        records.append(record)
        let r = Double(radius), c = Vec3d(Double(center.x), Double(center.y), Double(center.z))
        bounds.include(c - Vec3d(repeating: r)); bounds.include(c + Vec3d(repeating: r))
    }
}
