import ArgumentParser
import Dataset
import FileSafety
import Foundation
import Ingest
import Reconstruction

struct Consistency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "How 3D-consistent is a clip? Fit a radiance field to half of its frames and measure the other half.",
        discussion: """
        Takes a video (frames and poses by orbit process-video, or --poses) or a dataset folder with poses. Every \
        other frame trains the field; the frames between are rendered from their cameras and compared with the \
        clip: PSNR and SSIM per held-out frame, and their means, in OUT/consistency.json. A clip of one real 3D \
        world scores like its reconstruction quality; frames that disagree with each other (objects that move, \
        change shape or flicker between views) score lower.
        """)

    @Argument(help: "Video file, or a dataset folder with transforms.json.")
    var clip: String

    @Option(name: .shortAndLong, help: "Output folder. Refused if not empty, unless --overwrite.")
    var out: String

    @OptionGroup var videoOptions: VideoOptions

    @Option(help: "Seconds of training. Default 120.")
    var trainSeconds = 120.0

    @Option(help: "Most training iterations. Default 20000.")
    var iterations = 20000

    @Flag(help: "Replace a non-empty output folder.")
    var overwrite = false

    @Flag(name: .shortAndLong, help: "Print nothing but the result and errors.")
    var quiet = false

    @OptionGroup var safety: SafetyOptions

    func validate() throws {
        if !(trainSeconds > 0 && trainSeconds.isFinite) { throw ValidationError("--train-seconds: expected a positive number of seconds, got \(trainSeconds)") }
        if iterations < 1 { throw ValidationError("--iterations: expected at least 1, got \(iterations)") }
    }

    func run() throws {
        safety.apply()
        do { try measure() } catch { fail(error) }
    }

    func measure() throws {
        let fm = FileManager.default
        let destination = try OutputPolicy.check(output: out, inputs: [clip] + (videoOptions.poses.map { [$0] } ?? []))
        let staged = try StagedFolder(destination: destination, overwrite: overwrite)
        defer { staged.discard() }
        let root = staged.staging
        var dataset = URL(fileURLWithPath: clip).standardizedFileURL
        if VideoDataset.isVideo(clip) {
            let processed = root.appendingPathComponent("dataset")
            _ = try videoOptions.process(clip, into: processed, overwrite: true, quiet: quiet)
            dataset = processed
        }
        // the halves: every other frame trains, the ones between are held out (file paths made absolute)
        let transformsURL = dataset.appendingPathComponent("transforms.json")
        // the clip's own paths obey the user's path policy; the halves file written here then names them absolutely
        _ = try DatasetReader(folder: dataset).hasFrames(in: .train)
        var transforms = try readJSON(transformsURL)
        guard var frameList = transforms["frames"] as? [[String: Any]], frameList.count >= 4 else {
            throw DatasetError(file: transformsURL.path, message: "expected a transforms.json with at least 4 frames")
        }
        for k in frameList.indices {
            guard let path = frameList[k]["file_path"] as? String else { continue }
            frameList[k]["file_path"] = path.hasPrefix("/") ? path : dataset.appendingPathComponent(path).path
        }
        let names = frameList.compactMap { $0["file_path"] as? String }
        transforms["frames"] = frameList
        transforms["train_filenames"] = names.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        transforms["test_filenames"] = names.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        transforms["val_filenames"] = transforms["test_filenames"]
        let halves = root.appendingPathComponent("halves")
        try fm.createDirectory(at: halves, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: transforms, options: [.prettyPrinted, .sortedKeys]).write(to: halves.appendingPathComponent("transforms.json"))

        let reconstruction = root.appendingPathComponent("reconstruction")
        let policy = PathPolicy.current
        PathPolicy.current.allowOutside = true
        defer { PathPolicy.current = policy }
        try Reconstruct.parse([halves.path, "--out", reconstruction.path, "--time-budget", "\(trainSeconds)", "--iterations", "\(iterations)"]
                              + (quiet ? ["--quiet"] : [])).train()
        let eval = try readJSON(reconstruction.appendingPathComponent("\(ReconstructionLayout.eval)/eval.json"))
        let perView = eval["per_view"] as? [[String: Any]] ?? []
        let psnr = eval["psnr"] as? Double ?? .nan, ssim = eval["ssim"] as? Double ?? .nan
        let report = JSONOutput.object([
            ("clip", .string(clip)), ("dataset", .string(dataset.path)),
            ("protocol", .string("even frames train a radiance field (orbit reconstruct, \(Int(trainSeconds)) s); odd frames are rendered from their cameras and compared")),
            ("train_frames", .integer((names.count + 1) / 2)), ("held_out_frames", .integer(names.count / 2)),
            ("mean_psnr", .number(psnr)), ("mean_ssim", .number(ssim)),
            ("per_frame", .array(perView.map { v in
                .object([("frame", .string(v["name"] as? String ?? "")), ("psnr", .number(v["psnr"] as? Double ?? .nan)),
                         ("ssim", .number(v["ssim"] as? Double ?? .nan))])
            })),
        ])
        try AtomicFile.write(Data((report.rendered() + "\n").utf8), to: root.appendingPathComponent("consistency.json"))
        try staged.commit()
        if !quiet {
            for v in perView {
                print(String(format: "  %@  PSNR %6.2f dB  SSIM %.4f", v["name"] as? String ?? "", v["psnr"] as? Double ?? .nan, v["ssim"] as? Double ?? .nan))
            }
        }
        print(String(format: "orbit: consistency of %@: PSNR %.2f dB, SSIM %.4f over %d held-out frames → %@", clip, psnr, ssim, perView.count,
                     URL(fileURLWithPath: out).appendingPathComponent("consistency.json").path))
    }
}
