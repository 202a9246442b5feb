import Foundation
import Geometry

/// A validated recipe (recipe format v1, scenes/recipes.md): a family of `count` scenes. Scene *i* is a pure
/// function of the recipe, *i* and its seed (`Recipe.scene(at:)`), written as an ordinary scene file.
public struct Recipe: Sendable {
    /// Name; scene *i* is named `NAME-00000i`. Default: the file name without `.recipe.json` / `.json`.
    public var name: String
    /// The recipe file as the user named it (used in messages).
    public var file: String
    /// The folder the recipe's paths (and the expanded scenes' asset paths) are relative to.
    public var baseDirectory: URL
    /// Scenes in the family, 1...10 000 000.
    public var count: Int
    /// Seed of every choice; scene i draws from streams keyed by (seed, i).
    public var seed: UInt64
    public var image: RecipeImage
    public var camera: CameraRecipe
    public var background: BackgroundRecipe
    public var lights: LightsRecipe
    /// A ground plane under the objects, or none.
    public var floor: FloorRecipe?
    public var objects: ObjectsRecipe
    public var world: WorldRecipe
    /// The recipe file's bytes, for hashing.
    public var sourceBytes: Data
    /// Every file the recipe names (meshes and textures, folders listed), sorted, for hashing.
    public var assetFiles: [URL]

    /// The id of scene `index`, zero-padded (the folder name in a batch).
    public func sceneID(_ index: Int) -> String { Self.idFormat(count: count)(index) }

    /// The ids of a family of `count` scenes: at least six digits (`000042`), more for larger families.
    public static func idFormat(count: Int) -> @Sendable (Int) -> String {
        let digits = max(6, String(max(count - 1, 0)).count)
        return { i in
            let s = String(i)
            return String(repeating: "0", count: max(0, digits - s.count)) + s
        }
    }
}

/// A number drawn per scene: fixed, uniform in a range, or one of a list.
public enum ScalarSpec: Sendable, Equatable {
    case fixed(Double)
    case uniform(Double, Double)
    case choice([Double])

    /// The smallest and largest value it can take.
    public var bounds: (Double, Double) {
        switch self {
        case .fixed(let v): return (v, v)
        case .uniform(let a, let b): return (a, b)
        case .choice(let values): return (values.min()!, values.max()!)
        }
    }

    func draw(_ rng: inout RandomStream) -> Double {
        switch self {
        case .fixed(let v): return v
        case .uniform(let a, let b): return a + (b - a) * rng.nextDouble()
        case .choice(let values): return values[Int(rng.nextUInt64() % UInt64(values.count))]
        }
    }
}

/// A whole number drawn per scene: fixed, uniform in an inclusive range, or one of a list.
public enum IntegerSpec: Sendable, Equatable {
    case fixed(Int)
    case uniform(Int, Int)
    case choice([Int])

    /// The largest value it can take.
    public var maximum: Int {
        switch self {
        case .fixed(let v): return v
        case .uniform(_, let b): return b
        case .choice(let values): return values.max()!
        }
    }

    func draw(_ rng: inout RandomStream) -> Int {
        switch self {
        case .fixed(let v): return v
        case .uniform(let a, let b): return a + Int(rng.nextUInt64() % UInt64(b - a + 1))
        case .choice(let values): return values[Int(rng.nextUInt64() % UInt64(values.count))]
        }
    }
}

/// A linear RGB colour drawn per scene: fixed, one of a palette, or hue, saturation and value (of the
/// sRGB-encoded colour) drawn separately.
public enum ColorSpec: Sendable, Equatable {
    case fixed(Vec3d)
    case choice([Vec3d])
    case hsv(h: ScalarSpec, s: ScalarSpec, v: ScalarSpec)

    func draw(_ rng: inout RandomStream) -> Vec3d {
        switch self {
        case .fixed(let c): return c
        case .choice(let colors): return colors[Int(rng.nextUInt64() % UInt64(colors.count))]
        case .hsv(let h, let s, let v):
            let hue = h.draw(&rng), saturation = s.draw(&rng), value = v.draw(&rng)
            return ColorSpec.linearFromHSV(hue, saturation, value)
        }
    }

