import Capture
import Dataset
import Fixtures
import Foundation
import Geometry
import Media
import Reconstruction
import ReconstructionTestSupport
import SceneFormat
import Testing
import TestSupport

@Suite struct LensRenderTests {
    /// The renderer puts a sphere's outline where the lens model says: seen head-on from 2.2 m, a 0.8 m sphere's limb
    /// is at tan(asin(0.8 / 2.2)) in normalised coordinates, and the lens moves it to r (1 + k1 r² + k2 r⁴).
    @Test func theOutlineOfASphereFollowsTheLensModel() throws {
        for (k1, k2) in [(0.0, 0.0), (0.5, 0.1), (-0.2, 0.02)] {
            let folder = TemporaryFolder()
            let json = #"""
            {"format": 1, "camera": {"width": 128, "height": 128, "fov_x_deg": 70, "lens": {"model": "RADIAL", "k1": \#(k1), "k2": \#(k2)}},
             "render": {"spp": 16, "max_bounces": 0}, "rig": {"type": "orbit", "radius": 2.2, "frames": 1, "elevation_deg": 0},
             "background": {"type": "transparent"}, "lights": [{"type": "environment", "radiance": [1, 1, 1]}],
             "objects": [{"type": "sphere", "radius": 0.8}]}
            """#
            let scene = try SceneLoader.decode(Data(json.utf8), file: "lens.json", baseDirectory: folder.url)
            _ = try Generator(scene: scene).run(output: folder.path("clip"), overwrite: false)
            let mask = try PNG.read(folder.path("clip/masks/frame_00000.png")).as8
            let covered = mask.samples.reduce(0.0) { $0 + Double($1) / 255 }
            let measured = (covered / .pi).squareRoot()
            let fx = 64 / tan(35 * Double.pi / 180), r = tan(asin(0.8 / 2.2))
            let expected = fx * r * (1 + k1 * r * r + k2 * r * r * r * r)
            #expect(abs(measured - expected) < 0.1, "k1 \(k1): outline radius \(measured) px, the model says \(expected) px")
        }
    }
}

@Suite(.tags(.slow), .disabled(if: TestRun.fast, "slow: ./scripts/test --fast leaves it out")) struct LensClipTests {
    static let lens = #"{"model": "OPENCV", "k1": 0.5, "k2": 0.1, "p1": 0.003, "p2": -0.002}"#

    /// A clip rendered through a known OPENCV lens, its sphere off the cameras' target so that it crosses the image
    /// from view to view: trained with the lens its transforms.json names, it renders the held-out views better than
    /// read as an ideal pinhole (the coefficients removed), which puts every ray a few pixels off.
    @Test func aDistortedClipTrainsBetterWithItsLens() throws {
        let folder = TemporaryFolder()
        let distorted = try smallDataset(in: folder, lens: Self.lens, closer: 0.55, fov: 70, size: 128)
        let transforms = try String(contentsOf: distorted.appendingPathComponent("transforms.json"), encoding: .utf8)
        #expect(transforms.contains(#""camera_model": "OPENCV""#) && transforms.contains(#""k1": 0.5"#) && transforms.contains(#""p2": -0.002"#))
        #expect(try DatasetReader(folder: distorted).read(.train).images[0].camera.distortion == .opencv(k1: 0.5, k2: 0.1, p1: 0.003, p2: -0.002))

        let stripped = folder.path("stripped")
        try FileManager.default.copyItem(at: distorted, to: stripped)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: stripped.appendingPathComponent("transforms.json"))) as! [String: Any]
        for key in ["k1", "k2", "p1", "p2"] { json[key] = 0 }
        try JSONSerialization.data(withJSONObject: json).write(to: stripped.appendingPathComponent("transforms.json"))

        let withLens = try heldOutPSNR(distorted, settings: smallSettings(), iterations: 800)
        let withoutLens = try heldOutPSNR(stripped, settings: smallSettings(), iterations: 800)
        // measured: 25.30 dB against 24.50 dB
        #expect(withLens > withoutLens + 0.4, "lens modelled \(withLens) dB, ignored \(withoutLens) dB")
    }
}
