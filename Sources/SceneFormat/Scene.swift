import Foundation
import Geometry

/// A validated scene (format v1). Every value has been range-checked and every referenced file exists.
/// See scenes/README.md for the file format and docs/conventions.md for axes and units.
public struct Scene: Sendable {
    /// Human-readable name. Default: the file name without extension.
    public var name: String
    /// The scene file as the user named it (used in messages), and its folder (paths resolve against it).
    public var file: String
    /// The folder relative paths of the scene resolve against.
    public var baseDirectory: URL
    /// Image size and intrinsics.
    public var camera: CameraSettings
    /// Sampling and path settings.
    public var render: RenderSettings
    /// Frames per second of `video.mp4`. Default 24.
    public var frameRate: Double
    /// Where the cameras go.
    public var rig: Rig
    /// What camera rays that leave the scene see.
    public var background: Background
    /// Lights, in file order.
    public var lights: [Light]
    /// Objects, in file order (spawned ones after them); instance id = index + 1.
    public var objects: [SceneObject]
    /// Rigid-body simulation (world scenes only); nil for still scenes.
    public var physics: PhysicsSettings? = nil
    /// The canonical bytes of the scene file, for hashing.
    public var sourceBytes: Data

    /// The environment light, if the scene has one.
    public var environment: EnvironmentLight? {
        for light in lights { if case .environment(let e) = light { return e } }
        return nil
    }
}

/// Image size and pinhole intrinsics.
public struct CameraSettings: Sendable, Equatable {
    /// Image width in pixels, 1...8192. Default 400 (or the rig preset's).
    public var width: Int = 400
    /// Image height in pixels, 1...8192. Default 400 (or the rig preset's).
    public var height: Int = 400
    /// Horizontal field of view in radians. Default 40° (or the rig preset's).
    public var fovX: Double = 40 * .pi / 180
    /// The lens every view is rendered through. Default: an ideal pinhole.
    public var distortion: LensDistortion = .none
    /// The defaults.
    public init() {}
}

/// Monte Carlo settings.
public struct RenderSettings: Sendable, Equatable {
    /// Camera samples per pixel, 1...65536. Default 16.
    public var samplesPerPixel: Int = 16
    /// Maximum indirect bounces, 0...64: 0 renders direct lighting only. Default 4.
    public var maxBounces: Int = 4
    /// Seed of every random choice (sampling, random rigs). Default 0.
    public var seed: UInt64 = 0
    /// The defaults.
    public init() {}
}

/// A base material in glTF metallic-roughness terms. Colours are linear RGB.
public struct Material: Sendable, Equatable {
    /// Linear base colour (albedo for dielectrics, F0 for metals), each in 0...1. Default 0.8 grey.
    public var baseColor: Vec3d = Vec3d(0.8, 0.8, 0.8)
    /// sRGB-encoded texture multiplied with `baseColor`, or nil.
    public var baseColorTexture: URL? = nil
    /// 0 (dielectric) ... 1 (metal). Default 0.
    public var metallic: Double = 0
    /// Perceptual roughness 0 (mirror) ... 1 (rough); GGX alpha = roughness². Default 0.5.
    public var roughness: Double = 0.5
    /// Scales the dielectric reflectance at normal incidence (F0 = 0.04 · specular), 0...1; 0 with metallic 0
    /// gives a pure Lambertian surface. Default 1.
    public var specular: Double = 1
    /// Emitted radiance in W·sr⁻¹·m⁻², linear RGB, each ≥ 0. Default 0.
    public var emission: Vec3d = .zero
    /// The defaults.
    public init() {}
}

/// An object: a shape, its placement and material.
public struct SceneObject: Sendable {
    /// Name from the file, or "<type>-<index>". Instance id = index in `objects` + 1.
    public var name: String
    /// The geometry, in object space.
    public var shape: Shape
    /// Object-to-world transform: translate · rotate · scale.
    public var transform: Matrix4
    /// The material; nil for meshes means "use the file's own materials".
    public var material: Material?
    /// Where the object sits in the scene file (e.g. `objects[2]`, or `spawners[0]` for spawned ones), for messages.
    public var jsonPath: String
    /// Its part in the simulation; nil in scenes without physics.
    public var body: Body? = nil
    /// Rendered (and part of the ground truth). Default true; an invisible object can still collide.
    public var visible: Bool = true

    /// An object as the scene decoder makes it; `jsonPath` names it in messages.
    public init(name: String, shape: Shape, transform: Matrix4, material: Material?, jsonPath: String, body: Body? = nil) {
        self.name = name; self.shape = shape; self.transform = transform; self.material = material; self.jsonPath = jsonPath; self.body = body
    }
}

/// The geometry of an object, in object space (metres).
public enum Shape: Sendable {
    /// A sphere of `radius` metres about `center` (object space).
    case sphere(center: Vec3d, radius: Double)
    /// An axis-aligned box of edge lengths `size` centred at the origin.
    case box(size: Vec3d)
    /// A rectangle of `size` (x, y) centred at the origin in the z = 0 plane, facing +Z.
    case quad(size: SIMD2<Double>)
    /// A capped cylinder about the z axis, centred at the origin.
    case cylinder(radius: Double, height: Double)
    /// A mesh file read through assimp.
    case mesh(MeshSource)
}

/// A mesh file an object is made of, and how it is read.
public struct MeshSource: Sendable, Equatable {
    /// The file, resolved against the scene's folder.
    public var url: URL
    /// The path as written in the scene.
    public var path: String
    /// Scale and centre the mesh into the unit sphere before the object transform. Default false.
    public var normalize: Bool
    /// The file's up axis: "y" meshes are rotated so that their +Y becomes world +Z. Default "y".
    public var upAxis: String
}

