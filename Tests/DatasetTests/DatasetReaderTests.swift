import Dataset
import Foundation
import Geometry
import Media
import Testing
import TestSupport

/// A small RGBA image whose pixels encode (x, y, i) so tests can check what was read.
func testImage(width: Int, height: Int, index: Int, alpha: UInt8 = 255) -> Image8 {
    var image = Image8(width: width, height: height, channels: 4)
    for y in 0..<height { for x in 0..<width {
        image[x, y, 0] = UInt8(x * 10); image[x, y, 1] = UInt8(y * 10); image[x, y, 2] = UInt8((index * 40) % 256); image[x, y, 3] = alpha
    } }
    return image
}

let poseA = "[[1, 0, 0, 0.5], [0, 0, -1, -3], [0, 1, 0, 0.2], [0, 0, 0, 1]]"
let poseB = "[[0, 0, 1, 3], [1, 0, 0, 0], [0, 1, 0, 0.2], [0, 0, 0, 1]]"

@Suite struct DatasetReaderTests {
    @Test func nerfSyntheticFolder() throws {
        let folder = TemporaryFolder()
        for i in 0..<2 { try FileManager.default.createDirectory(at: folder.path("train"), withIntermediateDirectories: true)
            try PNG.write(testImage(width: 8, height: 6, index: i, alpha: 128), to: folder.path("train/r_\(i).png")) }
        folder.write(#"{"camera_angle_x": 0.8, "frames": [{"file_path": "./train/r_0", "rotation": 0, "transform_matrix": \#(poseA)}, {"file_path": "./train/r_1", "rotation": 0, "transform_matrix": \#(poseB)}]}"#, to: "transforms_train.json")
        let reader = DatasetReader(folder: folder.url)
        #expect(try reader.flavour() == .nerfSynthetic)
        let train = try reader.read(.train)
        #expect(train.images.map(\.name) == ["r_0", "r_1"])
        let camera = train.images[1].camera
        #expect(camera.width == 8 && camera.height == 6 && abs(camera.fx - 4 / tan(0.4)) < 1e-9 && camera.cx == 4 && camera.cy == 3)
        #expect(camera.origin == Vec3d(3, 0, 0.2))
        // alpha 128 over white: c·a + (1 − a)
        let a = Float(128) / 255
        #expect(length(train.color(1, 2, 3) - (Vec3(20, 30, 40) / 255 * a + Vec3(repeating: 1 - a))) < 1e-6)
        #expect(throws: DatasetError.self) { try reader.read(.test) }
    }

    @Test func nerfstudioFolderWithSplitListsAndPerFrameIntrinsics() throws {
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(at: folder.path("images"), withIntermediateDirectories: true)
        for i in 0..<3 { try PNG.write(testImage(width: 8, height: 6, index: i), to: folder.path("images/f\(i).png")) }
        folder.write(#"""
        {"fl_x": 10, "fl_y": 11, "cx": 3.5, "cy": 2.5, "w": 8, "h": 6, "camera_model": "OPENCV",
         "frames": [{"file_path": "images/f0.png", "transform_matrix": \#(poseA)},
                    {"file_path": "images/f1.png", "transform_matrix": \#(poseB), "fl_x": 12},
                    {"file_path": "images/f2.png", "transform_matrix": \#(poseA)}],
         "train_filenames": ["images/f0.png", "images/f1.png"], "val_filenames": ["images/f2.png"], "test_filenames": ["images/f2.png"]}
        """#, to: "transforms.json")
        let reader = DatasetReader(folder: folder.url)
        #expect(try reader.flavour() == .transforms)
        let train = try reader.read(.train), test = try reader.read(.test)
        #expect(train.images.map(\.name) == ["f0", "f1"] && test.images.map(\.name) == ["f2"])
        #expect(train.images[0].camera.fx == 10 && train.images[0].camera.fy == 11 && train.images[1].camera.fx == 12)
        #expect(train.images[0].camera.cx == 3.5 && train.images[0].camera.cy == 2.5)

        let half = try DatasetReader(folder: folder.url, downscale: 2).read(.train)
        #expect(half.width == 4 && half.height == 3 && half.images[0].camera.fx == 5 && half.images[0].camera.cx == 1.75)
        // a 2×2 box average of x·10 and y·10
        #expect(half.images[0].rgba[1, 1, 0] == 25 && half.images[0].rgba[1, 1, 1] == 25)
    }

    @Test func instantNGPFolderWithoutSplitsHoldsOutEveryEighthFrame() throws {
        let folder = TemporaryFolder()
        var frames: [String] = []
        for i in 0..<10 {
            try PNG.write(testImage(width: 8, height: 6, index: i), to: folder.path("\(i).png"))
            frames.append(#"{"file_path": "\#(i).png", "transform_matrix": \#(i % 2 == 0 ? poseA : poseB)}"#)
        }
        folder.write(#"{"camera_angle_x": 1.0, "frames": [\#(frames.joined(separator: ","))]}"#, to: "transforms.json")
        let reader = DatasetReader(folder: folder.url)
        #expect(try reader.read(.train).images.map(\.name) == ["1", "2", "3", "4", "5", "6", "7", "9"])
        #expect(try reader.read(.test).images.map(\.name) == ["0", "8"])
        #expect(abs(try reader.read(.test).images[0].camera.fx - 4 / tan(0.5)) < 1e-9)
    }

    /// Each bad input is a one-line error naming the file and the frame.
    @Test func badInputs() throws {
        let folder = TemporaryFolder()
        try PNG.write(testImage(width: 8, height: 6, index: 0), to: folder.path("a.png"))
        try PNG.write(testImage(width: 6, height: 6, index: 1), to: folder.path("b.png"))
        func message(_ json: String, split: DatasetSplit = .train) -> String {
            folder.write(json, to: "transforms.json")
            do { _ = try DatasetReader(folder: folder.url).read(split); return "no error" } catch { return "\(error)" }
        }
        let file = folder.path("transforms.json").path
        let split = #""train_filenames": ["a.png"], "val_filenames": [], "test_filenames": []"#
        #expect(message(#"{"frames": [{"file_path": "a.png", "transform_matrix": \#(poseA)}], \#(split)}"#)
            == "\(file): no intrinsics: give fl_x (pixels) or camera_angle_x (radians)")
        #expect(message(#"{"fl_x": 5, "frames": [{"file_path": "missing.png", "transform_matrix": \#(poseA)}], "train_filenames": ["missing.png"], "test_filenames": []}"#)
            == "\(folder.path("missing.png").path): image missing or unreadable")
        #expect(message(#"{"fl_x": 5, "frames": [{"file_path": "a.png", "transform_matrix": \#(poseA)}, {"file_path": "b.png", "transform_matrix": \#(poseB)}], "train_filenames": ["a.png", "b.png"], "test_filenames": []}"#)
            == "\(folder.path("b.png").path): image is 6x6 but earlier images of the train split are 8x6")
        #expect(message(#"{"fl_x": 5, "frames": [{"file_path": "a.png", "transform_matrix": [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]}], \#(split)}"#)
            == "\(file): frames[0].transform_matrix: not a rigid camera-to-world transform (rotation must be orthonormal with determinant 1)")
        #expect(message(#"{"fl_x": 5, "frames": [{"file_path": "a.png", "transform_matrix": [[1, 0, 0, 0], [0, 1, 0, "x"], [0, 0, 1, 0], [0, 0, 0, 1]]}], \#(split)}"#)
            == "\(file): frames[0].transform_matrix: non-finite or non-numeric entry at [1][3]")
        #expect(message(#"{"fl_x": 5, "frames": [{"file_path": "a.png", "transform_matrix": \#(poseA)}], \#(split)}"#, split: .test)
            == "\(file): the test split has no frames")
        #expect(message("[1, 2]") == "\(file): expected a JSON object at the top level")
        #expect(message(#"{"fl_x": 5, "fl_x": 6, "frames": []}"#) == "\(file): malformed JSON at line 1, column 13: duplicate key \"fl_x\" (first at line 1); keep only one")
    }
}
