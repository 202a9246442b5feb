import Foundation
import Media
import Testing
import TestSupport

/// Decoding of every container and codec Orbit promises, from small clips made by Debian's ffmpeg, checked
/// against ffmpeg's own decoding.
@Suite struct VideoReaderTests {
    static let cases: [(String, [String])] = [
        ("h264.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
        ("h264.mov", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
        ("hevc.mkv", ["-c:v", "libx265", "-pix_fmt", "yuv420p", "-x265-params", "log-level=none"]),
        ("hevc.mp4", ["-c:v", "libx265", "-pix_fmt", "yuv420p", "-x265-params", "log-level=none"]),
        ("vp9.webm", ["-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-deadline", "realtime"]),
        ("av1.mkv", ["-c:v", "libaom-av1", "-pix_fmt", "yuv420p", "-cpu-used", "8", "-crf", "30"]),
        ("av1.mp4", ["-c:v", "libaom-av1", "-pix_fmt", "yuv420p", "-cpu-used", "8", "-crf", "30"]),
    ]

    /// Makes a 12-frame 96×64 clip of a moving test pattern.
    static func makeClip(_ name: String, _ codec: [String], in folder: TemporaryFolder) throws -> URL {
        let ffmpeg = try #require(which("ffmpeg"), "ffmpeg is installed by scripts/bootstrap")
        let url = folder.path(name)
        let result = try runProcess(ffmpeg, ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=12", "-frames:v", "12"]
                                    + codec + [url.path])
        #expect(result.status == 0, "\(result.stderr)")
        return url
    }

    @Test(arguments: Self.cases.map(\.0))
    func decodesLikeFFmpeg(name: String) throws {
        let folder = TemporaryFolder()
        let codec = Self.cases.first { $0.0 == name }!.1
        let url = try Self.makeClip(name, codec, in: folder)
        let reader = try VideoReader(url: url)
        #expect(reader.info.width == 96 && reader.info.height == 64)
        #expect(abs(reader.info.frameRate - 12) < 1e-6)
        var frames: [Image8] = []
        let count = try reader.forEachFrame { _, image in frames.append(image); return true }
        #expect(count == 12 && !reader.damaged)
        // ffmpeg's own RGB decoding of the same file
        let raw = folder.path("raw.rgb")
        _ = try runProcess(which("ffmpeg")!, ["-loglevel", "error", "-y", "-i", url.path, "-f", "rawvideo", "-pix_fmt", "rgb24", raw.path])
        let reference = try [UInt8](Data(contentsOf: raw))
        #expect(reference.count == 12 * 96 * 64 * 3)
        var difference = 0.0
        for (k, frame) in frames.enumerated() {
            for i in 0..<frame.samples.count { difference += abs(Double(frame.samples[i]) - Double(reference[k * 96 * 64 * 3 + i])) }
        }
        #expect(difference / Double(reference.count) < 2, "mean difference \(difference / Double(reference.count)) levels")

        // a second pass starts again from the first frame, and frames can be scaled down on the way
        var first: Image8? = nil
        try reader.forEachFrame(maxSide: 48) { _, image in first = image; return false }
        #expect(first?.width == 48 && first?.height == 32)
    }

    @Test func unreadableAndTruncatedFiles() throws {
        let folder = TemporaryFolder()
        let text = folder.write("not a video", to: "clip.mp4")
        #expect(throws: MediaError.self) { try VideoReader(url: text) }
        #expect(throws: MediaError.self) { try VideoReader(url: folder.path("missing.mp4")) }
        // half of a Matroska file: decodes what is there and says it is damaged
        let url = try Self.makeClip("whole.mkv", ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "1"], in: folder)
        let data = try Data(contentsOf: url)
        let cut = folder.path("cut.mkv")
        try data.prefix(data.count / 2).write(to: cut)
        let reader = try VideoReader(url: cut)
        let count = try reader.forEachFrame { _, _ in true }
        #expect(count > 0 && count < 12)
        #expect(reader.damaged)
    }

    /// A Matroska clip the fuzzer made (seed 1, case 8795 of `orbit-bench fuzz --formats mkv`): its codec id says
    /// HEVC and its frames are damaged. Converting them used to let swscale write past the end of an unpadded
    /// frame buffer, and the process aborted in a later allocation; frames now go through a padded buffer.
    @Test func damagedHEVCDecodesWithoutCorruptingMemory() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/damaged-hevc.mkv")
        for _ in 0..<3 {
            let reader = try VideoReader(url: url)
            var sizes: [Int] = []
            // allocations between frames are what met the corrupted heap
            try reader.forEachFrame { _, image in sizes.append([UInt8](repeating: 1, count: 10_000).count + image.samples.count); return true }
            #expect(!sizes.isEmpty)
        }
    }
}
