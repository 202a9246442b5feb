import Dataset
import Foundation
import Geometry
import Media
import Reconstruction
import Testing
import TestSupport

private let poseA = "[[1, 0, 0, 0.5], [0, 0, -1, -3], [0, 1, 0, 0.2], [0, 0, 0, 1]]"
private let poseB = "[[0, 0, 1, 3], [1, 0, 0, 0], [0, 1, 0, 0.2], [0, 0, 0, 1]]"

@Suite(.tags(.slow), .disabled(if: TestRun.fast, "slow: ./scripts/test --fast leaves it out")) struct PhoneCaptureTests {
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
