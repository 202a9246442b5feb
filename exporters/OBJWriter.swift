import Foundation
import Geometry

/// Writes a triangle mesh as Wavefront OBJ with an optional MTL material (diffuse colour and texture).
/// OBJ is text and simple enough that a direct writer is clearer than assimp's exporter for our needs.
public enum OBJWriter {
    public struct MaterialDescription: Sendable {
        public var name: String
        /// Linear RGB diffuse colour (`Kd`).
        public var diffuse: Vec3
        /// Texture file name for `map_Kd`, relative to the MTL file.
        public var texture: String?
        public init(name: String, diffuse: Vec3, texture: String? = nil) { self.name = name; self.diffuse = diffuse; self.texture = texture }
    }

    /// Returns the OBJ text and, when a material is given, the MTL text (to be saved as `mtlName`).
    public static func encode(_ mesh: TriangleMesh, material: MaterialDescription? = nil, mtlName: String = "material.mtl") -> (obj: String, mtl: String?) {
        var obj = "# orbit OBJ: \(mesh.positions.count) vertices, \(mesh.triangleCount) triangles\n"
        if material != nil { obj += "mtllib \(mtlName)\n" }
        func f(_ x: Float) -> String { String(format: "%.6g", x) }
        for p in mesh.positions { obj += "v \(f(p.x)) \(f(p.y)) \(f(p.z))\n" }
        let hasUV = mesh.uvs.count == mesh.positions.count, hasN = mesh.normals.count == mesh.positions.count
        if hasUV { for t in mesh.uvs { obj += "vt \(f(t.x)) \(f(t.y))\n" } }
        if hasN { for n in mesh.normals { obj += "vn \(f(n.x)) \(f(n.y)) \(f(n.z))\n" } }
        if let material { obj += "usemtl \(material.name)\n" }
        for t in 0..<mesh.triangleCount {
            let corners = (0..<3).map { k -> String in
                let i = Int(mesh.indices[3 * t + k]) + 1
                switch (hasUV, hasN) {
                case (true, true): return "\(i)/\(i)/\(i)"
                case (true, false): return "\(i)/\(i)"
                case (false, true): return "\(i)//\(i)"
                case (false, false): return "\(i)"
                }
            }
            obj += "f " + corners.joined(separator: " ") + "\n"
        }
        guard let material else { return (obj, nil) }
        let d = material.diffuse
        var mtl = "newmtl \(material.name)\nKd \(f(d.x)) \(f(d.y)) \(f(d.z))\nKs 0 0 0\nNs 10\n"
        if let texture = material.texture { mtl += "map_Kd \(texture)\n" }
        return (obj, mtl)
    }
}
