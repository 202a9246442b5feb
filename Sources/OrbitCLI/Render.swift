import ArgumentParser
import Capture
import Dataset
import FileSafety
import Foundation
import Geometry
import Ingest
import Media
import Reconstruction

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render views of a trained radiance field: an orbit video, or every camera of a transforms file.")

    @Argument(help: "Reconstruction folder (with checkpoint.orbitrf).")
    var reconstruction: String

    @OptionGroup var output: OutputOptions

    @Option(help: "Render the cameras of this transforms.json (nerfstudio / Orbit / NeRF-synthetic style) instead of an orbit.")
    var cameras: String?

    @Option(help: "Frames of the orbit video (without --cameras). Default 60.")
    var videoFrames = 60

    @Option(help: "Background colour behind the field, sRGB 0...1 as r,g,b. Default 1,1,1 (white).")
    var background = "1,1,1"

    @OptionGroup var runOptions: RunOptions

    @OptionGroup var safety: SafetyOptions

    func validate() throws {
        if videoFrames < 1 || videoFrames > 10_000 { throw ValidationError("--video-frames: expected 1...10000, got \(videoFrames)") }
        let parts = background.split(separator: ",").compactMap { Float($0) }
        guard parts.count == 3, parts.allSatisfy({ (0...1).contains($0) }) else {
            throw ValidationError("--background: expected r,g,b with each in 0...1, got \(background)")
        }
    }

    func run() throws {
        safety.apply()
        do {
            let threadCount = runOptions.count
            let parts = background.split(separator: ",").compactMap { Float($0) }
            let color = Vec3(parts[0], parts[1], parts[2])
            let destination = try OutputPolicy.check(output: output.out, inputs: [reconstruction] + (cameras.map { [$0] } ?? []))
            let checkpointURL = URL(fileURLWithPath: reconstruction).appendingPathComponent(ReconstructionFolder.checkpoint)
            let checkpoint = try Checkpoint.read(from: checkpointURL, optimizerState: false)
            // the cameras come first: a bad camera file fails before anything is written
            var views: [(name: String, camera: Camera)] = []
            if let cameras {
                let url = URL(fileURLWithPath: cameras)
                views = try DatasetReader(folder: url.deletingLastPathComponent()).cameras(in: url)
                let pixels = views.reduce(0) { $0 + $1.camera.width * $1.camera.height }
                try ResourceBudget.current.checkMemory(Checked.product([views.map { $0.camera.width * $0.camera.height }.max() ?? 0, 40]),
                                                      for: cameras, what: "rendering \(views.count) views (\(pixels) pixels)")
            }
            let folder = try StagedFolder(destination: destination, overwrite: output.overwrite)
            defer { folder.discard() }
            if !views.isEmpty {
                try folder.makeFolder("renders"); try folder.makeFolder("depth")
                for view in views {
                    let image = checkpoint.grid.render(camera: view.camera, background: color, stepScale: checkpoint.settings.stepScale,
                                                       occupancy: nil, blockSize: checkpoint.settings.occupancyBlock, threads: threadCount)
                    try FieldEvaluation.writeView(image, camera: view.camera, name: view.name, folder: folder.staging)
                }
            } else {
                let summaryURL = URL(fileURLWithPath: reconstruction).appendingPathComponent(ReconstructionFolder.summary)
                guard let dataset = try readJSON(summaryURL)["dataset"] as? String else {
                    throw DatasetError(file: summaryURL.path, message: "dataset: missing; render with --cameras FILE instead")
                }
                let train = try DatasetReader(folder: ReconstructionFolder.dataset(recorded: dataset, reconstruction: URL(fileURLWithPath: reconstruction)))
                    .read(.train)
                try FieldEvaluation.renderOrbitVideo(grid: checkpoint.grid, occupancy: nil, settings: checkpoint.settings, cameras: train.images.map(\.camera),
                                     background: color, to: folder.url("video.mp4"), frames: videoFrames, threads: threadCount)
            }
            try folder.commit()
        } catch { fail(error) }
    }
}

/// A JSON object file Orbit wrote (e.g. reconstruction.json), read strictly.
func readJSON(_ url: URL) throws -> [String: Any] {
    let tree: JSONTree
    do { tree = try StrictJSON.read(url) } catch let e as JSONSyntaxError {
        throw DatasetError(file: url.path, message: "malformed JSON at line \(e.line), column \(e.column): \(e.message)")
    }
    guard let object = tree.foundation as? [String: Any] else { throw DatasetError(file: url.path, message: "expected a JSON object") }
    return object
}
