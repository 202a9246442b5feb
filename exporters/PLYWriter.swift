import Foundation
import Geometry

/// Writes triangle meshes as PLY, binary little-endian or ASCII, with optional normals and vertex colours.
/// Written directly rather than through assimp: assimp 5.2's binary PLY export with vertex colours writes a
/// header that disagrees with its body (see docs/platform notes), and ground truth must round-trip exactly.
public enum PLYWriter {
    public enum Encoding: Sendable { case binary, ascii }

    /// The PLY bytes of `mesh`. Colours (linear RGB) are written as 8-bit sRGB `red green blue`.
    public static func encode(_ mesh: TriangleMesh, encoding: Encoding = .binary, comment: String? = nil) -> Data {
        let hasNormals = mesh.normals.count == mesh.positions.count && !mesh.positions.isEmpty
        let hasColors = mesh.colors.count == mesh.positions.count && !mesh.positions.isEmpty
        var header = "ply\nformat \(encoding == .binary ? "binary_little_endian" : "ascii") 1.0\n"
        if let comment { header += "comment \(comment)\n" }
        header += "element vertex \(mesh.positions.count)\nproperty float x\nproperty float y\nproperty float z\n"
        if hasNormals { header += "property float nx\nproperty float ny\nproperty float nz\n" }
        if hasColors { header += "property uchar red\nproperty uchar green\nproperty uchar blue\n" }
        header += "element face \(mesh.triangleCount)\nproperty list uchar uint vertex_indices\nend_header\n"
        var data = Data(header.utf8)
        func color(_ i: Int) -> [UInt8] { let c = mesh.colors[i]; return [SRGB.encode8(c.x), SRGB.encode8(c.y), SRGB.encode8(c.z)] }
        switch encoding {
        case .binary:
            var bytes = [UInt8]()
            bytes.reserveCapacity(mesh.positions.count * 27 + mesh.triangleCount * 13)
            func put(_ f: Float) { withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes += $0 } }
            for i in mesh.positions.indices {
                let p = mesh.positions[i]
                put(p.x); put(p.y); put(p.z)
                if hasNormals { let n = mesh.normals[i]; put(n.x); put(n.y); put(n.z) }
                if hasColors { bytes += color(i) }
            }
            for t in 0..<mesh.triangleCount {
                bytes.append(3)
                for k in 0..<3 { withUnsafeBytes(of: mesh.indices[3 * t + k].littleEndian) { bytes += $0 } }
            }
            data.append(contentsOf: bytes)
        case .ascii:
            var text = ""
            for i in mesh.positions.indices {
                let p = mesh.positions[i]
                var fields = [p.x, p.y, p.z].map { "\($0)" }
                if hasNormals { let n = mesh.normals[i]; fields += [n.x, n.y, n.z].map { "\($0)" } }
                if hasColors { fields += color(i).map { "\($0)" } }
                text += fields.joined(separator: " ") + "\n"
            }
            for t in 0..<mesh.triangleCount {
                text += "3 \(mesh.indices[3 * t]) \(mesh.indices[3 * t + 1]) \(mesh.indices[3 * t + 2])\n"
            }
            data.append(contentsOf: Data(text.utf8))
        }
        return data
    }
}
