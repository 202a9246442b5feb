import Dataset
import Capture
import Foundation
import Geometry
import Ingest
import Reconstruction
import SceneFormat

/// Pose recovery from video: generate the 60-frame 400×400 orbit of scenes/video-orbit.json, recover its cameras
/// with COLMAP through `VideoDataset`, compare them with the true ones, and train on both.
enum VideoBench {
    static func run(frames: Int, seconds: Double) throws {
        let scene = try SceneLoader.load(path: "scenes/video-orbit.json")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-bench-video-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        let clip = work.appendingPathComponent("clip")
        _ = try Generator(scene: scene).run(output: clip, overwrite: true)
        let video = clip.appendingPathComponent("video.mp4")

        var settings = VideoSettings()
        settings.frames = frames
        let recovered = work.appendingPathComponent("recovered")
        let summary = try VideoDataset.process(video: video, output: recovered, overwrite: true, settings: settings)
        settings.poses = clip.appendingPathComponent("transforms.json")
        let truth = work.appendingPathComponent("true")
        _ = try VideoDataset.process(video: video, output: truth, overwrite: true, settings: settings)

        // camera errors after the best similarity between recovered and true camera centres
        let e = CameraErrors(recovered: try cameras(recovered), truth: try cameras(truth))
        let (meanAngle, maxAngle, meanPosition, maxPosition) = (e.meanAngle, e.maxAngle, e.meanPosition, e.maxPosition)
        let radius = 3.2
        let psnrRecovered = try heldOut(recovered, seconds: seconds), psnrTrue = try heldOut(truth, seconds: seconds)
        print("| clip | frames | COLMAP s | registered | rotation error mean / max ° | position error mean / max (% of radius) | held-out PSNR, recovered poses | held-out PSNR, true poses |")
        print("|---|---|---|---|---|---|---|---|")
        print(String(format: "| video-orbit, %dx%d H.264 | %d | %.1f | %d / %d (%.0f%%) | %.3f / %.3f | %.3f / %.3f | %.2f dB | %.2f dB |",
                     scene.camera.width, scene.camera.height, frames, summary.seconds, summary.registered.count, summary.selected.count,
                     100 * Double(summary.registered.count) / Double(summary.selected.count), meanAngle, maxAngle,
                     100 * meanPosition / radius, 100 * maxPosition / radius, psnrRecovered, psnrTrue))
        print("  poses: \(summary.poseSource); training \(Int(seconds)) s each on 7 of every 8 frames, PSNR on the 8th")
    }

    static func cameras(_ folder: URL) throws -> [Int: Matrix4] {
        let document = try TransformsDocument.read(folder.appendingPathComponent("transforms.json"))
        var out: [Int: Matrix4] = [:]
        for frame in document.frames {
            guard let name = frame.filePath, let index = Int(name.split(separator: "_").last!.split(separator: ".").first!) else { continue }
            out[index] = frame.pose
        }
        return out
    }

    static func heldOut(_ folder: URL, seconds: Double) throws -> Double {
        let reader = DatasetReader(folder: folder)
        let train = try reader.read(.train), test = try reader.read(.test)
        let trainer = Trainer(data: train, bounds: estimateBounds(train.images.map(\.camera)), settings: TrainingSettings(),
                              threads: ProcessInfo.processInfo.activeProcessorCount)
        let start = DispatchTime.now().uptimeNanoseconds
        while Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < seconds { trainer.step() }
        var psnr = 0.0
        for (i, view) in test.images.enumerated() {
            let image = trainer.grid.render(camera: view.camera, background: test.background, stepScale: trainer.settings.stepScale,
                                            occupancy: trainer.occupancy, blockSize: trainer.settings.occupancyBlock,
                                            threads: ProcessInfo.processInfo.activeProcessorCount)
            psnr += ImageMetrics.psnr(image.color, test.colors(i)) / Double(test.images.count)
        }
        return psnr
    }
}