    /// HSV (hue in turns, 0...1) of an sRGB-encoded colour, decoded to linear RGB.
    static func linearFromHSV(_ h: Double, _ s: Double, _ v: Double) -> Vec3d {
        let sector = (h - h.rounded(.down)) * 6, i = Int(sector) % 6, f = sector - Double(Int(sector))
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        let rgb: (Double, Double, Double)
        switch i {
        case 0: rgb = (v, t, p)
        case 1: rgb = (q, v, p)
        case 2: rgb = (p, v, t)
        case 3: rgb = (p, q, v)
        case 4: rgb = (t, p, v)
        default: rgb = (v, p, q)
        }
        func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        return Vec3d(linear(rgb.0), linear(rgb.1), linear(rgb.2))
    }
}

/// A point drawn per scene: fixed, or uniform in a box.
public enum PointSpec: Sendable, Equatable {
    case fixed(Vec3d)
    case box(Vec3d, Vec3d)

    func draw(_ rng: inout RandomStream) -> Vec3d {
        switch self {
        case .fixed(let p): return p
        case .box(let a, let b): return a + (b - a) * Vec3d(rng.nextDouble(), rng.nextDouble(), rng.nextDouble())
        }
    }
}

/// Image size and sampling, the same for every scene of a recipe (a dataset has one image size).
public struct RecipeImage: Sendable, Equatable {
    public var width = 256
    public var height = 256
    public var samplesPerPixel = 16
    public var maxBounces = 3
    public var frameRate = 24.0
    public init() {}
}

/// How the cameras of each scene are placed.
public struct CameraRecipe: Sendable, Equatable {
    public enum Rig: String, Sendable, CaseIterable { case orbit, random, path, fixed }
    public var rig: Rig = .orbit
    /// Frames per ring (orbit), views (random), frames along the path (path), copies of the camera (fixed).
    public var frames = 24
    /// Rings of an orbit rig, each at its own drawn elevation (sorted from low to high).
    public var rings = 1
    /// Keyframes of a path rig.
    public var keyframes = 3
    /// Distance from `lookAt`, metres.
    public var radius: ScalarSpec = .uniform(3.5, 4.5)
    /// Elevation above the horizontal plane, degrees (the band of a random rig: its smallest and largest value).
    public var elevationDegrees: ScalarSpec = .uniform(15, 45)
    /// Azimuth a path rig sweeps from its first keyframe to its last, degrees.
    public var sweepDegrees: ScalarSpec = .uniform(60, 180)
    /// Horizontal field of view, degrees.
    public var fovDegrees: ScalarSpec = .fixed(40)
    public var lookAt: PointSpec = .fixed(.zero)
    /// Every n-th view goes to the test split (0: no splits).
    public var testEvery = 0
    public init() {}
}

public enum BackgroundRecipe: Sendable, Equatable {
    case transparent
    case color(ColorSpec)
    case environment
}

/// The lights of each scene: an environment gradient, a sun and area lights, each present with a probability.
public struct LightsRecipe: Sendable, Equatable {
    public struct Environment: Sendable, Equatable {
        public var top: ColorSpec = .fixed(Vec3d(0.6, 0.65, 0.75))
        public var bottom: ColorSpec = .fixed(Vec3d(0.2, 0.18, 0.16))
        /// Multiplies both colours.
        public var intensity: ScalarSpec = .fixed(1)
        public var probability = 1.0
    }
    public struct Sun: Sendable, Equatable {
        public var elevationDegrees: ScalarSpec = .uniform(25, 70)
        public var azimuthDegrees: ScalarSpec = .uniform(0, 360)
        /// W/m² per unit of `color`.
        public var irradiance: ScalarSpec = .uniform(1.5, 3)
        public var color: ColorSpec = .fixed(Vec3d(1, 0.97, 0.92))
        public var probability = 1.0
    }
    public struct Area: Sendable, Equatable {
        public var count: IntegerSpec = .uniform(0, 2)
        /// Edge length of the square, metres.
        public var size: ScalarSpec = .uniform(0.5, 1.5)
        /// Distance of its centre from the look-at point, metres.
        public var distance: ScalarSpec = .uniform(2.5, 4)
        public var elevationDegrees: ScalarSpec = .uniform(30, 80)
        public var azimuthDegrees: ScalarSpec = .uniform(0, 360)
        /// W·sr⁻¹·m⁻² per unit of `color`.
        public var radiance: ScalarSpec = .uniform(2, 6)
        public var color: ColorSpec = .fixed(Vec3d(1, 1, 1))
    }
    public var environment: Environment? = Environment()
    public var sun: Sun? = nil
    public var area: Area? = nil
    public init() {}
}

