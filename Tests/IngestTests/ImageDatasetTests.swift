import Dataset
import Fixtures
import Foundation
import Geometry
import Ingest
import Media
import Testing
import TestSupport

/// An APP1 segment holding one EXIF tag, FocalLengthIn35mmFilm = `focal35`, in either byte order.
func exifSegment(focal35: Int, littleEndian: Bool = true) -> [UInt8] {
    func u16(_ v: Int) -> [UInt8] { littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)] }
    func u32(_ v: Int) -> [UInt8] { littleEndian ? u16(v & 0xFFFF) + u16(v >> 16) : u16(v >> 16) + u16(v & 0xFFFF) }
    let header: [UInt8] = (littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]) + u16(42) + u32(8)
    let ifd0 = u16(1) + u16(0x8769) + u16(4) + u32(1) + u32(26) + u32(0)
    let exif = u16(1) + u16(0xA405) + u16(3) + u32(1) + u16(focal35) + u16(0) + u32(0)
    let body: [UInt8] = Array("Exif".utf8) + [0, 0] + header + ifd0 + exif
    return [0xFF, 0xE1] + [UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
}

/// `jpeg` with `segment` inserted after its start-of-image marker.
func inserting(_ segment: [UInt8], into jpeg: Data) -> Data { Data(jpeg.prefix(2)) + Data(segment) + Data(jpeg.dropFirst(2)) }

