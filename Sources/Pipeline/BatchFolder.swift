import Dataset
import FileSafety
import Foundation
import Geometry
import SceneFormat

/// What went wrong with a batch as a whole (a scene's own failure is recorded in its folder instead).
public struct BatchError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case badShard(String)
        case badEnvironment(String, String)
        case missingTaskCount
        case scenesPerTaskWithoutArray
        /// The folder is not empty and holds no batch.json.
        case notBatchFolder(String)
        /// batch.json names another recipe (hash) than the one given.
        case otherRecipe(folder: String, recorded: String, given: String)
        case damagedBatchFile(String)
        case submit(String)
        /// `status`: scenes without a marker yet.
        case missingScenes(folder: String, missing: Int, count: Int)
    }
    public var reason: Reason
    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .badShard(let t): return "shard \"\(t)\": expected K/N with 0 ≤ K < N (e.g. 3/16)"
        case .badEnvironment(let name, let value): return "\(name)=\(value): expected a task index of an array job (a whole number, within the array)"
        case .missingTaskCount:
            return "JOB_COMPLETION_INDEX is set but ORBIT_TASK_COUNT is not: set it to the Indexed Job's completions, or give the scenes per task (docs/batch.md)"
        case .scenesPerTaskWithoutArray:
            return "scenes per task need an array task index (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); run without it to make every scene"
        case .notBatchFolder(let f): return "\(f): not empty and not a batch folder (no batch.json); choose another output folder"
        case let .otherRecipe(folder, recorded, given):
            return "\(folder): made from another recipe (hash \(recorded), this one is \(given)); use a new output folder for a changed recipe"
        case .damagedBatchFile(let f): return "\(f): damaged (not the batch.json orbit writes); remove the folder's batch.json only if you know which recipe made it"
        case .submit(let m): return m
        case let .missingScenes(folder, missing, count): return "\(folder): \(missing) of \(count) scenes missing; run orbit batch again to make them"
        }
    }
}

/// A batch folder (docs/batch.md): `batch.json`, `recipe.json` (a copy, for the record), `scenes/ID/` (each a
/// dataset folder plus `scene.json` and `done.json`, or `scene.json` and `failed.json`), `index.jsonl`.
public struct BatchFolder: Sendable {
    public let url: URL
    public init(_ url: URL) { self.url = url.standardizedFileURL }

    public var scenes: URL { url.appendingPathComponent("scenes") }
    public var index: URL { url.appendingPathComponent("index.jsonl") }
    public var batchFile: URL { url.appendingPathComponent("batch.json") }
    public func scene(_ id: String) -> URL { scenes.appendingPathComponent(id) }

    public static let doneMarker = "done.json"
    public static let failedMarker = "failed.json"
    public static let sceneFile = "scene.json"

    /// FNV-1a 64 of the recipe file and every file it names.
    public static func recipeHash(_ recipe: Recipe) -> String {
        var hash = FNV1a64()
        hash.combine(bytes: recipe.sourceBytes)
        for url in recipe.assetFiles { if let data = try? Data(contentsOf: url) { hash.combine(bytes: data) } }
        return "fnv1a64:" + hash.hex
    }

    /// What batch.json records.
    public struct Record: Sendable, Equatable {
        public var recipeName: String
        public var recipeHash: String
        public var count: Int
        public var seed: UInt64
    }

