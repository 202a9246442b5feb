import ArgumentParser
import FileSafety
import Foundation
import Ingest

struct ProcessVideo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process-video",
        abstract: "Turn a video into a dataset folder: sharp frames spread over the clip, camera poses from COLMAP (or --poses).")

    @Argument(help: "Video file (MP4, MOV, MKV, WebM; H.264, H.265, VP9, AV1, ...).")
    var video: String

    @OptionGroup var output: OutputOptions

    @OptionGroup var videoOptions: VideoOptions

    @Option(help: "COLMAP camera model shared by all frames: simple-pinhole, simple-radial or opencv (distortion written to transforms.json and used by orbit reconstruct). Default simple-radial: one radial term, near zero for an ideal lens.")
    var cameraModel: VideoSettings.CameraModel = .simpleRadial

    @Option(help: "Longest side of the written frames in pixels. Default: the video's size.")
    var maxSide: Int?

    @OptionGroup var runOptions: RunOptions

    @OptionGroup var safety: SafetyOptions

    func validate() throws {
        if let maxSide, maxSide < 16 || maxSide > 16384 { throw ValidationError("--max-side: expected 16...16384, got \(maxSide)") }
    }

    func run() throws {
        safety.apply()
        do { try OutputPolicy.check(output: output.out, inputs: [video] + (videoOptions.poses.map { [$0] } ?? [])) } catch { fail(error) }
        var settings = videoOptions.settings
        settings.maxSide = maxSide
        settings.cameraModel = cameraModel
        settings.threads = runOptions.count
        let quiet = runOptions.quiet
        let terminal = isatty(STDERR_FILENO) != 0
        var lastStage = ""
        do {
            let summary = try VideoDataset.process(video: URL(fileURLWithPath: video), output: output.url, overwrite: output.overwrite,
                                                   settings: settings) { stage in
                guard !quiet else { return }
                if terminal { FileHandle.standardError.write(Data("\r\u{1B}[2Korbit: \(stage)".utf8)); return }
                // in logs, one line per stage
                let name = stage.components(separatedBy: " [").first ?? stage
                if name != lastStage { lastStage = name; FileHandle.standardError.write(Data("orbit: \(name)\n".utf8)) }
            }
            if !quiet {
                if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
                print(String(format: "orbit: %d of %d frames registered (%@); %d decoded; wrote %@ in %.1f s", summary.registered.count, summary.selected.count,
                             summary.poseSource, summary.decodedFrames, output.out, summary.seconds))
                if !summary.unregistered.isEmpty {
                    print("orbit: not registered (left out of transforms.json, listed in metadata.json): frames " + summary.unregistered.map(String.init).joined(separator: ", "))
                }
            }
        } catch {
            if !quiet && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            fail(error)
        }
    }
}
