import Foundation
import Geometry

/// Writes triangle meshes as PLY, binary little-endian or ASCII, with optional normals and vertex colours.
/// Written directly rather than through assimp: assimp 5.2's binary PLY export with vertex colours writes a
/// header that disagrees with its body (see docs/platform notes), and ground truth must round-trip exactly.
public enum PLYWriter {
    public enum Encoding: Sendable { case binary, ascii }

    /// The PLY bytes of `mesh`. Colours (linear RGB) are written as 8-bit sRGB `red green blue`.
    public static func encode(_ mesh: TriangleMesh, encoding: Encoding = .binary, comment: String? = nil) -> Data {
        encode(positions: mesh.positions, normals: mesh.normals, colors: mesh.colors, indices: mesh.indices, encoding: encoding, comment: comment)
    }

    /// The PLY bytes of vertices with optional normals and colours (`x y z [nx ny nz] [red green blue]`) and, when
    /// `indices` is given, triangles; without it, a point cloud (no face element).
    public static func encode(positions: [Vec3], normals: [Vec3], colors: [Vec3], indices: [UInt32]?, encoding: Encoding, comment: String?) -> Data {
        let count = positions.count
        let hasNormals = normals.count == count && count > 0
        let hasColors = colors.count == count && count > 0
        let triangles = (indices?.count ?? 0) / 3
        var header = "ply\nformat \(encoding == .binary ? "binary_little_endian" : "ascii") 1.0\n"
        if let comment { header += "comment \(comment)\n" }
        header += "element vertex \(count)\nproperty float x\nproperty float y\nproperty float z\n"
        if hasNormals { header += "property float nx\nproperty float ny\nproperty float nz\n" }
        if hasColors { header += "property uchar red\nproperty uchar green\nproperty uchar blue\n" }
        if indices != nil { header += "element face \(triangles)\nproperty list uchar uint vertex_indices\n" }
        header += "end_header\n"
        var data = Data(header.utf8)
        func color(_ i: Int) -> [UInt8] { let c = colors[i]; return [SRGB.encode8(c.x), SRGB.encode8(c.y), SRGB.encode8(c.z)] }
        switch encoding {
        case .binary:
            var bytes = [UInt8]()
            bytes.reserveCapacity(count * 27 + triangles * 13)
            func put(_ f: Float) { withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes += $0 } }
            for i in 0..<count {
                let p = positions[i]
                put(p.x); put(p.y); put(p.z)
                if hasNormals { let n = normals[i]; put(n.x); put(n.y); put(n.z) }
                if hasColors { bytes += color(i) }
            }
            if let indices {
                for t in 0..<triangles {
                    bytes.append(3)
                    for k in 0..<3 { withUnsafeBytes(of: indices[3 * t + k].littleEndian) { bytes += $0 } }
                }
            }
            data.append(contentsOf: bytes)
        case .ascii:
            var text = ""
            for i in 0..<count {
                let p = positions[i]
                var fields = [p.x, p.y, p.z].map { "\($0)" }
                if hasNormals { let n = normals[i]; fields += [n.x, n.y, n.z].map { "\($0)" } }
                if hasColors { fields += color(i).map { "\($0)" } }
                text += fields.joined(separator: " ") + "\n"
            }
            if let indices {
                for t in 0..<triangles { text += "3 \(indices[3 * t]) \(indices[3 * t + 1]) \(indices[3 * t + 2])\n" }
            }
            data.append(contentsOf: Data(text.utf8))
        }
        return data
    }
}
