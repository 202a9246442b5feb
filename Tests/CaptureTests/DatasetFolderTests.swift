import Capture
import Dataset
import FileSafety
import Fixtures
import Foundation
import Media
import SceneFormat
import Testing
import TestSupport


@Suite struct DatasetFolderTests {
    @Test func folderHoldsEveryFileOfTheContract() throws {
        let folder = TemporaryFolder()
        let scene = try decodeScene(tinyScene, file: "tiny.json", folder: folder.url)
        let out = folder.path("clip")
        let summary = try Generator(scene: scene).run(output: out, overwrite: false)
        #expect(summary.frames == 3)
        let fm = FileManager.default
        for stem in ["frame_00000", "frame_00001", "frame_00002"] {
            for sub in ["images", "depth", "normals", "masks", "instances"] {
                #expect(fm.fileExists(atPath: out.appendingPathComponent("\(sub)/\(stem).png").path), "\(sub)/\(stem).png")
            }
        }
        for name in ["video.mp4", "transforms.json", "transforms_train.json", "transforms_val.json", "transforms_test.json",
                     "metadata.json", "ground_truth.ply"] {
            #expect(fm.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        // nothing temporary is left beside or inside the output
        #expect(!fm.fileExists(atPath: out.path + ".partial"))

        // images: RGBA 8-bit of the right size; depth: 16-bit millimetres of z-depth
        guard case .eight(let rgba) = try PNG.read(out.appendingPathComponent("images/frame_00000.png")) else { Issue.record("8-bit"); return }
        #expect(rgba.width == 32 && rgba.height == 24 && rgba.channels == 4)
        guard case .sixteen(let depth) = try PNG.read(out.appendingPathComponent("depth/frame_00000.png")) else { Issue.record("16-bit"); return }
        // the centre pixel looks at the sphere (radius 0.5) from 3 m: z-depth ≈ 2.5 m, a little more off the exact centre
        let centre = Int(depth[16, 12, 0])
        #expect(centre > 2490 && centre < 2530, "depth \(centre) mm")
        guard case .sixteen(let ids) = try PNG.read(out.appendingPathComponent("instances/frame_00000.png")) else { Issue.record("16-bit"); return }
        #expect(ids[16, 12, 0] == 1 && ids[0, 23, 0] == 2)

        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metadata.json"))) as! [String: Any]
        let objects = metadata["objects"] as! [[String: Any]]
        #expect(objects.map { $0["id"] as! Int } == [1, 2])
        #expect((metadata["scene"] as! [String: Any])["hash"] as? String == "fnv1a64:" + Generator.sceneHash(scene))
        #expect(metadata["seed"] as? Int == 0)
    }

    @Test func transformsJSONMatchesItsSnapshot() throws {
        let folder = TemporaryFolder()
        let scene = try decodeScene(tinyScene, file: "tiny.json", folder: folder.url)
        let frames = scene.views().map { DatasetFrame(stem: $0.stem, split: $0.split?.rawValue, camera: $0.camera) }
        try expectSnapshot(DatasetLayout.transforms(frames: frames).rendered() + "\n",
                           URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("transforms.snapshot.json"))
    }

    @Test func refusesNonEmptyOutputWithoutOverwriteAndKeepsIt() throws {
        let folder = TemporaryFolder()
        let scene = try decodeScene(tinyScene, file: "tiny.json", folder: folder.url)
        let out = folder.path("clip")
        let keep = folder.write("precious", to: "clip/notes.txt")
        #expect(throws: FileSafetyError.self) { try Generator(scene: scene).run(output: out, overwrite: false) }
        #expect(try String(contentsOf: keep, encoding: .utf8) == "precious")
        _ = try Generator(scene: scene).run(output: out, overwrite: true)
        #expect(!FileManager.default.fileExists(atPath: keep.path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("video.mp4").path))
        let siblings = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
        #expect(siblings.sorted() == ["clip"])
    }

    @Test func badAssetsFailBeforeAnythingIsWritten() throws {
        let folder = TemporaryFolder()
        folder.write("v 0 0 0\nv 1 0 0\nv 0 1 0\n", to: "points.obj")
        let scene = try decodeScene(#"{"format": 1, "rig": {"type": "orbit", "frames": 2}, "objects": [{"type": "box"}, {"type": "mesh", "path": "points.obj"}]}"#,
                                    file: "scenes/bad.json", folder: folder.url)
        let out = folder.path("clip")
        #expect(throws: SceneError(file: "scenes/bad.json", path: "objects[1].path", message: "\"points.obj\": the mesh has no triangles")) {
            try Generator(scene: scene).run(output: out, overwrite: false)
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(!FileManager.default.fileExists(atPath: out.path + ".partial"))
    }
}
