import Foundation

/// Why a file or folder could not be read or written safely. Library code throws these; the command line
/// turns them into its one-line messages (and is the only place that names its options).
public struct FileSafetyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The destination exists and replacing it was not allowed.
        case exists
        /// The destination folder holds files and replacing it was not allowed.
        case notEmpty
        /// The destination exists and is a file where a folder is wanted (or the reverse).
        case wrongKind(String)
        /// No path was given.
        case emptyPath
        /// The path is the root folder, the current folder or one of its parents.
        case protectedFolder(String)
        /// The destination is an input of the same command, or holds one.
        case holdsInput(String)
        /// Another process is writing the destination.
        case busy(pid: Int32?)
        /// The folder a destination goes into does not exist.
        case missingParent(String)
        /// The operating system refused (permissions, a full disk, a read-only volume, ...).
        case system(String)
        /// A path named inside a file leads outside the folder it is confined to.
        case outside(base: String)
    }

    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) { self.path = path; self.reason = reason }

    public var description: String {
        switch reason {
        case .exists: return "\(path): already exists; allow overwriting to replace it"
        case .notEmpty: return "\(path): the output folder is not empty; allow overwriting to replace it"
        case .wrongKind(let text): return "\(path): \(text)"
        case .emptyPath: return "an empty path was given; name a file or folder"
        case .protectedFolder(let what): return "\(path): refusing to write over \(what); choose a new folder"
        case .holdsInput(let input): return "\(path): would replace \(input), an input of this command; choose another output"
        case .busy(let pid):
            return "\(path): another orbit process\(pid.map { " (pid \($0))" } ?? "") is writing it; wait for it to finish or choose another output"
        case .missingParent(let folder): return "\(path): the folder \(folder) does not exist; create it first"
        case .system(let text): return "\(path): \(text)"
        case .outside(let base): return "\(path): leads outside \(base); keep referenced files inside that folder (or allow outside paths)"
        }
    }

    /// A system error (errno) on `path` as a short sentence.
    public static func errno(_ code: Int32, path: String, doing action: String) -> FileSafetyError {
        FileSafetyError(path: path, reason: .system("cannot \(action): \(SystemMessage.text(errno: code))"))
    }
}

/// Short, fixable descriptions of the operating system's and Foundation's file errors, so that no raw
/// `NSCocoaErrorDomain` text reaches a user.
public enum SystemMessage {
    public static func text(errno code: Int32) -> String {
        switch code {
        case ENOSPC: return "the disk is full; free some space"
        case EDQUOT: return "the disk quota is exhausted; free some space"
        case EROFS: return "the file system is read-only; choose a writable location"
        case EACCES, EPERM: return "permission denied; choose a location you can write to"
        case ENOENT: return "no such file or folder"
        case ENOTDIR: return "a part of the path is a file, not a folder"
        case EISDIR: return "is a folder, not a file"
        case ENAMETOOLONG: return "the name is too long"
        case EEXIST: return "already exists"
        case EXDEV: return "cannot move across file systems"
        case ELOOP: return "too many symbolic links"
        case EIO: return "input/output error (damaged disk?)"
        case ENOMEM: return "out of memory"
        default: return String(cString: strerror(code))
        }
    }

    /// True for Foundation's file errors and POSIX errors (the ones `describe` words); false for typed errors.
    public static func isSystemError(_ error: Error) -> Bool {
        let domain = (error as NSError).domain
        return domain == NSCocoaErrorDomain || domain == NSPOSIXErrorDomain
    }

    /// A Foundation or POSIX error as one line naming `fallbackPath` (or the path the error carries).
    public static func describe(_ error: Error, fallbackPath: String? = nil) -> String {
        let ns = error as NSError
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path ?? fallbackPath
        var text: String
        if ns.domain == NSPOSIXErrorDomain {
            text = Self.text(errno: Int32(ns.code))
        } else if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            text = Self.text(errno: Int32(underlying.code))
        } else if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: text = "no such file or folder"
            case .fileReadNoPermission, .fileWriteNoPermission: text = "permission denied; choose a location you can read or write"
            case .fileWriteOutOfSpace: text = "the disk is full; free some space"
            case .fileWriteVolumeReadOnly: text = "the file system is read-only; choose a writable location"
            case .fileWriteFileExists: text = "already exists"
            case .fileReadCorruptFile: text = "the file is damaged or not in the expected format"
            case .fileReadInapplicableStringEncoding: text = "the file is not UTF-8 text"
            case .fileReadTooLarge: text = "the file is too large to read"
            case .fileReadUnknown, .fileWriteUnknown, .fileLocking: text = "the file cannot be read or written"
            default: text = "the file cannot be read or written (error \(ns.code))"
            }
        } else {
            text = "\(ns.domain) error \(ns.code)"
        }
        if text.isEmpty { text = "failed" }
        return path.map { "\($0): \(text)" } ?? text
    }
}
