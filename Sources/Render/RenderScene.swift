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
        // Embree picks its code path by the CPU, and its paths round differently (the pinned frame hash differs
        // between its AVX2 and AVX-512 paths, and again with SSE4.2): capped at AVX2, which every x86-64 CPU of
        // the last decade has, the same scene renders to the same bytes on every such machine.
        guard let device = rtcNewDevice("max_isa=avx2") else { throw RenderError(message: "Embree: cannot create a device") }
        self.device = device
        guard let handle = rtcNewScene(device) else { throw RenderError(message: "Embree: cannot create a scene") }
        self.handle = handle
        rtcSetSceneBuildQuality(handle, RTC_BUILD_QUALITY_HIGH)

        var builder = SceneBuilder(device: device, handle: handle)
        for (index, object) in scene.objects.enumerated() where object.visible {
            try builder.add(object, index: index, model: models[index])
        }
        for light in scene.lights { builder.add(light) }

        rtcCommitScene(handle)
        let error = rtcGetDeviceError(device)
        if error != RTC_ERROR_NONE { throw RenderError(message: "Embree failed to build the scene (error \(error.rawValue))") }
        self.storage = builder.storage
        self.records = builder.records
        self.materials = builder.materials
        self.textures = builder.textures
        self.lights = builder.lights
        self.environment = scene.environment
        self.background = scene.background
        self.bounds = builder.bounds
        self.triangleCount = builder.triangleCount
    }

    deinit {
        rtcReleaseScene(handle)
        rtcReleaseDevice(device)
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