/// A material drawn per object: one of several kinds (rubber, metal, …), each with its own distributions.
public struct MaterialRecipe: Sendable, Equatable {
    public struct Kind: Sendable, Equatable {
        public var color: ColorSpec = .fixed(Vec3d(0.8, 0.8, 0.8))
        public var roughness: ScalarSpec = .fixed(0.5)
        public var metallic: ScalarSpec = .fixed(0)
        public var specular: ScalarSpec = .fixed(1)
        /// Textures (paths relative to the recipe) one of which is used with `textureProbability`.
        public var textures: [String] = []
        public var textureProbability = 0.0
        public init() {}
    }
    public var kinds: [Kind] = [Kind()]
    public var weights: [Double] = [1]
    public init() {}
}

/// One entry of the object pool.
public struct PoolEntry: Sendable, Equatable {
    public enum Shape: Sendable, Equatable {
        case sphere(radius: ScalarSpec)
        case box(size: ScalarSpec)
        case cylinder(radius: ScalarSpec, height: ScalarSpec)
        /// A mesh file normalised into the unit sphere, then scaled to a bounding radius of `scale` metres.
        case mesh(path: String, scale: ScalarSpec, upAxis: String)
    }
    public var shape: Shape
    /// Relative chance of being drawn.
    public var weight: Double
    /// The entry's own material distribution; nil: the objects' material (meshes: their file's materials).
    public var material: MaterialRecipe?
}

/// The objects of each scene.
public struct ObjectsRecipe: Sendable, Equatable {
    public var count: IntegerSpec = .fixed(1)
    /// Shapes to draw from (mesh folders listed into one entry per file).
    public var pool: [PoolEntry] = []
    /// Material of primitives (and of meshes whose entry says `"recolor": true`).
    public var material = MaterialRecipe()
    /// Where object centres go (x and y; z too when there is no floor).
    public var regionLower = Vec3d(-1, -1, 0)
    public var regionUpper = Vec3d(1, 1, 0)
    public init() {}
}

/// A ground plane.
public struct FloorRecipe: Sendable, Equatable {
    public var size = SIMD2<Double>(8, 8)
    public var material = MaterialRecipe()
    public var friction: ScalarSpec = .fixed(0.5)
    public var restitution: ScalarSpec = .fixed(0)
    public var visible = true
}

/// Whether the objects stand still, fall and come to rest (frozen), or are filmed while they move (live).
public struct WorldRecipe: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case still, frozen, live }
    public var kind: Kind = .still
    /// Seconds simulated (the clip's length when live; the longest wait for rest when frozen).
    public var duration = 2.0
    /// Height above resting of a dropped object's lowest point, metres.
    public var dropHeight: ScalarSpec = .uniform(0.05, 0.5)
    /// Horizontal speed towards the region's centre (live worlds), m/s.
    public var throwSpeed: ScalarSpec = .fixed(0)
    /// Angular speed about a random axis, degrees per second.
    public var spinDegrees: ScalarSpec = .fixed(0)
    public var density: ScalarSpec = .fixed(1000)
    public var friction: ScalarSpec = .fixed(0.5)
    public var restitution: ScalarSpec = .fixed(0)
    public init() {}
}
