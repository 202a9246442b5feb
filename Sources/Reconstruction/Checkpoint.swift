import Dataset
import Foundation
import Geometry
import RealModule

/// Everything needed to continue training exactly: settings, iteration, the grid and Adam's moments.
///
/// File format, version 2 (little-endian; version 1 lacked `randomBackground` in the settings):
///   8 bytes   magic "ORBITRF\0"
///   UInt32    format version (2)
///   UInt32    header length n, then n bytes of JSON: {"settings", "iteration", "resolution", "lower", "upper"}
///   Float32 × R³         density
///   Float32 × R³ × 12    SH coefficients (layout of RadianceGrid)
///   Float32 × R³ × 2     Adam first and second moments of density, interleaved
///   Float32 × R³ × 24    Adam moments of the SH coefficients, interleaved
///   UInt8 × B³           occupancy of blocks (B = blocks per axis, in the header)
public struct Checkpoint: Sendable {
    public static let magic: [UInt8] = Array("ORBITRF".utf8) + [0]
    public static let version: UInt32 = 2

    public var settings: TrainingSettings
    public var iteration: Int
    public var grid: RadianceGrid<Float>
    var momentDensity: [SIMD2<Float>]
    var momentSH: [SIMD2<Float>]
    /// Occupancy of blocks of `settings.occupancyBlock`³ cells (1 = may hold density), for empty-space skipping.
    public internal(set) var occupancy: [UInt8]

    struct Header: Codable {
        var settings: TrainingSettings
        var iteration: Int
        var resolution: Int
        var lower: [Double]
        var upper: [Double]
        var occupancyBlocks: Int
    }

    /// Writes the checkpoint under a temporary name and renames it into place.
    public func write(to url: URL) throws {
        try AtomicFile.write(to: url) { tmp in
            guard FileManager.default.createFile(atPath: tmp.path, contents: nil), let handle = FileHandle(forWritingAtPath: tmp.path) else {
                throw OutputError(path: url.path, message: "cannot create the checkpoint file")
            }
            defer { try? handle.close() }
            let header = Header(settings: settings, iteration: iteration, resolution: grid.resolution,
                                lower: [grid.lower.x, grid.lower.y, grid.lower.z], upper: [grid.upper.x, grid.upper.y, grid.upper.z],
                                occupancyBlocks: cubeRoot(occupancy.count))
            let json = try JSONEncoder().encode(header)
            var prefix = Data(Self.magic)
            withUnsafeBytes(of: Self.version.littleEndian) { prefix.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(json.count).littleEndian) { prefix.append(contentsOf: $0) }
            prefix.append(json)
            try handle.write(contentsOf: prefix)
            func put<T>(_ array: [T]) throws { try array.withUnsafeBytes { try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0.baseAddress!), count: $0.count, deallocator: .none)) } }
            try put(grid.density); try put(grid.sh); try put(momentDensity); try put(momentSH); try put(occupancy)
        }
    }

    public static func read(from url: URL) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DatasetError(file: url.path, message: "checkpoint missing or unreadable")
        }
        guard data.count > 16, Array(data.prefix(8)) == magic else {
            throw DatasetError(file: url.path, message: "not an Orbit checkpoint")
        }
        let version = data.subdata(in: 8..<12).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian
        guard version == Self.version else {
            throw DatasetError(file: url.path, message: "checkpoint format version \(version); this version of orbit reads version \(Self.version) (retrain, or use the orbit that wrote it)")
        }
        let headerLength = Int(data.subdata(in: 12..<16).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian)
        guard let header = try? JSONDecoder().decode(Header.self, from: data.subdata(in: 16..<(16 + headerLength))) else {
            throw DatasetError(file: url.path, message: "damaged checkpoint header")
        }
        let n = header.resolution * header.resolution * header.resolution
        let blocks = header.occupancyBlocks * header.occupancyBlocks * header.occupancyBlocks
        let expected = 16 + headerLength + 4 * n * (1 + 12 + 2 + 24) + blocks
        guard data.count == expected else { throw DatasetError(file: url.path, message: "checkpoint is \(data.count) bytes, expected \(expected) (truncated?)") }
        var offset = 16 + headerLength
        func take<T>(_ count: Int, _: T.Type) -> [T] {
            let bytes = count * MemoryLayout<T>.stride
            defer { offset += bytes }
            return data.subdata(in: offset..<(offset + bytes)).withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
        }
        var grid = RadianceGrid<Float>(resolution: header.resolution, lower: Vec3d(header.lower[0], header.lower[1], header.lower[2]),
                                       upper: Vec3d(header.upper[0], header.upper[1], header.upper[2]), initialDensity: 0)
        grid.density = take(n, Float.self)
        grid.sh = take(n * 12, Float.self)
        let md = take(n, SIMD2<Float>.self), ms = take(n * 12, SIMD2<Float>.self)
        let occupancy = take(blocks, UInt8.self)
        return Checkpoint(settings: header.settings, iteration: header.iteration, grid: grid, momentDensity: md, momentSH: ms, occupancy: occupancy)
    }
}

/// The integer n with n³ = count.
func cubeRoot(_ count: Int) -> Int {
    var n = Int(Double(count).squareRoot().squareRoot())
    while n * n * n < count { n += 1 }
    while n * n * n > count { n -= 1 }
    return n
}
