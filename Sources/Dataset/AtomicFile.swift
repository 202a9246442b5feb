import Foundation

public struct OutputError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}

/// Writes files under a temporary name next to the destination and renames them into place when complete,
/// so an interrupted write never leaves a file that looks finished.
public enum AtomicFile {
    public static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
    }

    /// Writes `data` to `url`, replacing an existing file only if `overwrite` is true.
    public static func write(_ data: Data, to url: URL, overwrite: Bool = true) throws {
        try write(to: url, overwrite: overwrite) { tmp in try data.write(to: tmp) }
    }

    /// Lets `body` write the temporary file, then renames it to `url`.
    public static func write(to url: URL, overwrite: Bool = true, _ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        if !overwrite && fm.fileExists(atPath: url.path) {
            throw OutputError(path: url.path, message: "already exists; pass --overwrite to replace it")
        }
        let tmp = temporaryURL(for: url)
        try? fm.removeItem(at: tmp)
        do {
            try body(tmp)
            if rename(tmp.path, url.path) != 0 {
                throw OutputError(path: url.path, message: "cannot move the finished file into place (\(String(cString: strerror(errno))))")
            }
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
    }
}

/// An output folder filled under a temporary sibling name (`DIR.partial`) and moved into place by `commit()`.
/// A non-empty destination is refused unless `overwrite` is set; it is replaced only once the new output is complete.
public final class StagedFolder {
    public let destination: URL
    public let staging: URL
    private let overwrite: Bool
    private var committed = false

    public init(destination: URL, overwrite: Bool) throws {
        self.destination = destination.standardizedFileURL
        self.overwrite = overwrite
        staging = self.destination.deletingLastPathComponent().appendingPathComponent(self.destination.lastPathComponent + ".partial")
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw OutputError(path: destination.path, message: "exists and is not a folder; choose another --out")
            }
            let contents = (try? fm.contentsOfDirectory(atPath: destination.path)) ?? []
            if !contents.isEmpty && !overwrite {
                throw OutputError(path: destination.path, message: "the output folder is not empty; pass --overwrite to replace it")
            }
        }
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: staging.path, message: "cannot create the output folder (\(error.localizedDescription))")
        }
    }

    /// A path inside the staging folder.
    public func url(_ relativePath: String) -> URL { staging.appendingPathComponent(relativePath) }

    public func makeFolder(_ relativePath: String) throws {
        try FileManager.default.createDirectory(at: url(relativePath), withIntermediateDirectories: true)
    }

    /// Moves the finished folder into place, replacing the destination.
    public func commit() throws {
        let fm = FileManager.default
        var old: URL? = nil
        if fm.fileExists(atPath: destination.path) {
            let aside = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
            try? fm.removeItem(at: aside)
            guard rename(destination.path, aside.path) == 0 else {
                throw OutputError(path: destination.path, message: "cannot replace the output folder (\(String(cString: strerror(errno))))")
            }
            old = aside
        }
        guard rename(staging.path, destination.path) == 0 else {
            if let old { _ = rename(old.path, destination.path) }
            throw OutputError(path: destination.path, message: "cannot move the output into place (\(String(cString: strerror(errno))))")
        }
        if let old { try? fm.removeItem(at: old) }
        committed = true
    }

    /// Removes the staging folder (after a failure).
    public func discard() {
        if !committed { try? FileManager.default.removeItem(at: staging) }
    }
}
