import FileSafety
import Foundation

/// Checks a mesh file before assimp sees it. assimp's importers trust the counts in a file's header (a PLY
/// claiming 2·10⁹ vertices allocates them; a GLB chunk claiming 2 GB is read as such), and Debian's build
/// aborts on some malformed input; its own validation step (run after import) cannot help with either. So the
/// structure that decides allocations is checked here first, against the file's real size:
/// - PLY: the header, every element count against the bytes left, every list length and every vertex index
///   (binary bodies are walked, ASCII bodies tokenised);
/// - STL: a binary file's triangle count against its size;
/// - GLB/glTF: the chunk lengths, and every buffer, buffer view and accessor range against the data that is there;
/// - any format: the file size against the memory budget (importers need a small multiple of it).
enum MeshPrecheck {
    struct Problem: Error { var message: String }

    /// Memory an importer may need per byte of file: indices and vertices expanded to 32-bit and float
    /// arrays, normals generated, identical vertices joined (measured on PLY and OBJ files: 8-12×).
    static let bytesPerFileByte = 24

    static func check(_ url: URL) throws {
        let size: Int
        do { size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0 } catch {
            throw Problem(message: "cannot read the mesh file (does it exist?)")
        }
        try ResourceBudget.current.checkMemory(Checked.product([size, bytesPerFileByte]), for: url.path, what: "importing a \(size / 1_000_000) MB mesh")
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch { throw Problem(message: "cannot read the mesh file") }
        switch url.pathExtension.lowercased() {
        case "ply": try PLYCheck(data: data).run()
        case "stl": try checkSTL(data)
        case "glb": try GLTFCheck.glb(data, folder: url.deletingLastPathComponent())
        case "gltf": try GLTFCheck.gltf(data, binary: nil, folder: url.deletingLastPathComponent())
        default: break
        }
    }

    static func checkSTL(_ data: Data) throws {
        // ASCII STL starts with "solid"; binary STL has an 80-byte header, a count and 50 bytes per triangle
        let isText = data.prefix(5) == Data("solid".utf8) && data.prefix(1024).contains(UInt8(ascii: "\n"))
            && String(decoding: data.prefix(1024), as: UTF8.self).contains("facet")
        if isText { return }
        guard data.count >= 84 else { throw Problem(message: "a binary STL needs at least 84 bytes; the file is truncated") }
        let count = Int(data.subdata(in: 80..<84).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian)
        guard let expected = Checked.sum([84, count * 50]), expected <= data.count else {
            throw Problem(message: "the binary STL header claims \(count) triangles but the file holds \((data.count - 84) / 50); it is truncated or damaged")
        }
    }
}

/// The PLY structure check (see `MeshPrecheck`).
struct PLYCheck {
    enum Format { case ascii, binaryLittle, binaryBig }
    enum Scalar: Int { case int8 = 1, int16 = 2, int32 = 4, int64 = 8, float32 = 40, float64 = 80 }
    struct Property { var name: String; var type: Scalar; var listCount: Scalar? }
    struct Element { var name: String; var count: Int; var properties: [Property] }

    let data: Data

    static func scalar(_ name: String) -> (Scalar, Bool)? {
        switch name {
        case "char", "int8": return (.int8, true)
        case "uchar", "uint8": return (.int8, false)
        case "short", "int16": return (.int16, true)
        case "ushort", "uint16": return (.int16, false)
        case "int", "int32": return (.int32, true)
        case "uint", "uint32": return (.int32, false)
        case "float", "float32": return (.float32, true)
        case "double", "float64": return (.float64, true)
        default: return nil
        }
    }

    static func bytes(_ s: Scalar) -> Int { s.rawValue >= 40 ? s.rawValue / 10 : s.rawValue }

