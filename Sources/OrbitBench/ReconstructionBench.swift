import Dataset
import Foundation
import Geometry
import Reconstruction

/// Trains on a dataset's train split and evaluates on its test split at wall-clock checkpoints.
enum ReconstructionBench {
    static func run(folder: String, checkpointsMinutes: [Double], testLimit: Int?, settings: TrainingSettings) throws {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let reader = DatasetReader(folder: URL(fileURLWithPath: folder))
        let train = try reader.read(.train)
        var test = try reader.read(.test)
        if let testLimit { test.images = Array(test.images.prefix(testLimit)) }
        let bounds = estimateBounds(train.images.map(\.camera))
        print("orbit-bench: reconstruct \(folder): \(train.images.count) train views, \(test.images.count) test views, \(train.width)x\(train.height), bounds \(bounds.lower) ... \(bounds.upper)")
        let trainer = Trainer(data: train, bounds: bounds, settings: settings, threads: threads)
        var trained = 0.0
        var pending = checkpointsMinutes.sorted()
        print("| minutes | iterations | it/s | batch PSNR | test PSNR | test SSIM | occupied | peak MB |")
        print("|---|---|---|---|---|---|---|---|")
        var lastStats: IterationStats? = nil
        while let next = pending.first {
            let t0 = DispatchTime.now().uptimeNanoseconds
            lastStats = trainer.step()
            trained += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if trained >= next * 60 {
                pending.removeFirst()
                var psnr = 0.0, ssim = 0.0
                for view in test.images.indices {
                    let image = trainer.grid.render(camera: test.images[view].camera, background: test.background, stepScale: settings.stepScale,
                                                    occupancy: trainer.occupancy, blockSize: settings.occupancyBlock, threads: threads)
                    let truth = test.colors(view)
                    psnr += ImageMetrics.psnr(image.color, truth)
                    ssim += ImageMetrics.ssim(image.color, truth, width: image.width, height: image.height)
                }
                var usage = rusage()
                getrusage(RUSAGE_SELF.rawValue, &usage)
                print(String(format: "| %.0f | %d | %.1f | %.2f | %.2f | %.4f | %.3f | %.0f |", next, trainer.iteration, Double(trainer.iteration) / trained,
                             lastStats?.psnr ?? 0, psnr / Double(test.images.count), ssim / Double(test.images.count), trainer.occupiedFraction,
                             Double(usage.ru_maxrss) / 1024))
            }
        }
    }
}
