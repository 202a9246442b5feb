import Assets
import CEmbree
import Foundation
import Geometry
import SceneFormat

public struct RenderError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// What an Embree geometry id stands for, with the data shading needs.
struct GeometryRecord {
    enum Kind { case triangles, sphere }
    var kind: Kind
    /// Instance id written to the id buffer: object index + 1, or 0 for lights.
    var instanceID: UInt16
    /// Index into `materials`, or −1 for a light's surface.
    var material: Int32
    /// Index into `lights` when this geometry is an area light, else −1.
    var light: Int32
    // triangle data, owned by the RenderScene (raw pointers keep reference counting out of the hot loop)
    var positions: UnsafePointer<Vec3>? = nil
    var normals: UnsafePointer<Vec3>? = nil
    var uvs: UnsafePointer<Vec2>? = nil
    /// Linear RGB vertex colours, multiplying the material's base colour (glTF's rule).
    var colors: UnsafePointer<Vec3>? = nil
    var indices: UnsafePointer<UInt32>? = nil
    // spheres: centre, radius and world → object rotation (for texture coordinates)
    var center: Vec3 = .zero
    var radius: Float = 0
    var worldToObject: (Vec3, Vec3, Vec3) = (Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1))
}

/// A light prepared for next-event estimation.
struct AreaLight {
    enum Kind { case quad, sphere, directional }
    var kind: Kind
    var radiance: Vec3        // quad, sphere: emitted radiance; directional: irradiance
    var corner: Vec3 = .zero, edge1: Vec3 = .zero, edge2: Vec3 = .zero, normal: Vec3 = .zero, area: Float = 0
    var center: Vec3 = .zero, radius: Float = 0
    var direction: Vec3 = .zero   // directional: the way light travels
}

/// The scene as the path tracer sees it: an Embree BVH plus shading tables. Immutable once built;
/// safe to share between render threads.
public final class RenderScene: @unchecked Sendable {
    let device: RTCDevice
    let handle: RTCScene
    let records: [GeometryRecord]
    private let storage: Storage
    let materials: [ShadingMaterial]
    let textures: [Texture]
    let lights: [AreaLight]
    let environment: EnvironmentLight?
    let background: Background
    /// Everything the scene holds, in world space (lights included): for ray offsets and checks.
    public let bounds: Bounds3
    /// Triangles in the BVH (spheres count as none).
    public let triangleCount: Int

    /// Builds the BVH. `models` holds the imported file for every mesh object, keyed by object index.
    public init(scene: Scene, models: [Int: ImportedModel]) throws {
        guard let device = rtcNewDevice(nil) else { throw RenderError(message: "Embree: cannot create a device") }
        self.device = device
        guard let handle = rtcNewScene(device) else { throw RenderError(message: "Embree: cannot create a scene") }
        self.handle = handle
        rtcSetSceneBuildQuality(handle, RTC_BUILD_QUALITY_HIGH)

        let storage = Storage()
        var records: [GeometryRecord] = []
        var materials: [ShadingMaterial] = []
        var textures: [Texture] = []
        var textureIndex: [URL: Int32] = [:]
        var bounds = Bounds3.empty
        var triangleCount = 0

        func shading(_ m: Material) throws -> ShadingMaterial {
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

        func addTriangles(_ mesh: TriangleMesh, instanceID: UInt16, material: Int32, light: Int32) {
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

        func addSphere(center: Vec3, radius: Float, rotation: Matrix4, instanceID: UInt16, material: Int32, light: Int32) {
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

        for (index, object) in scene.objects.enumerated() where object.visible {
            let instanceID = UInt16(index + 1)
            switch object.shape {
            case .sphere(let center, let radius):
                materials.append(try shading(object.material ?? Material()))
                let worldCenter = object.transform.transformPoint(center)
                let scale = length(object.transform.transformVector(Vec3d(1, 0, 0)))
                addSphere(center: f3(worldCenter), radius: Float(radius * scale), rotation: object.transform, instanceID: instanceID,
                          material: Int32(materials.count - 1), light: -1)
            case .mesh:
                guard let model = models[index] else { throw RenderError(message: "mesh of \(object.jsonPath) was not loaded") }
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
                addTriangles(tessellate(object.shape).transformed(by: object.transform), instanceID: instanceID,
                             material: Int32(materials.count - 1), light: -1)
            }
        }

        var lights: [AreaLight] = []
        for light in scene.lights {
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

        rtcCommitScene(handle)
        let error = rtcGetDeviceError(device)
        if error != RTC_ERROR_NONE { throw RenderError(message: "Embree failed to build the scene (error \(error.rawValue))") }
        self.storage = storage
        self.records = records
        self.materials = materials
        self.textures = textures
        self.lights = lights
        self.environment = scene.environment
        self.background = scene.background
        self.bounds = bounds
        self.triangleCount = triangleCount
    }

    deinit {
        rtcReleaseScene(handle)
        rtcReleaseDevice(device)
    }
}

/// The triangle mesh of a primitive in object space (spheres are rendered analytically; this is for export).
public func tessellate(_ shape: Shape) -> TriangleMesh {
    switch shape {
    case .sphere(let center, let radius): return Primitives.sphere(center: f3(center), radius: Float(radius))
    case .box(let size): return Primitives.box(size: f3(size))
    case .quad(let size): return Primitives.quad(size: Vec2(Float(size.x), Float(size.y)))
    case .cylinder(let radius, let height): return Primitives.cylinder(radius: Float(radius), height: Float(height))
    case .mesh: preconditionFailure("meshes come from their files")
    }
}

@inline(__always) func f3(_ v: Vec3d) -> Vec3 { Vec3(Float(v.x), Float(v.y), Float(v.z)) }

/// Owns copies of arrays at fixed addresses for the lifetime of a RenderScene.
final class Storage {
    private var blocks: [UnsafeMutableRawPointer] = []
    func keep<T>(_ array: [T]) -> UnsafePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
        _ = UnsafeMutableBufferPointer(start: p, count: array.count).initialize(from: array)
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }
    deinit { for b in blocks { b.deallocate() } }
}
