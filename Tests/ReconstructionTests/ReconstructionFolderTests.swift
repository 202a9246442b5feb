import Foundation
import Reconstruction
import Testing

/// reconstruction.json names its dataset so that the name still holds after a staged folder is moved into place.
@Suite struct ReconstructionFolderTests {
    @Test func datasetsBesideOrInsideAreRecordedRelatively() {
        let staging = URL(fileURLWithPath: "/work/.run.partial-1-abcdef01")
        let reconstruction = staging.appendingPathComponent("reconstruction")
        // orbit run and orbit consistency: the dataset beside the reconstruction
        #expect(ReconstructionFolder.recordedDataset(staging.appendingPathComponent("dataset"), reconstruction: reconstruction) == "../dataset")
        // a video processed inside the reconstruction
        #expect(ReconstructionFolder.recordedDataset(reconstruction.appendingPathComponent("dataset"), reconstruction: reconstruction) == "dataset")
        // the user's dataset elsewhere stays absolute
        #expect(ReconstructionFolder.recordedDataset(URL(fileURLWithPath: "/data/lego"), reconstruction: reconstruction) == "/data/lego")
        // after the move, relative names resolve against the reconstruction's new place
        let moved = URL(fileURLWithPath: "/work/run/reconstruction")
        #expect(ReconstructionFolder.dataset(recorded: "../dataset", reconstruction: moved).path == "/work/run/dataset")
        #expect(ReconstructionFolder.dataset(recorded: "/data/lego", reconstruction: moved).path == "/data/lego")
    }
}
