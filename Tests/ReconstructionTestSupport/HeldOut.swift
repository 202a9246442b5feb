import Dataset
import Foundation
import Geometry
import Reconstruction

/// Trains on a dataset folder's train split for `iterations` steps and returns the mean PSNR of its held-out views.
public func heldOutPSNR(_ folder: URL, settings: TrainingSettings, iterations: Int) throws -> Double {
    let reader = DatasetReader(folder: folder)
    let train = try reader.read(.train), test = try reader.read(.test)
    let trainer = Trainer(data: train, bounds: estimateBounds(train.images.map(\.camera)), settings: settings, threads: 2)
    for _ in 0..<iterations { trainer.step() }
    var psnr = 0.0
    for (i, view) in test.images.enumerated() {
        let image = trainer.grid.render(camera: view.camera, background: test.background, stepScale: 0.5, occupancy: trainer.occupancy,
                                        blockSize: trainer.settings.occupancyBlock, threads: 2)
        psnr += ImageMetrics.psnr(image.color, test.colors(i)) / Double(test.images.count)
    }
    return psnr
}
