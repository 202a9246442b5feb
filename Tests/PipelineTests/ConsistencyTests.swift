import Capture
import Foundation
import Media
import Pipeline
import Testing
import TestSupport

/// The consistency protocol (`ConsistencyCheck`, what `orbit consistency` runs) on a clip of one world against
/// the same clip with every other frame taken from a different world: the inconsistent clip scores clearly lower.
@Suite(.tags(.slow), .disabled(if: TestRun.fast, "slow: ./scripts/test --fast leaves it out")) struct ConsistencyTests {
    func dataset(in folder: TemporaryFolder, name: String, sphereAt x: Double) throws -> URL {
        let json = #"""
        {"format": 1, "camera": {"width": 64, "height": 64, "fov_x_deg": 40}, "render": {"spp": 4, "max_bounces": 1},
         "rig": {"type": "orbit", "radius": 4, "elevations_deg": [10, 40], "frames": 16, "look_at": [0, 0, 0]},
         "background": {"type": "transparent"}, "lights": [{"type": "environment", "radiance": [1, 1, 1]}],
         "objects": [{"type": "sphere", "center": [\#(x), 0, 0], "radius": 0.7, "material": {"base_color_texture": "assets/blobs.png"}},
                     {"type": "box", "size": [0.5, 0.5, 0.5], "transform": {"translate": [0, 0.7, 0.3]}, "material": {"base_color_texture": "assets/blobs.png"}}]}
        """#
        let out = folder.path(name)
        _ = try Generator(scene: decodeScene(json, file: "\(name).json", folder: repositoryRoot().appendingPathComponent("scenes"))).run(output: out, overwrite: false)
        return out
    }

    func score(_ dataset: URL, folder: TemporaryFolder, name: String) throws -> Double {
        var settings = ConsistencySettings()
        settings.iterations = 500
        settings.trainSeconds = 600   // a bound that is never reached: the run is bounded by iterations
        settings.training.coarseResolution = 48
        settings.training.fineResolution = 64
        settings.training.raysPerBatch = 2048
        settings.threads = 2
        let out = folder.path(name)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let report = try ConsistencyCheck.measure(dataset: dataset, in: out, clip: dataset.path, settings: settings)
        #expect(report.perFrame.count == 16 && report.heldOutFrames == 16 && report.trainFrames == 16)
        // the report on disk says the same
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(ConsistencyCheck.report))) as! [String: Any]
        #expect((json["per_frame"] as! [[String: Any]]).count == 16 && abs((json["mean_psnr"] as? Double ?? 0) - report.meanPSNR) < 1e-6)
        return report.meanPSNR
    }

    @Test func aClipOfOneWorldScoresHigherThanAMixedOne() throws {
        let folder = TemporaryFolder()
        let consistent = try dataset(in: folder, name: "one", sphereAt: 0)
        let other = try dataset(in: folder, name: "other", sphereAt: 0.6)
        // the mixed clip: odd frames show the sphere moved
        let mixed = folder.path("mixed")
        try FileManager.default.copyItem(at: consistent, to: mixed)
        for k in stride(from: 1, to: 32, by: 2) {
            let name = String(format: "images/frame_%05d.png", k)
            try FileManager.default.removeItem(at: mixed.appendingPathComponent(name))
            try FileManager.default.copyItem(at: other.appendingPathComponent(name), to: mixed.appendingPathComponent(name))
        }
        let good = try score(consistent, folder: folder, name: "good"), bad = try score(mixed, folder: folder, name: "bad")
        #expect(good > bad + 3, "consistent \(good) dB, mixed \(bad) dB")
    }
}
