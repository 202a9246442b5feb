import Dataset
import FileSafety
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
                throw FileSafetyError(path: url.path, reason: .system("cannot create the checkpoint file"))
            }
            defer { try? handle.close() }
            let header = Header(settings: settings, iteration: iteration, resolution: grid.resolution,
                                lower: [grid.lower.x, grid.lower.y, grid.lower.z], upper: [grid.upper.x, grid.upper.y, grid.upper.z],
                                occupancyBlocks: cubeRoot(occupancy.count))
            // sorted keys: a Codable struct's keys otherwise come out in a per-process random order
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let json = try encoder.encode(header)
            var prefix = Data(Self.magic)
            withUnsafeBytes(of: Self.version.littleEndian) { prefix.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(json.count).littleEndian) { prefix.append(contentsOf: $0) }
            prefix.append(json)
            try handle.write(contentsOf: prefix)
            func put<T>(_ array: [T]) throws { try array.withUnsafeBytes { try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0.baseAddress!), count: $0.count, deallocator: .none)) } }
            try put(grid.density); try put(grid.sh); try put(momentDensity); try put(momentSH); try put(occupancy)
        }
    }

    /// Bytes of memory a lattice of `resolution`³ points takes in training (parameters and Adam moments),
    /// nil when it does not fit an Int.
    public static func trainingBytes(resolution: Int) -> Int? {
        Checked.product([resolution, resolution, resolution, 4 * (1 + 12 + 2 + 24)])
    }

    /// Reads a checkpoint. Every header field is range-checked and the file size compared with what the
    /// header implies before any lattice memory is allocated; the body is memory-mapped, not read whole. Without
    /// `optimizerState` Adam's moments (two thirds of the file) are never touched and come back empty: enough to
    /// render or export the field, not to resume training.
    public static func read(from url: URL, optimizerState: Bool = true) throws -> Checkpoint {
        func damaged(_ what: String) -> DatasetError { DatasetError(file: url.path, message: "damaged checkpoint: \(what); retrain or restore the file") }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
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
        guard headerLength <= 1 << 20, headerLength <= data.count - 16 else { throw damaged("header length \(headerLength) bytes") }
        let header: Header
        do {
            _ = try StrictJSON.parse(data.subdata(in: 16..<(16 + headerLength)), file: url.path)
            header = try JSONDecoder().decode(Header.self, from: data.subdata(in: 16..<(16 + headerLength)))
        } catch { throw damaged("unreadable header") }
        try header.validate(damaged)
        guard let n = Checked.product([header.resolution, header.resolution, header.resolution]),
              let blocks = Checked.product([header.occupancyBlocks, header.occupancyBlocks, header.occupancyBlocks]),
              let body = Checked.product([n, 4 * (1 + 12 + 2 + 24)]),
              let expected = Checked.sum([16, headerLength, body, blocks]) else { throw damaged("the header's sizes overflow") }
        guard data.count == expected else { throw DatasetError(file: url.path, message: "checkpoint is \(data.count) bytes, expected \(expected) (truncated?)") }
        try ResourceBudget.current.checkMemory(optimizerState ? trainingBytes(resolution: header.resolution) : Checked.product([n, 4 * 13]), for: url.path,
                                              what: "a lattice of \(header.resolution)³ points")
        var offset = 16 + headerLength
        func take<T>(_ count: Int, _: T.Type) -> [T] {
            let bytes = count * MemoryLayout<T>.stride
            defer { offset += bytes }
            return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                data.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + bytes)]))
                }
                initialized = count
            }
        }
        var grid = RadianceGrid<Float>(resolution: header.resolution, lower: Vec3d(header.lower[0], header.lower[1], header.lower[2]),
                                       upper: Vec3d(header.upper[0], header.upper[1], header.upper[2]), initialDensity: 0)
        grid.density = take(n, Float.self)
        grid.sh = take(n * 12, Float.self)
        var md: [SIMD2<Float>] = [], ms: [SIMD2<Float>] = []
        if optimizerState { md = take(n, SIMD2<Float>.self); ms = take(n * 12, SIMD2<Float>.self) } else { offset += n * 13 * MemoryLayout<SIMD2<Float>>.stride }
        let occupancy = take(blocks, UInt8.self)
        guard grid.density.allSatisfy(\.isFinite), grid.sh.allSatisfy(\.isFinite) else { throw damaged("non-finite lattice values") }
        return Checkpoint(settings: header.settings, iteration: header.iteration, grid: grid, momentDensity: md, momentSH: ms, occupancy: occupancy)
    }
}

extension Checkpoint.Header {
    /// Throws `damaged(what)` for any field out of its range.
    func validate(_ damaged: (String) -> DatasetError) throws {
        guard (2...1024).contains(resolution) else { throw damaged("resolution \(resolution) outside 2...1024") }
        guard lower.count == 3, upper.count == 3, (lower + upper).allSatisfy({ $0.isFinite && abs($0) <= 1e6 }),
              (0..<3).allSatisfy({ upper[$0] - lower[$0] > 1e-9 }) else { throw damaged("the box (lower, upper) is not three finite, increasing coordinates") }
        guard iteration >= 0, iteration <= 1 << 40 else { throw damaged("iteration \(iteration)") }
        if let problem = settings.problem { throw damaged("settings: \(problem)") }
        let b = settings.occupancyBlock, perAxis = (resolution - 1 + b - 1) / b
        guard occupancyBlocks == 0 || occupancyBlocks == perAxis else {
            throw damaged("\(occupancyBlocks) occupancy blocks per axis where the lattice has \(perAxis)")
        }
    }
}

/// The integer n with n³ = count.
func cubeRoot(_ count: Int) -> Int {
    var n = Int(Double(count).squareRoot().squareRoot())
    while n * n * n < count { n += 1 }
    while n * n * n > count { n -= 1 }
    return n
}