    func run() throws {
        typealias P = MeshPrecheck.Problem
        // the header: lines up to "end_header"
        guard let end = data.range(of: Data("end_header".utf8), in: data.startIndex..<min(data.endIndex, data.startIndex + 65536)) else {
            throw P(message: "not a PLY file: no end_header within the first 64 kB")
        }
        var bodyStart = end.upperBound
        if bodyStart < data.endIndex, data[bodyStart] == 0x0D { bodyStart += 1 }
        guard bodyStart < data.endIndex, data[bodyStart] == 0x0A else { throw P(message: "PLY header: end_header must end its line") }
        bodyStart += 1
        let header = String(decoding: data[data.startIndex..<end.lowerBound], as: UTF8.self)
        var format: Format?
        var elements: [Element] = []
        for (n, raw) in header.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let keyword = words.first else { continue }
            let line = "PLY header line \(n + 1)"
            switch keyword {
            case "ply", "comment", "obj_info": continue
            case "format":
                guard words.count >= 2 else { throw P(message: "\(line): format without a value") }
                switch words[1] {
                case "ascii": format = .ascii
                case "binary_little_endian": format = .binaryLittle
                case "binary_big_endian": format = .binaryBig
                default: throw P(message: "\(line): unknown format \(words[1])")
                }
            case "element":
                guard words.count == 3, let count = Int(words[2]), count >= 0 else { throw P(message: "\(line): expected 'element NAME COUNT'") }
                elements.append(Element(name: words[1], count: count, properties: []))
            case "property":
                guard !elements.isEmpty else { throw P(message: "\(line): property before any element") }
                if words.count == 5, words[1] == "list", let (c, _) = Self.scalar(words[2]), c.rawValue < 40, let (t, _) = Self.scalar(words[3]) {
                    elements[elements.count - 1].properties.append(Property(name: words[4], type: t, listCount: c))
                } else if words.count == 3, let (t, _) = Self.scalar(words[1]) {
                    elements[elements.count - 1].properties.append(Property(name: words[2], type: t, listCount: nil))
                } else {
                    throw P(message: "\(line): expected 'property TYPE NAME' or 'property list COUNTTYPE TYPE NAME'")
                }
            default: throw P(message: "\(line): unknown keyword \(keyword)")
            }
        }
        guard let format else { throw P(message: "PLY header: no format line") }
        let vertices = elements.first { $0.name == "vertex" }?.count ?? 0
        // no element can have more entries than there are bytes left for them
        let available = data.endIndex - bodyStart
        for e in elements {
            let minimum = format == .ascii ? 2 * max(1, e.properties.count) : max(1, e.properties.reduce(0) { $0 + Self.bytes($1.listCount ?? $1.type) })
            guard e.count <= available / minimum else {
                throw P(message: "the PLY header claims \(e.count) \(e.name) entries, more than the \(available)-byte body can hold; the file is truncated or damaged")
            }
        }
        if format == .ascii { try walkASCII(elements, from: bodyStart, vertices: vertices) } else { try walkBinary(elements, from: bodyStart, little: format == .binaryLittle, vertices: vertices) }
    }

    func walkBinary(_ elements: [Element], from start: Int, little: Bool, vertices: Int) throws {
        typealias P = MeshPrecheck.Problem
        var offset = start
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let base = raw.baseAddress!, total = raw.count
            let relative = start - data.startIndex
            offset = relative
            func integer(_ type: Scalar, signed: Bool) throws -> Int64 {
                let n = Self.bytes(type)
                guard offset + n <= total else { throw P(message: "the PLY body ends early; the file is truncated") }
                var v: UInt64 = 0
                for k in 0..<n { let b = UInt64(base.load(fromByteOffset: offset + (little ? k : n - 1 - k), as: UInt8.self)); v |= b << (8 * UInt64(k)) }
                offset += n
                if signed && n < 8 && v & (1 << (8 * UInt64(n) - 1)) != 0 { return Int64(bitPattern: v | ~((1 << (8 * UInt64(n))) - 1)) }
                return Int64(bitPattern: v)
            }
            for e in elements {
                let fixed = e.properties.allSatisfy { $0.listCount == nil }
                if fixed {
                    let stride = e.properties.reduce(0) { $0 + Self.bytes($1.type) }
                    guard let bytes = Checked.product([e.count, stride]), offset + bytes <= total else {
                        throw P(message: "the PLY body ends inside the \(e.name) entries; the file is truncated")
                    }
                    offset += bytes
                    continue
                }
                for i in 0..<e.count {
                    for p in e.properties {
                        guard let countType = p.listCount else { _ = try integer(p.type, signed: false); continue }
                        let n = try integer(countType, signed: false)
                        let itemBytes = Self.bytes(p.type)
                        guard n >= 0, n <= 1 << 20, offset + Int(n) * itemBytes <= total else {
                            throw P(message: "\(e.name) \(i): a list of \(n) entries runs past the end of the file; the file is damaged")
                        }
                        if e.name == "face" && n < 3 {
                            // assimp's triangulation asserts on faces of fewer than three vertices
                            throw P(message: "face \(i) has \(n) vertices; a face needs at least 3; the file is damaged")
                        }
                        if e.name == "face" && p.type.rawValue < 40 {
                            for _ in 0..<n {
                                let index = try integer(p.type, signed: true)
                                guard index >= 0, index < vertices else {
                                    throw P(message: "face \(i) refers to vertex \(index), but the file has \(vertices) vertices; the file is damaged")
                                }
                            }
                        } else {
                            offset += Int(n) * itemBytes
                        }
                    }
                }
            }
        }
    }

    func walkASCII(_ elements: [Element], from start: Int, vertices: Int) throws {
        typealias P = MeshPrecheck.Problem
        var offset = start
        let end = data.endIndex
        // assimp reads ASCII PLY by lines and stops at a NUL: a control byte or a carriage return inside a line
        // makes it read other numbers than these checks (and trip its own assertions)
        for k in start..<end {
            let b = data[k]
            if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F || (b == 0x0D && (k + 1 == end || data[k + 1] != 0x0A)) {
                throw P(message: "the PLY text holds a control byte (0x\(String(format: "%02X", b))) at byte \(k - data.startIndex); the file is damaged")
            }
        }
        // assimp reads one element per line: an element spread over lines (or two on one) is read as other numbers
        var crossedLine = true
        func token() throws -> Substring {
            crossedLine = false
            while offset < end, [0x20, 0x09, 0x0A, 0x0D].contains(data[offset]) {
                if data[offset] == 0x0A { crossedLine = true }
                offset += 1
            }
            let s = offset
            while offset < end, ![0x20, 0x09, 0x0A, 0x0D].contains(data[offset]) { offset += 1 }
            guard offset > s else { throw P(message: "the PLY body ends early; the file is truncated") }
            return Substring(String(decoding: data[s..<offset], as: UTF8.self))
        }
        var first = true
        func startElement(_ name: String, _ i: Int) throws {
            // the first token of an element must begin a line (the body's first line follows end_header)
            if !first && !crossedLine { throw P(message: "\(name) \(i) does not start a new line; the file is damaged") }
            first = false
        }
        func within(_ name: String, _ i: Int) throws {
            if crossedLine { throw P(message: "\(name) \(i) is spread over several lines; the file is damaged") }
        }
        for e in elements {
            for i in 0..<e.count {
                var startedElement = false
                for (k, p) in e.properties.enumerated() {
                    func next() throws -> Substring {
                        let t = try token()
                        if k == 0 && !startedElement { try startElement(e.name, i); startedElement = true } else { try within(e.name, i) }
                        return t
                    }
                    guard p.listCount != nil else {
                        let t = try next()
                        guard Double(t) != nil, t.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || [0x2B, 0x2D, 0x2E, 0x65, 0x45].contains($0) }) else {
                            throw P(message: "\(e.name) \(i): \(p.name) is not a number")
                        }
                        continue
                    }
                    guard let n = Int(try next()), n >= 0, n <= 1 << 20 else { throw P(message: "\(e.name) \(i): a list length is not a small non-negative integer") }
                    if e.name == "face" && n < 3 { throw P(message: "face \(i) has \(n) vertices; a face needs at least 3; the file is damaged") }
                    for _ in 0..<n {
                        let t = try next()
                        if e.name == "face" {
                            guard let index = Int(t), index >= 0, index < vertices else {
                                throw P(message: "face \(i) refers to vertex \(t), but the file has \(vertices) vertices; the file is damaged")
                            }
                        } else if Double(t) == nil {
                            throw P(message: "\(e.name) \(i): \(p.name) holds \(t), not a number")
                        }
                    }
                }
            }
        }
    }
}

