import ArgumentParser
import Foundation
import Ingest

/// The options of every command that takes a video (process-video, reconstruct, run, consistency).
struct VideoOptions: ParsableArguments {
    @Option(help: "Frames to take from a video, spread over it: the sharpest of each of N equal stretches. Default 60, or all of a shorter clip; a clip shorter than an explicit N is an error.")
    var frames: Int?

    @Option(help: "COLMAP matching: sequential (neighbours in time) or exhaustive (every pair). Default sequential for a video, exhaustive for photographs.")
    var matching: VideoSettings.Matching?

    @Option(help: "Known poses for a video instead of COLMAP: a transforms.json (frames matched by the number in their file names) or a COLMAP text model folder.")
    var poses: String?

    func validate() throws {
        if let frames, frames < 2 || frames > 10_000 { throw ValidationError("--frames: expected 2...10000, got \(frames)") }
    }

    var settings: VideoSettings {
        var s = VideoSettings()
        s.frames = frames ?? 60
        s.fewerAllowed = frames == nil
        s.matching = matching ?? .sequential
        s.poses = poses.map { URL(fileURLWithPath: $0) }
        return s
    }

    /// The settings for a folder of photographs: exhaustive matching unless asked otherwise (they have no order in time).
    var photoSettings: VideoSettings {
        var s = settings
        s.matching = matching ?? .exhaustive
        return s
    }

    /// Processes `video` into `output` as orbit process-video does, printing one line per stage unless quiet.
    func process(_ video: String, into output: URL, overwrite: Bool, quiet: Bool, settings: VideoSettings? = nil) throws -> VideoSummary {
        try VideoDataset.process(video: URL(fileURLWithPath: video), output: output, overwrite: overwrite, settings: settings ?? self.settings) { stage in
            if !quiet, !stage.contains("[") { FileHandle.standardError.write(Data("orbit: \(stage)\n".utf8)) }
        }
    }
}
