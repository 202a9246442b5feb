import ArgumentParser
import FileSafety
import Foundation
import Ingest

struct ProcessImages: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process-images",
        abstract: "Photographs (a folder of JPEG or PNG files) → a dataset folder: upright images and COLMAP camera poses.")

    @Argument(help: "Folder of photographs of one camera (JPEG or PNG; EXIF orientation applied; the EXIF focal length starts COLMAP's camera).")
    var folder: String

    @OptionGroup var output: OutputOptions

    @Option(help: "COLMAP matching: exhaustive (every pair, the default for photographs) or sequential (neighbours by file name).")
    var matching: VideoSettings.Matching = .exhaustive

    @Option(help: "COLMAP camera model shared by all photographs: simple-pinhole, simple-radial or opencv (distortion written to transforms.json and used by orbit reconstruct). Default simple-radial.")
    var cameraModel: VideoSettings.CameraModel = .simpleRadial

    @Option(help: "Longest side of the written images in pixels. Default: the photographs' size.")
    var maxSide: Int?

    @OptionGroup var runOptions: RunOptions
    @OptionGroup var safety: SafetyOptions

    func validate() throws {
        if let maxSide, maxSide < 16 || maxSide > 16384 { throw ValidationError("--max-side: expected 16...16384, got \(maxSide)") }
    }

    func run() throws {
        safety.apply()
        do { try OutputPolicy.check(output: output.out, inputs: [folder]) } catch { fail(error) }
        var settings = VideoSettings()
        settings.matching = matching
        settings.cameraModel = cameraModel
        settings.maxSide = maxSide
        settings.threads = runOptions.count
        let quiet = runOptions.quiet, terminal = isatty(STDERR_FILENO) != 0
        var lastStage = ""
        do {
            let summary = try ImageDataset.process(folder: URL(fileURLWithPath: folder), output: output.url, overwrite: output.overwrite,
                                                   settings: settings) { stage in
                guard !quiet else { return }
                if terminal { FileHandle.standardError.write(Data("\r\u{1B}[2Korbit: \(stage)".utf8)); return }
                let name = stage.components(separatedBy: " [").first ?? stage
                if name != lastStage { lastStage = name; FileHandle.standardError.write(Data("orbit: \(name)\n".utf8)) }
            }
            if !quiet {
                if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
                let prior = summary.focalPrior.map { String(format: "EXIF focal length %.1f px", $0) } ?? "no EXIF focal length"
                print(String(format: "orbit: %d of %d photographs registered (%@; %@); %dx%d; wrote %@ in %.1f s", summary.registered.count, summary.names.count,
                             summary.poseSource, prior, summary.width, summary.height, output.out, summary.seconds))
                if !summary.unregistered.isEmpty {
                    print("orbit: not registered (left out of transforms.json, listed in metadata.json): " + summary.unregistered.map { summary.names[$0] }.joined(separator: ", "))
                }
            }
        } catch {
            if !quiet && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            fail(error)
        }
    }
}
