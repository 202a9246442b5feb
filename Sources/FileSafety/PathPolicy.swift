import Foundation

/// Where a path written inside a file may lead. Scene files, transforms.json, MTL files and glTF files name
/// other files (meshes, textures, images, buffers); a file shared by someone else must not make Orbit read
/// whatever it names (`/etc/shadow` as a texture, `../../secret.png` as a frame). So a path inside a file is
/// resolved against the file's folder — symbolic links included — and must stay inside that folder, unless
/// the user allows outside paths for the run (`--allow-outside-paths`).
public struct PathPolicy: Sendable {
    /// Allow paths that lead outside the referring file's folder. Default false.
    public var allowOutside = false

    public init(allowOutside: Bool = false) { self.allowOutside = allowOutside }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var value = PathPolicy()

    /// The policy of this process; the command line sets it once.
    public static var current: PathPolicy {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }

    /// `path` (relative to `folder`, or absolute) as a URL; throws `.outside` when it leads outside `folder`
    /// and the current policy does not allow that. `field` names where the path was written, for the message.
    public static func resolve(_ path: String, in folder: URL, field: String) throws -> URL {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
        if current.allowOutside { return url }
        let base = OutputPolicy.resolved(folder.path), target = OutputPolicy.resolved(url.path)
        guard OutputPolicy.contains(base, target) else {
            throw FileSafetyError(path: "\(field) \"\(path)\"", reason: .outside(base: folder.path.isEmpty ? "." : folder.path))
        }
        return url
    }
}
