import Foundation
import Geometry
import SceneFormat

/// A scene compiled for MuJoCo: the MJCF document and how its bodies map back to scene objects.
public struct CompiledWorld: Sendable {
    /// The MJCF document (deterministic for a scene: the same scene gives the same bytes).
    public var xml: String
    /// The scene's dynamic objects, in body order.
    public var dynamicObjects: [Int]
    /// The scene's static colliders (geoms of the world body).
    public var staticObjects: [Int]
    /// Per scene object index: the scale baked into its collider (its transform's S), for poses → transforms.
    public var scales: [Int: Vec3d]
    /// Contact buffer sizes written into `<size>`.
    public var contactCapacity: Int
    public var constraintCapacity: Int
}

/// Scene → MJCF (MuJoCo 2.2 XML). Each dynamic object is a body with a free joint and one geom; each static
/// collider is a geom of the world body. Bodies and geoms are named `object-<id>` (id = object index + 1).
///
/// Shapes: spheres, boxes and cylinders are MuJoCo primitives; a `plane` object is MuJoCo's infinite plane;
/// a quad is a thin box below its face (1 cm for static ones, 2 mm for dynamic cards); a mesh collides as the
/// convex hull MuJoCo builds from its vertices. Scale is baked into the geom, so a body's frame is the
/// object's translation and rotation.
public enum MJCF {
    /// Thickness of the box a quad collides as, metres.
    public static let staticQuadThickness = 0.01
    public static let dynamicQuadThickness = 0.002

    /// `meshVertices`: object-space vertices of every colliding mesh object (after import), keyed by object index.
    /// `contactScale` multiplies the contact buffers (the simulation doubles it when MuJoCo reports them full).
    public static func compile(_ scene: Scene, meshVertices: [Int: [Vec3d]], contactScale: Int = 1) throws -> CompiledWorld {
        guard let physics = scene.physics else {
            throw SceneError(file: scene.file, path: "physics", message: "the scene has no \"physics\" section")
        }
        var assets: [String] = []
        var statics: [String] = []
        var bodies: [String] = []
        var dynamicObjects: [Int] = [], staticObjects: [Int] = []
        var scales: [Int: Vec3d] = [:]
        var anyRolls = false

        for (index, object) in scene.objects.enumerated() {
            guard let body = object.body, body.kind != .none else { continue }
            let id = index + 1
            let (translation, rotation, scale) = object.transform.decomposed
            scales[index] = scale
            let dynamic = body.kind == .dynamic
            var (geom, offset, asset) = try collider(object, index: index, scale: scale, dynamic: dynamic, scene: scene, meshVertices: meshVertices)
            if let asset { assets.append(asset) }
            // round shapes get rolling resistance (contact dimension 6: sliding, torsional and rolling friction);
            // MuJoCo gives a contact the larger dimension and the larger coefficients of its two geoms
            let rolls: Bool
            switch object.shape {
            case .sphere, .cylinder, .mesh: rolls = true
            default: rolls = false
            }
            if rolls { anyRolls = true; geom.append(("condim", "6")) }
            geom.append(("friction", num(body.friction) + " 0.005 " + num(rolls || body.kind == .static ? body.rollingFriction : 0.0001)))
            geom.append(("solref", contactReference(physics, restitution: body.restitution)))
            if dynamic {
                if offset != .zero { geom.insert(("pos", vec(offset)), at: 2) }
                if let mass = body.mass { geom.append(("mass", num(mass))) } else { geom.append(("density", num(body.density))) }
                bodies.append("    <body name=\"object-\(id)\" pos=\"\(vec(translation))\" quat=\"\(quat(rotation))\">\n"
                              + "      <freejoint name=\"object-\(id)\"/>\n      " + element("geom", geom) + "\n    </body>")
                dynamicObjects.append(index)
            } else {
                geom.insert(contentsOf: [("pos", vec(translation + rotation.rotate(offset))), ("quat", quat(rotation))], at: 2)
                statics.append("    " + element("geom", geom))
                staticObjects.append(index)
            }
        }

        // Contact buffers sized to the scene: box-box pairs make up to 8 contacts, a box on a plane 4; every
        // dynamic geom is given 8 plus 4 per static collider, and a constraint row per friction direction (6 per rolling contact, 3 per sliding one; pyramidal cones double
        // the tangential rows).
        // The stack holds the solver's matrices: the Newton solver's Hessian is nv × nv (nv = 6 per body).
        // When MuJoCo reports a buffer full, the simulation repeats the run with all three scaled up.
        let nd = dynamicObjects.count, ns = staticObjects.count
        let contacts = max(100, nd * (8 + 4 * ns)) * contactScale
        let rows = (physics.solver.cone == .elliptic ? (anyRolls ? 6 : 3) : (anyRolls ? 10 : 4)) * contacts
        let nv = 6 * nd
        let stack = (4 * nv * nv + 64 * rows + 100_000) * contactScale
        var lines = ["<mujoco model=\"\(escape(scene.name))\">",
                     "  <compiler angle=\"radian\" inertiafromgeom=\"true\"/>",
                     "  <option timestep=\"\(num(physics.timestep))\" gravity=\"\(vec(physics.gravity))\" cone=\"\(physics.solver.cone.rawValue)\" solver=\"\(physics.solver.method.mujocoName)\">",
                     "    <flag energy=\"enable\" multiccd=\"enable\"/>",
                     "  </option>",
                     "  <size nconmax=\"\(contacts)\" njmax=\"\(rows)\" nstack=\"\(stack)\"/>"]
        if !assets.isEmpty { lines += ["  <asset>"] + assets + ["  </asset>"] }
        lines += ["  <worldbody>"] + statics + bodies + ["  </worldbody>", "</mujoco>"]
        return CompiledWorld(xml: lines.joined(separator: "\n") + "\n", dynamicObjects: dynamicObjects, staticObjects: staticObjects,
                             scales: scales, contactCapacity: contacts, constraintCapacity: rows)
    }

