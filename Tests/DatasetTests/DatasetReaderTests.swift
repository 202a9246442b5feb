import Dataset
import Foundation
import Geometry
import Media
import Reconstruction
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

@Suite struct MetricTests {
    /// Pairs of images defined by integer formulas; the reference values were computed independently with
    /// scikit-image 0.25 (`peak_signal_noise_ratio(data_range=1)` and `structural_similarity(gaussian_weights=True,
    /// sigma=1.5, use_sample_covariance=False, channel_axis=-1, data_range=1)`).
    func pair(noise: Bool) -> ([Vec3], [Vec3]) {
        var a: [Vec3] = [], b: [Vec3] = []
        for y in 0..<24 { for x in 0..<32 {
            var ca = [Double](repeating: 0, count: 3), cb = [Double](repeating: 0, count: 3)
            for c in 0..<3 {
                let codeA: Int = (x * 7 + y * 13 + c * 29) % 256
                ca[c] = Double(codeA) / 255
                if noise {
                    let phase: Double = Double(x) * 0.7 + Double(y) * 0.3 + Double(c)
                    let wave: Double = 0.05 * sin(phase)
                    cb[c] = min(max(ca[c] + wave, 0), 1)
                } else {
                    let codeB: Int = (x * 7 + y * 11 + c * 31 + (x * y) % 17) % 256
                    cb[c] = Double(codeB) / 255
                }
            }
            a.append(Vec3(Float(ca[0]), Float(ca[1]), Float(ca[2]))); b.append(Vec3(Float(cb[0]), Float(cb[1]), Float(cb[2])))
        } }
        return (a, b)
    }

    @Test func psnrAndSSIMMatchScikitImage() {
        let (a, b) = pair(noise: false)
        #expect(abs(ImageMetrics.psnr(a, b) - 12.646032356925547) < 1e-4)
        #expect(abs(ImageMetrics.ssim(a, b, width: 32, height: 24) - 0.6731694329896413) < 1e-5)
        let (c, d) = pair(noise: true)
        #expect(abs(ImageMetrics.psnr(c, d) - 29.1552059780779) < 1e-4)
        #expect(abs(ImageMetrics.ssim(c, d, width: 32, height: 24) - 0.9657970016583938) < 1e-5)
        #expect(ImageMetrics.ssim(a, a, width: 32, height: 24) == 1)
    }
}

@Suite struct PhoneCaptureTests {
    /// A nerfstudio folder of phone-sized JPEGs (1080×1920 portrait, one stored landscape with EXIF orientation 6,
    /// one progressive 4:4:4) reads, downscales and trains: the path that once aborted with heap corruption.
    @Test func portraitJPEGDatasetReadsAndTrains() throws {
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(at: folder.path("images"), withIntermediateDirectories: true)
        var portrait = Image8(width: 1080, height: 1920, channels: 3)
        for y in 0..<1920 { for x in 0..<1080 { portrait[x, y, 0] = UInt8(x / 5 % 256); portrait[x, y, 1] = UInt8(y / 8 % 256); portrait[x, y, 2] = 90 } }
        try JPEG.encode(portrait, quality: 90).write(to: folder.path("images/p0.jpg"))
        try JPEG.encode(portrait, quality: 85, progressive: true, sampling: 444).write(to: folder.path("images/p1.jpg"))
        // the same picture stored on its side, as a phone held upright writes it, with orientation 6 (rotate 90° clockwise to view)
        var sideways = Image8(width: 1920, height: 1080, channels: 3)
        for y in 0..<1080 { for x in 0..<1920 { for c in 0..<3 { sideways[x, y, c] = portrait[1079 - y, x, c] } } }
        let stored = try JPEG.encode(sideways, quality: 90)
        var exif: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        exif = Array("Exif".utf8) + [0, 0] + exif
        let segment: [UInt8] = [0xFF, 0xE1, UInt8((exif.count + 2) >> 8), UInt8((exif.count + 2) & 0xFF)] + exif
        try (stored.prefix(2) + Data(segment) + stored.dropFirst(2)).write(to: folder.path("images/p2.jpg"))
        let frames = (0..<3).map { i in #"{"file_path": "images/p\#(i).jpg", "transform_matrix": \#(i % 2 == 0 ? poseA : poseB)}"# }
        folder.write(#"{"fl_x": 1400, "fl_y": 1400, "cx": 540, "cy": 960, "w": 1080, "h": 1920, "camera_model": "OPENCV", "frames": [\#(frames.joined(separator: ", "))], "train_filenames": ["images/p0.jpg", "images/p1.jpg", "images/p2.jpg"], "test_filenames": ["images/p0.jpg"], "val_filenames": ["images/p0.jpg"]}"#, to: "transforms.json")
        let reader = DatasetReader(folder: folder.url, downscale: 4)
        let train = try reader.read(.train)
        #expect(train.images.map { "\($0.rgba.width)x\($0.rgba.height)" } == ["270x480", "270x480", "270x480"])
        // the EXIF-rotated frame shows the same picture as the upright one
        var difference = 0
        for i in stride(from: 0, to: train.images[0].rgba.samples.count, by: 4) {
            difference += abs(Int(train.images[0].rgba.samples[i]) - Int(train.images[2].rgba.samples[i]))
        }
        #expect(Double(difference) / Double(270 * 480) < 2)
        var settings = TrainingSettings()
        settings.coarseResolution = 16; settings.fineResolution = 16
        let trainer = Trainer(data: train, bounds: estimateBounds(train.images.map(\.camera)), settings: settings, threads: 2)
        for _ in 0..<5 { #expect(trainer.step().loss.isFinite) }
    }
}
