import Foundation
import Testing
import TestSupport

@Suite struct ProcessImagesCommandTests {
    @Test func aFolderWithoutPhotographsIsOneLine() throws {
        let folder = TemporaryFolder()
        folder.write("not a photograph", to: "photos/notes.txt")
        let photos = folder.path("photos").path, out = folder.path("out").path
        let result = try runProcess(orbitExecutable(), ["process-images", photos, "--out", out])
        #expect(result.status == 1)
        #expect(result.stderr == "orbit: error: \(photos): 0 photographs (JPEG or PNG) found; at least 2 are needed to recover cameras\n")
        #expect(!FileManager.default.fileExists(atPath: out))
        let missing = try runProcess(orbitExecutable(), ["process-images", folder.path("nothing").path, "--out", out])
        #expect(missing.status == 1 && missing.stderr == "orbit: error: \(folder.path("nothing").path): not a folder of photographs\n")
    }
}
