import FileSafety
import Foundation
import Testing

/// A fresh folder under the system's temporary folder, removed by the caller.
func scratchFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-filesafety-\(name)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct StagingTests {
    @Test func twoStagedFoldersForOneDestinationAreRefused() throws {
        let root = scratchFolder("lock"); defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        let first = try StagedFolder(destination: out, overwrite: false)
        do {
            _ = try StagedFolder(destination: out, overwrite: true)
            Issue.record("a second writer of a busy destination was accepted")
        } catch let e as FileSafetyError {
            #expect(e.reason == .busy(pid: getpid()))
            #expect(e.description.contains("another orbit process (pid \(getpid())) is writing it"))
        }
        try Data("a".utf8).write(to: first.url("a.txt"))
        try first.commit()
        // the lock is gone with the commit, and nothing but the output is left
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["out"])
        let second = try StagedFolder(destination: out, overwrite: true)
        #expect(second.staging != first.staging)
        second.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["a.txt"])
    }

    @Test func aFailedRunLeavesNoFolderItMade() throws {
        let root = scratchFolder("parents"); defer { try? FileManager.default.removeItem(at: root) }
        let staged = try StagedFolder(destination: root.appendingPathComponent("a/b/out"), overwrite: false)
        try Data("x".utf8).write(to: staged.url("x"))
        staged.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }

    @Test func theOldOutputStaysUntilTheNewOneIsComplete() throws {
        let root = scratchFolder("replace"); defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: out.appendingPathComponent("keep.txt"))
        #expect(throws: FileSafetyError.self) { try StagedFolder(destination: out, overwrite: false) }
        let staged = try StagedFolder(destination: out, overwrite: true)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("keep.txt").path))
        staged.discard()
        #expect(try String(contentsOf: out.appendingPathComponent("keep.txt"), encoding: .utf8) == "old")
    }

    @Test func staleStagingOfAKilledRunIsRemoved() throws {
        let root = scratchFolder("stale"); defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        let stale = root.appendingPathComponent(".out.partial-99999-deadbeef")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        let staged = try StagedFolder(destination: out, overwrite: false)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        try staged.commit()
    }

    @Test func atomicFilesRefuseToReplaceWithoutPermission() throws {
        let root = scratchFolder("atomic"); defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("f.json")
        try AtomicFile.write(Data("1".utf8), to: file, overwrite: false)
        #expect(throws: FileSafetyError.self) { try AtomicFile.write(Data("2".utf8), to: file, overwrite: false) }
        #expect(try String(contentsOf: file, encoding: .utf8) == "1")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["f.json"])
    }

    @Test func outputPolicyRefusesDangerousDestinations() throws {
        let root = scratchFolder("policy"); defer { try? FileManager.default.removeItem(at: root) }
        let input = root.appendingPathComponent("data/transforms.json")
        func reason(_ path: String, inputs: [String] = []) -> FileSafetyError.Reason? {
            do { try OutputPolicy.check(output: path, inputs: inputs); return nil } catch let e as FileSafetyError { return e.reason } catch { return nil }
        }
        #expect(reason("") == .emptyPath)
        #expect(reason("/") == .protectedFolder("the root folder"))
        #expect(reason(".") == .protectedFolder("the current folder"))
        #expect(reason("..") == .protectedFolder("a parent of the current folder"))
        #expect(reason(root.appendingPathComponent("data").path, inputs: [input.path]) == .holdsInput(input.path))
        #expect(reason(input.path, inputs: [input.path]) == .holdsInput(input.path))
        #expect(reason(root.appendingPathComponent("out").path, inputs: [input.path]) == nil)
        // a symbolic link to the input is the input
        try FileManager.default.createDirectory(at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("alias"), withDestinationURL: root.appendingPathComponent("data"))
        #expect(reason(root.appendingPathComponent("alias").path, inputs: [input.path]) == .holdsInput(input.path))
    }

    @Test func systemErrorsAreOneFixableLine() {
        let error = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteOutOfSpace.rawValue, userInfo: [NSFilePathErrorKey: "/x/y"])
        #expect(SystemMessage.describe(error) == "/x/y: the disk is full; free some space")
        let posix = NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS), userInfo: [NSFilePathErrorKey: "/ro"])
        #expect(SystemMessage.describe(posix) == "/ro: the file system is read-only; choose a writable location")
    }
}