/// The glTF structure check (see `MeshPrecheck`): chunk lengths of a GLB, and every buffer, buffer view and
/// accessor range of the JSON against the bytes that exist.
enum GLTFCheck {
    typealias P = MeshPrecheck.Problem

    static func glb(_ data: Data, folder: URL) throws {
        func u32(_ at: Int) -> Int { Int(data.subdata(in: (data.startIndex + at)..<(data.startIndex + at + 4)).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian) }
        guard data.count >= 20, u32(0) == 0x4654_6C67 else { throw P(message: "not a GLB file (no glTF magic)") }
        guard u32(4) == 2 else { throw P(message: "GLB version \(u32(4)); only glTF 2.0 is read") }
        guard u32(8) <= data.count else { throw P(message: "the GLB header claims \(u32(8)) bytes but the file has \(data.count); it is truncated") }
        var offset = 12
        var json: Data?, binary: Int?
        while offset + 8 <= data.count {
            let length = u32(offset), type = u32(offset + 4)
            guard length <= data.count - offset - 8 else {
                throw P(message: "a GLB chunk claims \(length) bytes but only \(data.count - offset - 8) follow; the file is truncated or damaged")
            }
            if type == 0x4E4F_534A && json == nil { json = data.subdata(in: (data.startIndex + offset + 8)..<(data.startIndex + offset + 8 + length)) }
            if type == 0x004E_4942 && binary == nil { binary = length }
            offset += 8 + length
        }
        guard let json else { throw P(message: "the GLB file has no JSON chunk") }
        try gltf(json, binary: binary, folder: folder)
    }

