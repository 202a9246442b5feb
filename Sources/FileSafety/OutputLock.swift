import Foundation

/// An exclusive advisory lock on an output path, held by one process from the moment it decides to write
/// there until its output is in place. A second process asking for the same destination is refused at once
/// with the holder's pid, instead of both writing (and one deleting the other's work).
///
/// The lock is a hidden file beside the destination (`.NAME.lock`, holding the pid) locked with flock(2);
/// it is removed on release. Locks die with their process, so a killed run never leaves a stuck lock.
public final class OutputLock: @unchecked Sendable {
    public let destination: URL
    let lockFile: URL
    private var descriptor: Int32

    /// The lock file that guards `destination`.
    public static func lockFile(for destination: URL) -> URL {
        destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).lock")
    }

    /// Takes the lock on `destination` (whose parent folder must exist), or throws `.busy`; with `wait`, waits
    /// for the holder to release it instead (for short, shared work such as rewriting an index).
    public init(_ destination: URL, wait: Bool = false) throws {
        self.destination = destination
        lockFile = Self.lockFile(for: destination)
        while true {
            let fd = open(lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FileSafetyError.errno(errno, path: destination.path, doing: "create a lock file beside it") }
            if flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
                let holder = Self.readPid(fd)
                close(fd)
                throw FileSafetyError(path: destination.path, reason: .busy(pid: holder))
            }
            // the holder before us may have removed the file after we opened it: lock what is on disk now
            var opened = stat(), onDisk = stat()
            if fstat(fd, &opened) == 0, stat(lockFile.path, &onDisk) == 0, opened.st_ino == onDisk.st_ino, opened.st_dev == onDisk.st_dev {
                descriptor = fd
                break
            }
            close(fd)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Removes the lock file and releases the lock. Called by `deinit` too.
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(lockFile.path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
