import FileSafety
import Foundation
import Geometry

/// A parsed JSON document (read by `StrictJSON`, which refuses duplicate keys and reports syntax errors
/// with line and column); types stay distinct (a boolean is never a number) so that decoding can be strict.
indirect enum JSONValue: Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    /// Converts a parsed tree; a number beyond the range of a Double is an error naming its JSON path.
    init(_ tree: JSONTree, path: String, file: String) throws {
        switch tree {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let d):
            guard d.isFinite else {
                throw SceneError(file: file, path: path, message: "expected a finite number, got one beyond the range of a 64-bit float")
            }
            self = .number(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(try a.enumerated().map { try JSONValue($1, path: "\(path)[\($0)]", file: file) })
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (k, v) in members { out[k] = try JSONValue(v, path: path.isEmpty ? k : "\(path).\(k)", file: file) }
            self = .object(out)
        }
    }

    /// A short rendering of the value for error messages.
    var brief: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .number(let d): return formatNumber(d)
        case .string(let s): return "\"\(s)\""
        case .array(let a): return a.count <= 4 ? "[" + a.map(\.brief).joined(separator: ", ") + "]" : "an array of \(a.count) values"
        case .object: return "an object"
        }
    }
}

func formatNumber(_ d: Double) -> String {
    if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
    if d.isFinite, abs(d) < 1e-3, abs(d) >= 1e-9 {
        // plain decimals read better than 1e-06 in messages
        var text = String(format: "%.9f", d)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
    return String(d)
}

/// A value at a JSON path inside a file, with typed, range-checked accessors that throw `SceneError`.
struct JSONNode {
    let value: JSONValue
    let path: String
    let file: String

    func error(_ message: String) -> SceneError { SceneError(file: file, path: path, message: message) }

    /// The document `data` of `file`, read strictly (syntax errors by line and column).
    static func root(_ data: Data, file: String) throws -> JSONNode {
        let tree: JSONTree
        do { tree = try StrictJSON.parse(data, file: file) } catch let e as JSONSyntaxError {
            throw SceneError(file: file, path: "", message: "malformed JSON at line \(e.line), column \(e.column): \(e.message)")
        }
        return JSONNode(value: try JSONValue(tree, path: "", file: file), path: "", file: file)
    }

    /// The bytes of `url` (the user's `file`), or an error saying the `what` file cannot be read.
    static func contents(of url: URL, file: String, what: String) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw SceneError(file: file, path: "", message: "cannot read the \(what) file (does it exist?)")
        }
    }

    func child(_ key: String, _ value: JSONValue) -> JSONNode {
        JSONNode(value: value, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    func element(_ index: Int, _ value: JSONValue) -> JSONNode {
        JSONNode(value: value, path: "\(path)[\(index)]", file: file)
    }

    func number(in range: ClosedRange<Double>, rangeText: String? = nil) throws -> Double {
        let text = rangeText ?? "\(formatNumber(range.lowerBound))...\(formatNumber(range.upperBound))"
        guard case .number(let d) = value, d.isFinite, range.contains(d) else {
            throw error("expected a number in \(text), got \(value.brief)")
        }
        return d
    }

    func integer(in range: ClosedRange<Int>) throws -> Int {
        guard case .number(let d) = value, d.isFinite, d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw error("expected an integer in \(range.lowerBound)...\(range.upperBound), got \(value.brief)")
        }
        return Int(d)
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw error("expected a string, got \(value.brief)") }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw error("expected true or false, got \(value.brief)") }
        return b
    }

    func array() throws -> [JSONNode] {
        guard case .array(let a) = value else { throw error("expected an array, got \(value.brief)") }
        return a.enumerated().map { element($0.offset, $0.element) }
    }

    /// Three numbers, each in `range`.
    func vector3(in range: ClosedRange<Double> = -1e6...1e6, what: String = "numbers") throws -> Vec3d {
        let text = "\(formatNumber(range.lowerBound))...\(formatNumber(range.upperBound))"
        guard case .array(let a) = value, a.count == 3 else {
            throw error("expected an array of 3 \(what) in \(text), got \(value.brief)")
        }
        var out = Vec3d()
        for (i, v) in a.enumerated() {
            guard case .number(let d) = v, d.isFinite, range.contains(d) else {
                throw error("expected an array of 3 \(what) in \(text), got \(value.brief)")
            }
            out[i] = d
        }
        return out
    }

    /// An object whose keys must all be in `allowed`; an unknown key is an error with a suggestion.
    func object(allowed: [String]) throws -> JSONObject {
        guard case .object(let dict) = value else { throw error("expected an object, got \(value.brief)") }
        for key in dict.keys.sorted() where !allowed.contains(key) {
            var message = "unknown key \"\(key)\""
            if let suggestion = closestMatch(to: key, among: allowed) { message += "; did you mean \"\(suggestion)\"?" }
            else { message += " (expected one of: \(allowed.sorted().joined(separator: ", ")))" }
            throw child(key, .null).error(message)
        }
        return JSONObject(node: self, dict: dict)
    }

    /// The value as one of `choices`, with a suggestion when it is misspelled.
    func choice(_ choices: [String], what: String) throws -> String {
        let s = try string()
        guard choices.contains(s) else {
            var message = "unknown \(what) \"\(s)\""
            if let suggestion = closestMatch(to: s, among: choices) { message += "; did you mean \"\(suggestion)\"?" }
            message += " (expected one of: \(choices.joined(separator: ", ")))"
            throw error(message)
        }
        return s
    }
}

/// The keys of one JSON object.
struct JSONObject {
    let node: JSONNode
    let dict: [String: JSONValue]

    func has(_ key: String) -> Bool { dict[key] != nil }

    func optional(_ key: String) -> JSONNode? { dict[key].map { node.child(key, $0) } }

    func required(_ key: String, hint: String = "") throws -> JSONNode {
        guard let v = dict[key] else {
            throw node.error("missing required key \"\(key)\"" + (hint.isEmpty ? "" : " (\(hint))"))
        }
        return node.child(key, v)
    }

    func number(_ key: String, in range: ClosedRange<Double>, default value: Double) throws -> Double {
        try optional(key)?.number(in: range) ?? value
    }

    func integer(_ key: String, in range: ClosedRange<Int>, default value: Int) throws -> Int {
        try optional(key)?.integer(in: range) ?? value
    }

    func vector3(_ key: String, in range: ClosedRange<Double> = -1e6...1e6, default value: Vec3d) throws -> Vec3d {
        try optional(key)?.vector3(in: range) ?? value
    }

    /// A linear RGB colour: three numbers in `range`.
    func color(_ key: String, in range: ClosedRange<Double> = 0...1, default value: Vec3d) throws -> Vec3d {
        try optional(key)?.vector3(in: range, what: "colour components") ?? value
    }
}

/// The candidate within edit distance 2 (or sharing a long prefix) of `word`, if any.
func closestMatch(to word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    let limit = max(1, min(3, word.count / 3))
    return best.1 <= limit ? best.0 : nil
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