    static func gltf(_ data: Data, binary: Int?, folder: URL) throws {
        let tree: JSONTree
        do { tree = try StrictJSON.parse(data, file: "glTF") } catch let e as JSONSyntaxError {
            throw P(message: "the glTF JSON is malformed at line \(e.line), column \(e.column): \(e.message)")
        }
        func number(_ t: JSONTree?, _ what: String, default value: Int? = nil) throws -> Int {
            guard let t else {
                if let value { return value }
                throw P(message: "glTF \(what) is missing")
            }
            guard case .number(let d) = t, let v = Checked.integer(d, in: 0...Int(Int32.max)), Double(v) == d else {
                throw P(message: "glTF \(what) is not a non-negative integer")
            }
            return v
        }
        func list(_ key: String) -> [JSONTree] { if case .array(let a)? = tree[key] { return a }; return [] }
        // buffers: the bytes that exist
        var bufferSizes: [Int] = []
        for (i, buffer) in list("buffers").enumerated() {
            let declared = try number(buffer["byteLength"], "buffers[\(i)].byteLength")
            var available = declared
            if case .string(let uri)? = buffer["uri"] {
                if uri.hasPrefix("data:") {
                    available = (uri.count - (uri.firstIndex(of: ",").map { uri.distance(from: uri.startIndex, to: $0) } ?? 0)) / 4 * 3
                } else {
                    let path = (uri.removingPercentEncoding ?? uri)
                    let url = try PathPolicy.resolve(path, in: folder, field: "buffers[\(i)].uri")
                    available = ((try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil) ?? -1
                    guard available >= 0 else { throw P(message: "glTF buffers[\(i)].uri \(uri) does not exist next to the file") }
                }
            } else {
                available = binary ?? 0
            }
            guard declared <= available else { throw P(message: "glTF buffers[\(i)] claims \(declared) bytes but \(available) exist; the file is truncated or damaged") }
            bufferSizes.append(declared)
        }
        var viewSizes: [Int] = [], viewStrides: [Int] = []
        for (i, view) in list("bufferViews").enumerated() {
            let buffer = try number(view["buffer"], "bufferViews[\(i)].buffer")
            let offset = try number(view["byteOffset"], "bufferViews[\(i)].byteOffset", default: 0)
            let length = try number(view["byteLength"], "bufferViews[\(i)].byteLength")
            guard buffer < bufferSizes.count, offset + length <= bufferSizes[buffer] else {
                throw P(message: "glTF bufferViews[\(i)] lies outside its buffer; the file is damaged")
            }
            viewSizes.append(length)
            viewStrides.append(try number(view["byteStride"], "bufferViews[\(i)].byteStride", default: 0))
        }
        let componentBytes = [5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4]
        let components = ["SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16]
        for (i, accessor) in list("accessors").enumerated() {
            let count = try number(accessor["count"], "accessors[\(i)].count")
            guard let size = componentBytes[try number(accessor["componentType"], "accessors[\(i)].componentType")],
                  case .string(let type)? = accessor["type"], let n = components[type] else {
                throw P(message: "glTF accessors[\(i)] has an unknown component type or type")
            }
            guard accessor["bufferView"] != nil else { continue }  // all zeros (or sparse): no bytes read
            let view = try number(accessor["bufferView"], "accessors[\(i)].bufferView")
            let offset = try number(accessor["byteOffset"], "accessors[\(i)].byteOffset", default: 0)
            // the last element starts (count - 1) strides in
            guard view < viewSizes.count, let element = Checked.product([size, n]),
                  let lastStart = Checked.product([max(0, count - 1), max(viewStrides[view], element)]),
                  let bytes = Checked.sum([offset, lastStart, count > 0 ? element : 0]), bytes <= viewSizes[view] else {
                throw P(message: "glTF accessors[\(i)] reads \(count) elements past the end of its buffer view; the file is damaged")
            }
        }
        for (i, image) in list("images").enumerated() {
            if case .string(let uri)? = image["uri"], !uri.hasPrefix("data:") {
                _ = try PathPolicy.resolve(uri.removingPercentEncoding ?? uri, in: folder, field: "images[\(i)].uri")
            }
        }
    }
}