    /// The geom of an object's collider (scale baked in), its centre in the body frame, and the mesh asset a
    /// mesh collider needs.
    static func collider(_ object: SceneObject, index: Int, scale: Vec3d, dynamic: Bool, scene: Scene,
                         meshVertices: [Int: [Vec3d]]) throws -> ([(String, String)], Vec3d, String?) {
        let id = index + 1
        var geom: [(String, String)] = [("name", "object-\(id)")]
        var offset = Vec3d.zero  // the geom's centre in the body frame
        var asset: String? = nil
        let body = object.body!
        switch object.shape {
        case .sphere(let center, let radius):
            geom += [("type", "sphere"), ("size", num(radius * scale.x))]
            offset = center * scale
        case .box(let size):
            geom += [("type", "box"), ("size", vec(size * scale / 2))]
        case .cylinder(let radius, let height):
            geom += [("type", "cylinder"), ("size", num(radius * scale.x) + " " + num(height * scale.z / 2))]
        case .quad(let size):
            if body.infinitePlane {
                geom += [("type", "plane"), ("size", num(size.x * scale.x / 2) + " " + num(size.y * scale.y / 2) + " 1")]
            } else {
                let t = dynamic ? dynamicQuadThickness : staticQuadThickness
                geom += [("type", "box"), ("size", vec(Vec3d(size.x * scale.x / 2, size.y * scale.y / 2, t / 2)))]
                offset = Vec3d(0, 0, -t / 2)
            }
        case .mesh(let source):
            guard let vertices = meshVertices[index] else {
                throw SceneError(file: scene.file, path: "\(object.jsonPath).path", message: "mesh \"\(source.path)\" was not loaded")
            }
            try checkCollider(vertices.map { $0 * scale }, scene: scene, object: object, source: source)
            asset = "    <mesh name=\"mesh-\(id)\" vertex=\"\(vertices.map { vec($0 * scale) }.joined(separator: "  "))\"/>"
            geom += [("type", "mesh"), ("mesh", "mesh-\(id)")]
        }
        return (geom, offset, asset)
    }

    /// MuJoCo's solref "timeconst dampratio" for a surface of restitution `e`. MuJoCo derives the contact spring's
    /// stiffness k = 1 / (dmax² · timeconst² · dampratio²) and damping b = 2 / (dmax · timeconst), so lowering the
    /// damping ratio alone would stiffen the spring beyond what the time step can integrate (a bouncing ball then
    /// gains energy). Dividing the time constant by ζ keeps the stiffness of a critically damped contact and lowers
    /// only the damping. MuJoCo averages two surfaces' solref; each average stays no stiffer than either surface.
    static func contactReference(_ physics: PhysicsSettings, restitution e: Double) -> String {
        let zeta = dampingRatio(restitution: e)
        return num(physics.contactTimeConstant / zeta) + " " + num(zeta)
    }

    /// The damping ratio ζ of the contact spring whose bounce has coefficient of restitution `e`:
    /// a damped oscillator's half period ends with speed ratio e = exp(−ζπ / √(1 − ζ²)), so
    /// ζ = −ln e / √(π² + ln² e); e = 0 gives critical damping (MuJoCo's default, ζ = 1).
    public static func dampingRatio(restitution e: Double) -> Double {
        guard e > 0 else { return 1 }
        let l = log(min(e, 0.99))   // a perfectly elastic contact (ζ = 0) would never settle; 0.99 is the most offered
        return -l / (Double.pi * Double.pi + l * l).squareRoot()
    }

    /// A mesh collides as its convex hull, which needs volume: four vertices not in one plane.
    static func checkCollider(_ vertices: [Vec3d], scene: Scene, object: SceneObject, source: MeshSource) throws {
        func fail(_ why: String) -> SceneError {
            SceneError(file: scene.file, path: "\(object.jsonPath).path",
                       message: "\"\(source.path)\" cannot be a collider: \(why); use a primitive shape, or \"body\": {\"type\": \"none\"} to keep it out of the simulation")
        }
        guard vertices.count >= 4 else { throw fail("it has \(vertices.count) vertices, a solid needs at least 4") }
        // the seed of a hull: the farthest pair, the farthest point from their line, the farthest from that plane
        let a = vertices[0]
        let b = vertices.max { length($0 - a) < length($1 - a) }!
        let c = vertices.max { length($0 - b) < length($1 - b) }!
        let size = length(c - b)
        guard size > 1e-9 else { throw fail("all its vertices are at one point") }
        let axis = (c - b) / size
        func offLine(_ p: Vec3d) -> Double { length((p - b) - dot(p - b, axis) * axis) }
        let d = vertices.max { offLine($0) < offLine($1) }!
        guard offLine(d) > 1e-6 * size else { throw fail("all its vertices lie on one line") }
        let normal = normalize(cross(c - b, d - b))
        let e = vertices.max { abs(dot($0 - b, normal)) < abs(dot($1 - b, normal)) }!
        guard abs(dot(e - b, normal)) > 1e-6 * size else { throw fail("all its vertices lie in one plane (a flat mesh has no volume)") }
    }

    static func element(_ name: String, _ attributes: [(String, String)]) -> String {
        "<\(name) " + attributes.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: " ") + "/>"
    }

    /// Shortest text that reads back as the same Double.
    static func num(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
    static func vec(_ v: Vec3d) -> String { "\(num(v.x)) \(num(v.y)) \(num(v.z))" }
    static func quat(_ q: Quaternion) -> String { "\(num(q.w)) \(num(q.x)) \(num(q.y)) \(num(q.z))" }
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
