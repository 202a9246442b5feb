import Foundation

/// A JSON value as written in a file, members in file order.
public indirect enum JSONTree: Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONTree]), object([(String, JSONTree)])

    public static func == (a: JSONTree, b: JSONTree) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member named `key` of an object.
    public subscript(key: String) -> JSONTree? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The value as Foundation objects (`[String: Any]`, `[Any]`, `NSNumber`, `String`, `NSNull`), the shape
    /// `JSONSerialization` returns.
    public var foundation: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return NSNumber(value: b)
        case .number(let d): return NSNumber(value: d)
        case .string(let s): return s
        case .array(let a): return a.map(\.foundation)
        case .object(let members):
            var out: [String: Any] = [:]
            for (k, v) in members { out[k] = v.foundation }
            return out
        }
    }
}

/// A JSON syntax error with its line and column (1-based; columns count characters).
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(file): line \(line), column \(column): \(message)" }
}

/// The one JSON reader for files Orbit is given (scenes, transforms.json, checkpoint headers): strict RFC 8259
/// with what Foundation's parser does not say — line and column of every syntax error, duplicate keys refused
/// (tools disagree on which one wins), text that is not UTF-8 refused, nesting bounded so that a hostile file
/// cannot exhaust the stack. Numbers that overflow a Double become ±infinity, for the caller to refuse with
/// the value's path.
public struct StrictJSON {
    /// Deepest nesting of arrays and objects accepted.
    public static let maxDepth = 200

    public static func parse(_ data: Data, file: String) throws -> JSONTree {
        var parser = StrictJSON(bytes: [UInt8](data), file: file)
        if let bad = parser.firstInvalidUTF8() {
            let (line, column) = parser.position(of: bad)
            throw JSONSyntaxError(file: file, line: line, column: column, message: "the file is not UTF-8 text (byte 0x\(String(format: "%02X", parser.bytes[bad]))); save it as UTF-8")
        }
        // a UTF-8 byte-order mark is tolerated, as most editors write one
        if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        if parser.index < parser.bytes.count { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// Reads and parses a file; a missing or unreadable file is a `FileSafetyError`.
    public static func read(_ url: URL) throws -> JSONTree {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FileSafetyError(path: url.path, reason: .system("cannot read: " + SystemMessage.describe(error).replacingOccurrences(of: "\(url.path): ", with: "")))
        }
        return try parse(data, file: url.path)
    }

    let bytes: [UInt8]
    let file: String
    var index = 0

    init(bytes: [UInt8], file: String) { self.bytes = bytes; self.file = file }

    func firstInvalidUTF8() -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            if b < 0x80 { i += 1; continue } else if b & 0xE0 == 0xC0 && b >= 0xC2 { length = 2 } else if b & 0xF0 == 0xE0 { length = 3 } else if b & 0xF8 == 0xF0 && b <= 0xF4 { length = 4 } else { return i }
            guard i + length <= bytes.count else { return i }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
            // overlong three-byte forms, surrogates and code points above U+10FFFF
            if length == 3 && ((b == 0xE0 && bytes[i + 1] < 0xA0) || (b == 0xED && bytes[i + 1] >= 0xA0)) { return i }
            if length == 4 && ((b == 0xF0 && bytes[i + 1] < 0x90) || (b == 0xF4 && bytes[i + 1] >= 0x90)) { return i }
            i += length
        }
        return nil
    }

    func position(of offset: Int) -> (Int, Int) {
        var line = 1, column = 1
        for b in bytes[0..<min(offset, bytes.count)] {
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let (line, column) = position(of: offset ?? index)
        return JSONSyntaxError(file: file, line: line, column: column, message: message)
    }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    func describeNext() -> String {
        guard index < bytes.count else { return "the end of the file" }
        let b = bytes[index]
        return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(format: "%02X", b))"
    }

    mutating func value(depth: Int) throws -> JSONTree {
        guard index < bytes.count else { throw error("unexpected end of the file; expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("expected a value, found \(describeNext())")
        }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<(index + w.count)]) == w else { throw error("expected a value, found \(describeNext())") }
        index += w.count
    }

    mutating func object(depth: Int) throws -> JSONTree {
        if depth > Self.maxDepth { throw error("nested deeper than \(Self.maxDepth) levels") }
        index += 1
        var members: [(String, JSONTree)] = []
        var seen: [String: Int] = [:]
        skipSpace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") { index += 1; return .object([]) }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name in double quotes, found \(describeNext())") }
            let keyOffset = index
            let key = try string()
            if let first = seen[key] {
                let (line, _) = position(of: first)
                throw error("duplicate key \"\(key)\" (first at line \(line)); keep only one", at: keyOffset)
            }
            seen[key] = keyOffset
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after \"\(key)\", found \(describeNext())") }
            index += 1
            skipSpace()
            members.append((key, try value(depth: depth)))
            skipSpace()
            guard index < bytes.count else { throw error("unexpected end of the file; expected ',' or '}'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("expected ',' or '}', found \(describeNext())")
        }
    }

    mutating func array(depth: Int) throws -> JSONTree {
        if depth > Self.maxDepth { throw error("nested deeper than \(Self.maxDepth) levels") }
        index += 1
        var elements: [JSONTree] = []
        skipSpace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") { index += 1; return .array([]) }
        while true {
            skipSpace()
            elements.append(try value(depth: depth))
            skipSpace()
            guard index < bytes.count else { throw error("unexpected end of the file; expected ',' or ']'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw error("expected ',' or ']', found \(describeNext())")
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unexpected end of the file in a \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("expected four hexadecimal digits after \\u")
            }
            v = v * 16 + d
            index += 1
        }
        return v
    }

    mutating func string() throws -> String {
        let start = index
        index += 1
        var out = [UInt8]()
        while true {
            guard index < bytes.count else { throw error("unterminated string (opened here)", at: start) }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") { index += 1; break }
            if b < 0x20 { throw error("control character in a string; escape it (\\n, \\t, \\u00XX)") }
            if b != UInt8(ascii: "\\") { out.append(b); index += 1; continue }
            index += 1
            guard index < bytes.count else { throw error("unterminated string (opened here)", at: start) }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("a \\u escape of a high surrogate must be followed by its low surrogate")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair in a \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("a lone low surrogate in a \\u escape")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default: throw error("unknown escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func number() throws -> Double {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let s = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - s
        }
        let integerStart = index
        guard digits() > 0 else { throw error("expected digits in a number", at: start) }
        if bytes[integerStart] == UInt8(ascii: "0") && index - integerStart > 1 { throw error("a number may not start with 0 (leading zeros)", at: start) }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("expected digits after the decimal point", at: start) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("expected digits in the exponent", at: start) }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        return strtod(text, nil)
    }
}
