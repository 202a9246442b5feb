import FileSafety
import Foundation
import Geometry

/// Seeded mutations of a file: structure-aware for JSON (values replaced by hostile ones, members dropped,
/// duplicated or swapped), byte-level for everything (bit flips, interesting bytes, truncation, chunk copies
/// and deletions, inserted bytes), and both for files that embed JSON (GLB, checkpoints).
enum Mutator {
    /// Values that have broken readers: zero, negative, tiny, huge, beyond Int32/Int64/Double, wrong types.
    static let hostileValues: [JSONTree] = [
        .number(0), .number(-1), .number(-0.0), .number(1e-300), .number(-1e-300), .number(1e308), .number(-1e308), .number(.infinity),
        .number(65536), .number(2_147_483_648), .number(4_294_967_296), .number(9.3e18), .number(1e20), .number(0.5), .number(-1e6),
        .string(""), .string("../../../../etc/hostname"), .string("/etc/hostname"), .string(String(repeating: "x", count: 5000)),
        .bool(true), .null, .array([]), .object([]), .array(Array(repeating: .number(1), count: 7)),
    ]
    static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE, 0x20, 0x0A, 0x22, 0x7B, 0x5B]

    static func mutate(_ data: Data, rng: inout RandomStream) -> Data {
        let rounds = 1 + Int(rng.nextUInt64() % 3)
        var out = data
        for _ in 0..<rounds {
            if rng.nextUInt64() % 2 == 0, let json = jsonMutation(out, rng: &rng) { out = json } else { out = byteMutation(out, rng: &rng) }
        }
        return out
    }

    // MARK: JSON

    /// A structural mutation of JSON text, of the JSON chunk of a GLB, or of a checkpoint's header; nil when
    /// the data holds no JSON.
    static func jsonMutation(_ data: Data, rng: inout RandomStream) -> Data? {
        let bytes = [UInt8](data)
        if bytes.starts(with: Array("ORBITRF".utf8)), bytes.count > 16 {
            let length = Int(UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24)
            guard 16 + length <= bytes.count, let header = mutatedJSON(Data(bytes[16..<(16 + length)]), rng: &rng) else { return nil }
            var out = Data(bytes[0..<12])
            withUnsafeBytes(of: UInt32(header.count).littleEndian) { out.append(contentsOf: $0) }
            return out + header + Data(bytes[(16 + length)...])
        }
        if bytes.starts(with: Array("glTF".utf8)), bytes.count > 20 {
            let length = Int(UInt32(bytes[12]) | UInt32(bytes[13]) << 8 | UInt32(bytes[14]) << 16 | UInt32(bytes[15]) << 24)
            guard 20 + length <= bytes.count, let chunk = mutatedJSON(Data(bytes[20..<(20 + length)]), rng: &rng) else { return nil }
            var padded = chunk
            while padded.count % 4 != 0 { padded.append(0x20) }
            var out = Data(bytes[0..<12])
            withUnsafeBytes(of: UInt32(padded.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes[16..<20])
            out += padded + Data(bytes[(20 + length)...])
            let total = UInt32(out.count).littleEndian
            withUnsafeBytes(of: total) { for k in 0..<4 { out[8 + k] = $0[k] } }
            return out
        }
        return mutatedJSON(data, rng: &rng)
    }

    static func mutatedJSON(_ data: Data, rng: inout RandomStream) -> Data? {
        guard let tree = try? StrictJSON.parse(data, file: "") else { return nil }
        var count = 0
        countNodes(tree, &count)
        let pick = Int(rng.nextUInt64() % UInt64(max(count, 1)))
        var index = 0
        let mutated = replace(tree, pick: pick, index: &index, rng: &rng)
        return Data(render(mutated, rng: &rng).utf8)
    }

    static func countNodes(_ t: JSONTree, _ n: inout Int) {
        n += 1
        switch t {
        case .array(let a): a.forEach { countNodes($0, &n) }
        case .object(let m): m.forEach { countNodes($0.1, &n) }
        default: break
        }
    }

    static func replace(_ t: JSONTree, pick: Int, index: inout Int, rng: inout RandomStream) -> JSONTree {
        defer { index += 1 }
        if index == pick {
            switch rng.nextUInt64() % 4 {
            case 0, 1: return hostileValues[Int(rng.nextUInt64() % UInt64(hostileValues.count))]
            case 2:
                // a container with a member dropped, duplicated or two values swapped
                if case .object(var m) = t, !m.isEmpty {
                    let i = Int(rng.nextUInt64() % UInt64(m.count)), j = Int(rng.nextUInt64() % UInt64(m.count))
                    switch rng.nextUInt64() % 3 {
                    case 0: m.remove(at: i)
                    case 1: m.append(m[i])   // a duplicate key
                    default: let v = m[i].1; m[i].1 = m[j].1; m[j].1 = v
                    }
                    return .object(m)
                }
                if case .array(var a) = t, !a.isEmpty {
                    if rng.nextUInt64() % 2 == 0 { a.removeLast() } else { a += a }
                    return .array(a)
                }
                return .number(Double(Int64(bitPattern: rng.nextUInt64())))
            default:
                if case .number(let d) = t { return .number([d * 1e6, -d, d + 1, d * 1e-9, d.rounded() + 0.5][Int(rng.nextUInt64() % 5)]) }
                return .string("\u{00FF}\u{FFFD}")
            }
        }
        switch t {
        case .array(let a): return .array(a.map { replace($0, pick: pick, index: &index, rng: &rng) })
        case .object(let m): return .object(m.map { ($0.0, replace($0.1, pick: pick, index: &index, rng: &rng)) })
        default: return t
        }
    }

    /// JSON text of a tree; infinities are written as an overflowing literal, as a hostile file would.
    static func render(_ t: JSONTree, rng: inout RandomStream) -> String {
        switch t {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d):
            if d.isInfinite { return d > 0 ? "1e999" : "-1e999" }
            if d == d.rounded() && abs(d) < 1e18 { return String(Int64(d)) }
            return "\(d)"
        case .string(let s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out += u.value < 0x20 ? String(format: "\\u%04x", u.value) : String(u)
                }
            }
            return out + "\""
        case .array(let a): return "[" + a.map { render($0, rng: &rng) }.joined(separator: ", ") + "]"
        case .object(let m): return "{" + m.map { render(.string($0.0), rng: &rng) + ": " + render($0.1, rng: &rng) }.joined(separator: ", ") + "}"
        }
    }

    // MARK: bytes

    static func byteMutation(_ data: Data, rng: inout RandomStream) -> Data {
        var bytes = [UInt8](data)
        guard !bytes.isEmpty else { return Data([0xFF]) }
        func position() -> Int { Int(rng.nextUInt64() % UInt64(bytes.count)) }
        switch rng.nextUInt64() % 7 {
        case 0:  // flip 1-8 bits
            for _ in 0..<(1 + Int(rng.nextUInt64() % 8)) { bytes[position()] ^= UInt8(1 << (rng.nextUInt64() % 8)) }
        case 1:  // interesting bytes, up to four in a row (counts and lengths)
            let at = position()
            for k in 0..<min(1 + Int(rng.nextUInt64() % 4), bytes.count - at) { bytes[at + k] = interestingBytes[Int(rng.nextUInt64() % UInt64(interestingBytes.count))] }
        case 2:  // truncate
            bytes.removeLast(bytes.count - position())
        case 3:  // copy a chunk somewhere else
            let a = position(), n = min(1 + Int(rng.nextUInt64() % 256), bytes.count - a)
            bytes.insert(contentsOf: bytes[a..<(a + n)], at: position())
        case 4:  // delete a chunk
            let a = position(), n = min(1 + Int(rng.nextUInt64() % 256), bytes.count - a)
            bytes.removeSubrange(a..<(a + n))
        case 5:  // insert random bytes
            let at = position()
            bytes.insert(contentsOf: (0..<(1 + Int(rng.nextUInt64() % 16))).map { _ in UInt8(truncatingIfNeeded: rng.nextUInt64()) }, at: at)
        default:  // a decimal number in text made hostile
            if let range = numberRange(bytes, from: position()) {
                let replacement = ["0", "-1", "1e308", "4294967296", "-2147483649", "1e-300", "99999999999999999999", "nan"][Int(rng.nextUInt64() % 8)]
                bytes.replaceSubrange(range, with: Array(replacement.utf8))
            } else {
                bytes[position()] ^= 0xFF
            }
        }
        return Data(bytes)
    }

    /// The range of the first run of ASCII digits at or after `start` (wrapping to the beginning).
    static func numberRange(_ bytes: [UInt8], from start: Int) -> Range<Int>? {
        let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
        for offset in 0..<bytes.count {
            let i = (start + offset) % bytes.count
            if isDigit(bytes[i]) {
                var j = i
                while j < bytes.count && (isDigit(bytes[j]) || bytes[j] == 0x2E) { j += 1 }
                return i..<j
            }
        }
        return nil
    }
}