/// A light. Radiance and irradiance are linear RGB (W·sr⁻¹·m⁻² and W·m⁻² per channel).
public enum Light: Sendable {
    /// A one-sided rectangle `corner + s·edge1 + t·edge2`, emitting `radiance` towards `edge1 × edge2`.
    case quad(corner: Vec3d, edge1: Vec3d, edge2: Vec3d, radiance: Vec3d)
    /// A sphere emitting `radiance` from its surface.
    case sphere(center: Vec3d, radius: Double, radiance: Vec3d)
    /// Parallel light travelling along unit `direction`, with `irradiance` (W/m²) on a surface facing it.
    case directional(direction: Vec3d, irradiance: Vec3d)
    /// Light arriving from infinitely far away.
    case environment(EnvironmentLight)
}

/// Radiance from infinity: `bottom` straight down, `top` straight up, linear in the direction's z between.
/// A constant environment has `top == bottom`.
public struct EnvironmentLight: Sendable, Equatable {
    /// Radiance arriving from straight up (+Z).
    public var top: Vec3d
    /// Radiance arriving from straight down.
    public var bottom: Vec3d
    /// A sky that blends linearly from `bottom` to `top` with the direction's z.
    public init(top: Vec3d, bottom: Vec3d) { self.top = top; self.bottom = bottom }
    /// The radiance arriving from a direction whose z component is `z`.
    public func radiance(directionZ z: Double) -> Vec3d { bottom + (top - bottom) * ((z + 1) / 2) }
}

/// What camera rays that leave the scene see.
public enum Background: Sendable, Equatable {
    /// Alpha 0 where camera rays escape; `video.mp4` composites the frames over `matte` (linear RGB).
    case transparent(matte: Vec3d)
    /// A constant linear RGB colour, alpha 1.
    case color(Vec3d)
    /// The environment light, seen directly, alpha 1.
    case environment
}

/// Camera placements.
public enum Rig: Sendable, Equatable {
    case orbit(OrbitRig)
    case random(RandomRig)
    /// NeRF-synthetic (Blender) layout: 100 train and 100 val views on the upper hemisphere, 200 test views on a ring.
    case nerfSynthetic(radius: Double, lookAt: Vec3d)
    /// SV3D layout: 21 frames on a ring at 10° elevation, azimuth step 360°/21.
    case sv3d(radius: Double, lookAt: Vec3d)
    /// One camera that never moves (`frames` copies of it).
    case fixed(eye: Vec3d, lookAt: Vec3d, frames: Int)
    /// A camera moving through keyframes (eye and target, evenly spaced in time, linearly interpolated).
    case path(keyframes: [CameraKeyframe], frames: Int)
}

/// One keyframe of a camera path.
public struct CameraKeyframe: Sendable, Equatable {
    /// The camera's position, metres.
    public var eye: Vec3d
    /// The point it looks at.
    public var lookAt: Vec3d
    /// A keyframe at `eye` looking at `lookAt`.
    public init(eye: Vec3d, lookAt: Vec3d) { self.eye = eye; self.lookAt = lookAt }
}

/// Cameras on rings around a point, looking at it (the `orbit` rig).
public struct OrbitRig: Sendable, Equatable {
    /// Distance from `lookAt` in metres. Default 4.
    public var radius: Double = 4
    /// One ring per elevation, in radians above the horizontal plane. Default [20°].
    public var elevations: [Double] = [20 * .pi / 180]
    /// Frames per ring. Default 24.
    public var framesPerRing: Int = 24
    /// Azimuth of the first frame in radians, counter-clockwise from +X seen from above. Default 0.
    public var startAzimuth: Double = 0
    /// The point every camera looks at, metres. Default origin.
    public var lookAt: Vec3d = .zero
    /// Every n-th frame goes to the test split (0: no splits). Default 0.
    public var testEvery: Int = 0
    /// The defaults.
    public init() {}
}

/// Cameras at random directions on a sphere around a point (the `random` rig).
public struct RandomRig: Sendable, Equatable {
    /// Number of views. Default 50.
    public var count: Int = 50
    /// Distance from `lookAt` in metres. Default 4.
    public var radius: Double = 4
    /// Elevation range in radians; directions are uniform on that band of the sphere. Default 5°...85°.
    public var minElevation: Double = 5 * .pi / 180
    /// The highest elevation, radians.
    public var maxElevation: Double = 85 * .pi / 180
    public var lookAt: Vec3d = .zero
    /// Seed of the view directions. Default: the render seed.
    public var seed: UInt64 = 0
    /// Every n-th view goes to the test split (0: no splits). Default 0.
    public var testEvery: Int = 0
    /// The defaults.
    public init() {}
}

extension Shape {
    /// The object type as the scene file names it.
    public var typeName: String {
        switch self {
        case .sphere: return "sphere"
        case .box: return "box"
        case .quad: return "quad"
        case .cylinder: return "cylinder"
        case .mesh: return "mesh"
        }
    }
}

extension Rig {
    /// The rig type as the scene file names it.
    public var typeName: String {
        switch self {
        case .orbit: return "orbit"
        case .random: return "random"
        case .nerfSynthetic: return "nerf-synthetic"
        case .sv3d: return "sv3d"
        case .fixed: return "fixed"
        case .path: return "path"
        }
    }
}