@Suite struct ImageDatasetTests {
    @Test func exifFocalLengthIsReadInEitherByteOrderAndDamageIsNoFocal() throws {
        let jpeg = try JPEG.encode(Image8(width: 8, height: 8, channels: 3, samples: [UInt8](repeating: 90, count: 192)))
        for little in [true, false] {
            let tagged = inserting(exifSegment(focal35: 26, littleEndian: little), into: jpeg)
            #expect(EXIF.focalLength35mm(jpeg: tagged) == 26)
            // 26 mm on a 4032-pixel side: 26 × 4032 / 36
            #expect(EXIF.focalPixels(jpeg: tagged, width: 3024, height: 4032) == 26 * 4032 / 36.0)
            #expect(try JPEG.decode(tagged, name: "t.jpg").width == 8)
        }
        #expect(EXIF.focalLength35mm(jpeg: jpeg) == nil)
        var segment = exifSegment(focal35: 26)
        segment[28] = 0xFF; segment[29] = 0xFF  // the Exif directory's offset points past the end
        #expect(EXIF.focalLength35mm(jpeg: inserting(segment, into: jpeg)) == nil)
        for cut in [4, 10, 20, 30, 40] { #expect(EXIF.focalLength35mm(jpeg: Data(inserting(exifSegment(focal35: 26), into: jpeg).prefix(cut))) == nil) }
    }

    @Test func areaResamplingAveragesWhatEachPixelCovers() {
        let ramp = Image8(width: 4, height: 2, channels: 1, samples: [0, 40, 80, 120, 0, 40, 80, 120])
        #expect(ramp.areaResampled(width: 2, height: 1).samples == [20, 100])
        // 3 → 2: the middle pixel is split between both halves
        let three = Image8(width: 3, height: 1, channels: 1, samples: [0, 90, 180])
        #expect(three.areaResampled(width: 2, height: 1).samples == [30, 150])
        let flat = Image8(width: 37, height: 23, channels: 3, samples: [UInt8](repeating: 77, count: 37 * 23 * 3))
        #expect(flat.areaResampled(width: 10, height: 7).samples.allSatisfy { $0 == 77 })
    }

    @Test func foldersThatCannotBeProcessedSaySo() throws {
        let folder = TemporaryFolder()
        try PNG.write(Image8(width: 8, height: 6, channels: 3, samples: [UInt8](repeating: 1, count: 144)), to: folder.path("a.png"))
        #expect(throws: IngestError.self) { try ImageDataset.photos(in: folder.url) }
        #expect(!ImageDataset.isPhotoFolder(folder.url.path))
        try PNG.write(Image8(width: 6, height: 8, channels: 3, samples: [UInt8](repeating: 1, count: 144)), to: folder.path("b.png"))
        #expect(ImageDataset.isPhotoFolder(folder.url.path))
        #expect(try ImageDataset.photos(in: folder.url).map(\.lastPathComponent) == ["a.png", "b.png"])
        let out = folder.path("out")
        do {
            _ = try ImageDataset.process(folder: folder.url, output: out, overwrite: false, settings: VideoSettings())
            Issue.record("photographs of two sizes were accepted")
        } catch {
            #expect("\(error)".hasSuffix("b.png: is 6x8 upright, but a.png is 8x6; give photographs of one camera in one orientation (one folder per size)"))
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        folder.write("{}", to: "transforms.json")
        #expect(!ImageDataset.isPhotoFolder(folder.url.path))  // a dataset folder, not photographs
    }
}

@Suite(.serialized, .tags(.slow), .disabled(if: TestRun.fast, "slow: ./scripts/test --fast leaves it out")) struct ImageDatasetCOLMAPTests {
    /// 16 frames of the orbit clip saved as JPEG photographs with an EXIF focal length: COLMAP, started from it,
    /// recovers every camera within 1° and 1% of the orbit's radius after the best similarity.
    @Test func colmapRecoversTheCamerasOfPhotographs() throws {
        let folder = TemporaryFolder()
        let clip = try orbitClip(in: folder)
        let photos = folder.path("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        let truth = try poses(clip.appendingPathComponent("transforms.json"))
        let fx = try DatasetReader(folder: clip).cameras(in: clip.appendingPathComponent("transforms.json"))[0].camera.fx
        var names: [Int: String] = [:]
        for (n, index) in stride(from: 0, to: 48, by: 3).enumerated() {
            let rgba = try PNG.read(clip.appendingPathComponent(String(format: "images/frame_%05d.png", index))).as8
            var rgb = [UInt8](); rgb.reserveCapacity(rgba.width * rgba.height * 3)
            for p in 0..<(rgba.width * rgba.height) { for c in 0..<3 { rgb.append(rgba.samples[p * rgba.channels + c]) } }
            let jpeg = try JPEG.encode(Image8(width: rgba.width, height: rgba.height, channels: 3, samples: rgb), quality: 95)
            let name = String(format: "IMG_%04d.JPG", 100 + n)
            try inserting(exifSegment(focal35: Int((fx * 36 / 320).rounded())), into: jpeg).write(to: photos.appendingPathComponent(name))
            names[n] = name
            _ = index
        }
        let out = folder.path("dataset")
        var settings = VideoSettings()
        settings.matching = .exhaustive
        let summary = try ImageDataset.process(folder: photos, output: out, overwrite: false, settings: settings)
        #expect(summary.names == (0..<16).map { names[$0]! })
        #expect(abs(summary.focalPrior! - fx) < 0.02 * fx)
        #expect(summary.registered.count == 16, "registered \(summary.registered.count) of 16")
        let recovered = try poses(out.appendingPathComponent("transforms.json"))
        // frame n of the dataset is clip frame 3n
        var byClipFrame: [Int: Matrix4] = [:]
        for (n, m) in recovered { byClipFrame[3 * n] = m }
        let common = byClipFrame.keys.sorted()
        func centre(_ m: Matrix4) -> Vec3d { Vec3d(m[0, 3], m[1, 3], m[2, 3]) }
        let fit = try #require(SimilarityTransform.fit(from: common.map { centre(byClipFrame[$0]!) }, to: common.map { centre(truth[$0]!) }))
        var worstPosition = 0.0, worstAngle = 0.0
        for index in common {
            worstPosition = max(worstPosition, length(fit.apply(centre(byClipFrame[index]!)) - centre(truth[index]!)))
            let r = fit.rotation.matrix * byClipFrame[index]!, t = truth[index]!
            var trace = 0.0
            for i in 0..<3 { for j in 0..<3 { trace += r[i, j] * t[i, j] } }
            worstAngle = max(worstAngle, acos(min(1, max(-1, (trace - 1) / 2))) * 180 / .pi)
        }
        #expect(worstPosition <= 0.01 * 3.2, "largest position error \(worstPosition) m")
        #expect(worstAngle <= 1, "largest rotation error \(worstAngle)°")
        let metadata = try String(contentsOf: out.appendingPathComponent("metadata.json"), encoding: .utf8)
        #expect(metadata.contains("\"IMG_0100.JPG\"") && metadata.contains("focal_prior_px"))
    }
}
