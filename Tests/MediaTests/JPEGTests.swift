import FileSafety
import Foundation
import Media
import Testing
import TestSupport

/// A photograph-like test image: smooth gradients, a few hard edges and mild texture, so that both chroma
/// subsampling and edges show in a comparison.
func photoLike(width: Int, height: Int) -> Image8 {
    var image = Image8(width: width, height: height, channels: 3)
    for y in 0..<height {
        for x in 0..<width {
            let u = Double(x) / Double(max(width - 1, 1)), v = Double(y) / Double(max(height - 1, 1))
            let square = (x / 97 + y / 61) % 2 == 0 ? 40.0 : 0
            let r = 30 + 180 * u + square, g = 40 + 150 * v, b = 200 - 120 * u * v + 20 * sin(Double(x + 2 * y) / 9)
            image[x, y, 0] = UInt8(max(0, min(255, r))); image[x, y, 1] = UInt8(max(0, min(255, g))); image[x, y, 2] = UInt8(max(0, min(255, b)))
        }
    }
    return image
}

/// Decodes a JPEG with ffmpeg (an independent decoder) into RGB.
func ffmpegDecode(_ url: URL, width: Int, height: Int) throws -> [UInt8]? {
    guard let ffmpeg = which("ffmpeg") else { return nil }
    let raw = url.deletingPathExtension().appendingPathExtension("rgb")
    let result = try runProcess(ffmpeg, ["-loglevel", "error", "-y", "-i", url.path, "-f", "rawvideo", "-pix_fmt", "rgb24", raw.path])
    guard result.status == 0 else { return nil }
    let data = try Data(contentsOf: raw)
    return data.count == width * height * 3 ? [UInt8](data) : nil
}

func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
    precondition(a.count == b.count)
    return Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
}

/// EXIF APP1 segment with one IFD0 entry: Orientation = `value` (big-endian TIFF).
func exifSegment(orientation value: UInt16) -> [UInt8] {
    var tiff: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08]          // "MM", 42, IFD0 at 8
    tiff += [0x00, 0x01]                                                         // one entry
    tiff += [0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, UInt8(value >> 8), UInt8(value & 0xFF), 0x00, 0x00]
    tiff += [0x00, 0x00, 0x00, 0x00]                                             // no next IFD
    let payload = Array("Exif".utf8) + [0, 0] + tiff
    let length = payload.count + 2
    return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
}

@Suite struct JPEGTests {
    /// Every layout a camera or phone writes decodes like ffmpeg decodes it (mean difference below 2 levels).
    @Test(arguments: [(1080, 1920), (1920, 1080), (333, 217)])
    func decodesLikeAnIndependentDecoder(width: Int, height: Int) throws {
        let folder = TemporaryFolder()
        let source = photoLike(width: width, height: height)
        for (sampling, progressive) in [(420, false), (422, false), (444, false), (420, true), (444, true)] {
            let url = folder.path("p\(sampling)\(progressive).jpg")
            try JPEG.encode(source, quality: 92, progressive: progressive, sampling: sampling).write(to: url)
            let ours = try JPEG.decode(Data(contentsOf: url), name: url.path)
            #expect(ours.width == width && ours.height == height && ours.channels == 3)
            guard let theirs = try ffmpegDecode(url, width: width, height: height) else { Issue.record("ffmpeg not found or failed; run scripts/bootstrap"); return }
            let difference = meanDifference(ours.samples, theirs)
            #expect(difference < 2, "\(width)x\(height) \(sampling) progressive \(progressive): mean difference \(difference)")
            // and close to what was encoded
            #expect(meanDifference(ours.samples, source.samples) < 3)
        }
    }

