import Foundation

/// Unique names for work in progress: `.NAME.partial-PID-RANDOM` beside the destination, so that two
/// processes (or two writers in one process) never share a staging area.
public enum StagingName {
    public static let marker = ".partial-"

    public static func make(for destination: URL) -> URL {
        var random = SystemRandomNumberGenerator()
        let tag = String(format: "%d-%08x", getpid(), UInt32.random(in: 0...UInt32.max, using: &random))
        return destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent)\(marker)\(tag)")
    }

    /// Removes staging left beside `destination` by killed runs. Call only while holding its `OutputLock`:
    /// then no live process can be using any of them.
    public static func removeStale(for destination: URL) {
        let folder = destination.deletingLastPathComponent(), prefix = ".\(destination.lastPathComponent)\(marker)"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}

/// Creates the missing folders above a destination and remembers them, so that a failed command can
/// remove exactly the empty folders it made.
struct CreatedParents {
    private(set) var made: [URL] = []

    init(for destination: URL) throws {
        var missing: [URL] = []
        var folder = destination.deletingLastPathComponent()
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        while !fm.fileExists(atPath: folder.path, isDirectory: &isDirectory) && folder.path != "/" {
            missing.insert(folder, at: 0)
            folder.deleteLastPathComponent()
        }
        if fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw FileSafetyError(path: destination.path, reason: .wrongKind("\(folder.path) is a file, not a folder; choose another output"))
        }
        for url in missing {
            guard mkdir(url.path, 0o755) == 0 || errno == EEXIST else {
                let code = errno
                CreatedParents.remove(made)
                throw FileSafetyError.errno(code, path: destination.path, doing: "create the folder \(url.path)")
            }
            made.append(url)
        }
    }

    /// Removes the folders this made, deepest first, where they are still empty.
    func removeEmpty() { Self.remove(made) }

    static func remove(_ folders: [URL]) {
        for url in folders.reversed() { rmdir(url.path) }
    }
}

/// An output folder filled under a unique staging name beside it and moved into place by `commit()`.
/// The destination is locked from `init` to `commit()`/`discard()`; a non-empty destination is refused
/// unless `overwrite` is set, and is replaced only once the new output is complete. A failure leaves
/// nothing behind: not the staging folder, not a lock file, not the empty parent folders `init` made.
public final class StagedFolder: @unchecked Sendable {
    public let destination: URL
    public let staging: URL
    private let overwrite: Bool
    private var lock: OutputLock?
    private var parents: CreatedParents
    private var finished = false

    public init(destination: URL, overwrite: Bool) throws {
        self.destination = destination.standardizedFileURL
        self.overwrite = overwrite
        parents = try CreatedParents(for: self.destination)
        do {
            lock = try OutputLock(self.destination)
            let fm = FileManager.default
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: self.destination.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw FileSafetyError(path: self.destination.path, reason: .wrongKind("exists and is not a folder; choose another output"))
                }
                let contents = (try? fm.contentsOfDirectory(atPath: self.destination.path)) ?? []
                if !contents.isEmpty && !overwrite { throw FileSafetyError(path: self.destination.path, reason: .notEmpty) }
            }
            StagingName.removeStale(for: self.destination)
            staging = StagingName.make(for: self.destination)
            guard mkdir(staging.path, 0o755) == 0 else {
                throw FileSafetyError.errno(errno, path: self.destination.path, doing: "create its staging folder")
            }
        } catch {
            lock?.release()
            parents.removeEmpty()
            throw error
        }
    }

    /// A path inside the staging folder.
    public func url(_ relativePath: String) -> URL { staging.appendingPathComponent(relativePath) }

    public func makeFolder(_ relativePath: String) throws {
        do { try FileManager.default.createDirectory(at: url(relativePath), withIntermediateDirectories: true) } catch {
            throw FileSafetyError(path: url(relativePath).path, reason: .system(SystemMessage.describe(error)))
        }
    }

    /// Moves the finished folder into place, replacing the destination, and releases the lock.
    public func commit() throws {
        precondition(!finished, "a staged folder is committed or discarded once")
        let fm = FileManager.default
        var old: URL? = nil
        if fm.fileExists(atPath: destination.path) {
            let aside = StagingName.make(for: destination)
            guard rename(destination.path, aside.path) == 0 else {
                throw FileSafetyError.errno(errno, path: destination.path, doing: "move the old output aside")
            }
            old = aside
        }
        guard rename(staging.path, destination.path) == 0 else {
            let code = errno
            if let old { _ = rename(old.path, destination.path) }
            throw FileSafetyError.errno(code, path: destination.path, doing: "move the new output into place")
        }
        if let old { try? fm.removeItem(at: old) }
        finished = true
        lock?.release()
    }

    /// Removes the staging folder, the lock and any parent folders `init` created (after a failure).
    public func discard() {
        guard !finished else { return }
        finished = true
        try? FileManager.default.removeItem(at: staging)
        lock?.release()
        parents.removeEmpty()
    }

    deinit { discard() }
}

/// Files written under a unique temporary name beside the destination and renamed into place when complete,
/// so an interrupted write never leaves a file that looks finished.
public enum AtomicFile {
    /// Writes `data` to `url`, replacing an existing file only if `overwrite` is true.
    public static func write(_ data: Data, to url: URL, overwrite: Bool = true) throws {
        try write(to: url, overwrite: overwrite) { tmp in try data.write(to: tmp) }
    }