    /// Makes the folder a batch of `recipe` (batch.json and recipe.json), or checks that it already is one.
    /// Several tasks may prepare the same folder at once: they write the same bytes.
    @discardableResult
    public func prepare(_ recipe: Recipe) throws -> Record {
        let record = Record(recipeName: recipe.name, recipeHash: Self.recipeHash(recipe), count: recipe.count, seed: recipe.seed)
        let fm = FileManager.default
        if let existing = try readRecord() {
            guard existing.recipeHash == record.recipeHash, existing.count == record.count, existing.seed == record.seed else {
                throw BatchError(.otherRecipe(folder: url.path, recorded: existing.recipeHash, given: record.recipeHash))
            }
            return existing
        }
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw FileSafetyError(path: url.path, reason: .wrongKind("exists and is not a folder; choose another output")) }
            let contents = ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).filter { !$0.hasPrefix(".") && $0 != "scenes" && $0 != "slurm" }
            guard contents.isEmpty else { throw BatchError(.notBatchFolder(url.path)) }
        }
        do { try fm.createDirectory(at: scenes, withIntermediateDirectories: true) } catch {
            throw FileSafetyError(path: url.path, reason: .system(SystemMessage.describe(error)))
        }
        let json = JSONOutput.object([
            ("orbit_version", .string(orbitVersion)),
            ("recipe", .object([("name", .string(recipe.name)), ("file", .string(URL(fileURLWithPath: recipe.file).lastPathComponent)),
                                ("hash", .string(record.recipeHash)), ("count", .integer(recipe.count)), ("seed", .integer(Int(recipe.seed)))])),
            ("layout", .string("scenes/ID/: a dataset folder, scene.json and done.json (or scene.json and failed.json); index.jsonl: one line per scene, rebuilt from them")),
        ])
        try AtomicFile.write(recipe.sourceBytes, to: url.appendingPathComponent("recipe.json"))
        try AtomicFile.write(Data((json.rendered() + "\n").utf8), to: batchFile)
        return record
    }

    /// batch.json, or nil when the folder has none.
    public func readRecord() throws -> Record? {
        guard let data = try? Data(contentsOf: batchFile) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let r = object["recipe"] as? [String: Any],
              let name = r["name"] as? String, let hash = r["hash"] as? String, let count = (r["count"] as? NSNumber)?.intValue,
              let seed = (r["seed"] as? NSNumber)?.uint64Value, count >= 1, count <= RecipeLoader.maxCount else {
            throw BatchError(.damagedBatchFile(batchFile.path))
        }
        return Record(recipeName: name, recipeHash: hash, count: count, seed: seed)
    }

    // MARK: scene states

    /// Where a scene stands, from its folder's markers alone (no image is read).
    public enum SceneState: Sendable, Equatable {
        case done, failed, missing
    }

    /// A scene's state: done.json or failed.json as orbit writes them (one line of JSON whose status says so);
    /// anything else, a damaged marker included, is missing. Returns the marker's fields and its line.
    public func state(_ id: String) -> (SceneState, [String: Any]?, Data?) {
        let folder = scene(id)
        for (name, state) in [(Self.doneMarker, SceneState.done), (Self.failedMarker, .failed)] {
            if let (marker, line) = Self.readMarker(folder.appendingPathComponent(name)), marker["status"] as? String == name.replacingOccurrences(of: ".json", with: "") {
                return (state, marker, line)
            }
        }
        return (.missing, nil, nil)
    }

    static func readMarker(_ url: URL) -> ([String: Any], Data)? {
        guard let data = try? Data(contentsOf: url), data.count < 1 << 20, data.last == UInt8(ascii: "\n"),
              data.dropLast().firstIndex(of: UInt8(ascii: "\n")) == nil,
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        return (object, data)
    }

    /// The one-line marker written beside a scene's files (and copied into index.jsonl).
    static func marker(_ members: [(String, JSONOutput)]) -> Data {
        Data((JSONOutput.object(members).compact() + "\n").utf8)
    }

    // MARK: status and index

    /// Done, failed and missing scenes of the batch.
    public struct Status: Sendable {
        public var count: Int
        public var done: [Int] = []
        public var failed: [(index: Int, error: String)] = []
        public var missing: [Int] = []
        /// Scene folders present but without a readable marker (killed while writing, or damaged).
        public var damaged = 0
    }

    /// Reads every scene's marker (never an image) and rewrites index.jsonl from them, one line per scene
    /// that has one, in scene order. Several tasks may rebuild at once: a lock beside the index takes them in
    /// turn, and each lists the folders only once it holds the lock, so the last rebuild sees every scene.
    public func status(rebuildIndex: Bool = true) throws -> Status {
        guard let record = try readRecord() else { throw BatchError(.notBatchFolder(url.path)) }
        let sceneID = Recipe.idFormat(count: record.count)
        let lock = rebuildIndex ? try OutputLock(index, wait: true) : nil
        defer { lock?.release() }
        var status = Status(count: record.count)
        let names = Set(((try? FileManager.default.contentsOfDirectory(atPath: scenes.path)) ?? []).filter { !$0.hasPrefix(".") })
        var lines = Data()
        for i in 0..<record.count {
            let id = sceneID(i)
            guard names.contains(id) else { status.missing.append(i); continue }
            let (state, marker, line) = self.state(id)
            switch state {
            case .done: status.done.append(i)
            case .failed: status.failed.append((i, marker?["error"] as? String ?? "unknown error"))
            case .missing: status.missing.append(i); status.damaged += 1
            }
            if let line { lines.append(line) }
        }
        if rebuildIndex { try AtomicFile.write(lines, to: index) }
        return status
    }
}
