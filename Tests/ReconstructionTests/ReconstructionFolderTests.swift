import Foundation
import Reconstruction
import Testing

/// reconstruction.json names its dataset so that the name still holds after a staged folder is moved into place.
@Suite struct ReconstructionFolderTests {
    @Test func datasetsBesideOrInsideAreRecordedRelatively() {
        let base = FileManager.default.temporaryDirectory
        let staging = base.appendingPathComponent(".run.partial-1-abcdef01")
        let reconstruction = staging.appendingPathComponent("reconstruction")
        // orbit run and orbit consistency: the dataset beside the reconstruction
        #expect(ReconstructionFolder.recordedDataset(staging.appendingPathComponent("dataset"), reconstruction: reconstruction) == "../dataset")
        // a video processed inside the reconstruction
        #expect(ReconstructionFolder.recordedDataset(reconstruction.appendingPathComponent("dataset"), reconstruction: reconstruction) == "dataset")
        // the user's dataset elsewhere stays absolute
        let elsewhere = base.appendingPathComponent("datasets/lego")
        #expect(ReconstructionFolder.recordedDataset(elsewhere, reconstruction: reconstruction) == elsewhere.standardizedFileURL.path)
        // after the move, relative names resolve against the reconstruction's new place
        let moved = base.appendingPathComponent("run/reconstruction")
        #expect(ReconstructionFolder.dataset(recorded: "../dataset", reconstruction: moved).path == base.appendingPathComponent("run/dataset").standardizedFileURL.path)
        #expect(ReconstructionFolder.dataset(recorded: elsewhere.path, reconstruction: moved).path == elsewhere.path)
    }
}