    /// Lets `body` write the temporary file, then renames it to `url`.
    public static func write(to url: URL, overwrite: Bool = true, _ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw FileSafetyError(path: url.path, reason: .wrongKind("is a folder; name a file")) }
            if !overwrite { throw FileSafetyError(path: url.path, reason: .exists) }
        }
        let tmp = StagingName.make(for: url)
        do {
            try body(tmp)
            guard rename(tmp.path, url.path) == 0 else { throw FileSafetyError.errno(errno, path: url.path, doing: "move the finished file into place") }
        } catch {
            try? fm.removeItem(at: tmp)
            guard SystemMessage.isSystemError(error) else { throw error }
            throw FileSafetyError(path: url.path, reason: .system(SystemMessage.describe(error)
                .replacingOccurrences(of: "\(tmp.path): ", with: "")))
        }
    }
}

/// A set of files written together (a mesh and its `.bin` or `.mtl`, say): each destination is checked and
/// locked first, the files are written into one staging folder beside the first, and moved into place only
/// when all are complete.
public enum StagedFiles {
    /// Checks that `files` could be written: each one's folder exists and is writable, none is a folder, and
    /// none exists unless `overwrite`. Cheap, so callers can check before expensive work.
    public static func check(_ files: [URL], overwrite: Bool) throws {
        let fm = FileManager.default
        for file in files {
            let directory = file.deletingLastPathComponent()
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw FileSafetyError(path: file.path, reason: .missingParent(directory.path))
            }
            guard fm.isWritableFile(atPath: directory.path) else {
                throw FileSafetyError(path: file.path, reason: .system("the folder \(directory.path) is not writable; choose another destination"))
            }
            if fm.fileExists(atPath: file.path, isDirectory: &isDirectory) {
                if isDirectory.boolValue { throw FileSafetyError(path: file.path, reason: .wrongKind("is a folder; name a file")) }
                if !overwrite { throw FileSafetyError(path: file.path, reason: .exists) }
            }
        }
    }

    /// Runs `body` with an empty staging folder, then moves `files`' namesakes from it to their destinations.
    @discardableResult
    public static func write(_ files: [URL], overwrite: Bool, _ body: (URL) throws -> Void) throws -> [URL] {
        try check(files, overwrite: overwrite)
        let locks = try files.map { try OutputLock($0) }
        defer { locks.forEach { $0.release() } }
        try check(files, overwrite: overwrite)  // again, now that no other orbit can write them
        let fm = FileManager.default
        let staging = StagingName.make(for: files[0])
        guard mkdir(staging.path, 0o755) == 0 else { throw FileSafetyError.errno(errno, path: files[0].path, doing: "create a staging folder beside it") }
        defer { try? fm.removeItem(at: staging) }
        do { try body(staging) } catch where SystemMessage.isSystemError(error) {
            throw FileSafetyError(path: files[0].path, reason: .system(SystemMessage.describe(error)
                .replacingOccurrences(of: "\(staging.path)/", with: "")))
        }
        for file in files where !fm.fileExists(atPath: staging.appendingPathComponent(file.lastPathComponent).path) {
            throw FileSafetyError(path: file.path, reason: .system("the writer did not produce this file"))
        }
        for file in files {
            // rename(2) replaces atomically
            guard rename(staging.appendingPathComponent(file.lastPathComponent).path, file.path) == 0 else {
                throw FileSafetyError.errno(errno, path: file.path, doing: "move the finished file into place")
            }
        }
        return files
    }
}

/// An output folder written in place, for work that must survive being killed (a training run that
/// `--resume` continues): the folder is locked while written, must be new or empty unless `existing` is
/// allowed, and a failure removes the folders this made when nothing was written into them.
public final class LockedFolder: @unchecked Sendable {
    public let url: URL
    private var lock: OutputLock?
    private var parents: CreatedParents
    private var created = false

    /// Locks `url`; creates it when missing. With `existing` false, a non-empty folder is refused.
    public init(_ url: URL, existing: Bool) throws {
        self.url = url.standardizedFileURL
        parents = try CreatedParents(for: self.url)
        do {
            lock = try OutputLock(self.url)
            let fm = FileManager.default
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: self.url.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw FileSafetyError(path: self.url.path, reason: .wrongKind("exists and is not a folder; choose another output")) }
                if !existing, !((try? fm.contentsOfDirectory(atPath: self.url.path)) ?? []).isEmpty {
                    throw FileSafetyError(path: self.url.path, reason: .notEmpty)
                }
            } else {
                guard mkdir(self.url.path, 0o755) == 0 else { throw FileSafetyError.errno(errno, path: self.url.path, doing: "create the folder") }
                created = true
            }
        } catch {
            lock?.release()
            parents.removeEmpty()
            throw error
        }
    }

    /// Releases the lock (after success).
    public func finish() { lock?.release() }

    /// Releases the lock after a failure, removing the folder (and the parents made for it) if this made it
    /// and it is still empty.
    public func abandon() {
        if created { rmdir(url.path) }
        lock?.release()
        parents.removeEmpty()
    }
}