    /// Files from another encoder (FFmpeg's MJPEG encoder, as video tools write frames) decode as well.
    @Test func decodesAnotherEncodersFiles() throws {
        guard let ffmpeg = which("ffmpeg") else { Issue.record("ffmpeg not found; run scripts/bootstrap"); return }
        let folder = TemporaryFolder()
        for (format, size) in [("yuvj420p", "1080x1920"), ("yuvj422p", "642x480"), ("yuvj444p", "1920x1080")] {
            let url = folder.path("\(format).jpg")
            let made = try runProcess(ffmpeg, ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=1", "-frames:v", "1",
                                               "-pix_fmt", format, "-q:v", "2", url.path])
            #expect(made.status == 0)
            let ours = try JPEG.decode(Data(contentsOf: url), name: url.path)
            let parts = size.split(separator: "x").map { Int($0)! }
            #expect(ours.width == parts[0] && ours.height == parts[1])
            guard let theirs = try ffmpegDecode(url, width: parts[0], height: parts[1]) else { Issue.record("ffmpeg failed"); return }
            #expect(meanDifference(ours.samples, theirs) < 2, "\(format)")
        }
    }

    @Test func greyAndCMYKBecomeRGB() throws {
        var grey = Image8(width: 64, height: 40, channels: 1)
        for i in grey.samples.indices { grey.samples[i] = UInt8((i * 7) % 200 + 20) }
        let folder = TemporaryFolder()
        let greyFile = folder.path("grey.jpg")
        try JPEG.encode(grey, quality: 95).write(to: greyFile)
        let decodedGrey = try JPEG.decode(Data(contentsOf: greyFile), name: "grey")
        #expect(decodedGrey.channels == 3)
        if let theirs = try ffmpegDecode(greyFile, width: 64, height: 40) { #expect(meanDifference(decodedGrey.samples, theirs) < 2) }
        else { Issue.record("ffmpeg not found or failed; run scripts/bootstrap") }
        let expectedGrey = grey.samples.flatMap { [$0, $0, $0] }
        #expect(meanDifference(decodedGrey.samples, expectedGrey) < 2)

        // CMYK as Photoshop writes it (inverted, Adobe marker): red = (1 − c)(1 − k) and so on
        var cmyk = Image8(width: 48, height: 32, channels: 4)
        for y in 0..<32 { for x in 0..<48 { cmyk[x, y, 0] = UInt8(x * 5); cmyk[x, y, 1] = UInt8(y * 7); cmyk[x, y, 2] = 60; cmyk[x, y, 3] = UInt8((x + y) * 2) } }
        let decoded = try JPEG.decode(JPEG.encode(cmyk, quality: 98), name: "cmyk")
        var expected: [UInt8] = []
        for i in 0..<(48 * 32) {
            let k = 255 - Int(cmyk.samples[4 * i + 3])
            for c in 0..<3 { expected.append(UInt8(((255 - Int(cmyk.samples[4 * i + c])) * k + 127) / 255)) }
        }
        #expect(meanDifference(decoded.samples, expected) < 2)
    }

    /// EXIF orientations 2–8 turn the stored pixels upright, as a phone's viewer shows them.
    @Test func exifOrientationIsApplied() throws {
        let source = photoLike(width: 40, height: 24)
        let plain = try JPEG.encode(source, quality: 95, sampling: 444)
        let stored = try JPEG.decode(plain, name: "plain")
        for orientation in UInt16(1)...8 {
            // insert the EXIF segment right after SOI
            let data = Data(plain.prefix(2) + exifSegment(orientation: orientation) + plain.dropFirst(2))
            let decoded = try JPEG.decodeWithInfo(data, name: "exif")
            #expect(decoded.orientation == Int(orientation))
            let swap = orientation >= 5
            #expect(decoded.image.width == (swap ? 24 : 40) && decoded.image.height == (swap ? 40 : 24))
            // the upper-left displayed pixel is the stored corner the orientation names
            let (sx, sy): (Int, Int) = [1: (0, 0), 2: (39, 0), 3: (39, 23), 4: (0, 23), 5: (0, 0), 6: (0, 23), 7: (39, 23), 8: (39, 0)][Int(orientation)]!
            for c in 0..<3 { #expect(decoded.image[0, 0, c] == stored[sx, sy, c], "orientation \(orientation)") }
        }
    }

    @Test func damagedAndHostileFilesAreErrors() throws {
        let good = try JPEG.encode(photoLike(width: 200, height: 120), quality: 90)
        // truncated: an error by default, a filled-in image on request
        #expect(throws: MediaError.self) { try JPEG.decode(good.prefix(good.count / 2), name: "cut.jpg") }
        #expect(try JPEG.decode(good.prefix(good.count / 2), name: "cut.jpg", allowDamaged: true).width == 200)
        #expect(throws: MediaError.self) { try JPEG.decode(Data([0xFF, 0xD8, 0xFF, 0xD9]), name: "empty.jpg") }
        // a header claiming 65000 x 65000 pixels is refused before any pixel memory is allocated
        var huge = [UInt8](good)
        if let sof = (0..<(huge.count - 9)).first(where: { huge[$0] == 0xFF && huge[$0 + 1] == 0xC0 }) {
            huge[sof + 5] = 0xFD; huge[sof + 6] = 0xE8; huge[sof + 7] = 0xFD; huge[sof + 8] = 0xE8
        }
        do { _ = try JPEG.decode(Data(huge), name: "huge.jpg"); Issue.record("a 65000² JPEG was decoded") } catch let e as MediaError {
            #expect(e.message.contains("more than the limit"))
        }
    }
}
