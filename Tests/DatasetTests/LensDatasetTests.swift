import Dataset
import Foundation
import Geometry
import Media
import Testing
import TestSupport

@Suite struct LensDatasetTests {
    /// A folder of two 24×18 images and a transforms.json whose file-wide fields end with `lens`.
    func folder(_ lens: String, frameLens: String = "") throws -> TemporaryFolder {
        let folder = TemporaryFolder()
        for i in 0..<2 { try PNG.write(testImage(width: 24, height: 18, index: i), to: folder.path("f\(i).png")) }
        folder.write(#"""
        {"fl_x": 18, "fl_y": 18, "cx": 12, "cy": 9, "w": 24, "h": 18\#(lens),
         "frames": [{"file_path": "f0.png", "transform_matrix": \#(poseA)\#(frameLens)}, {"file_path": "f1.png", "transform_matrix": \#(poseB)}],
         "train_filenames": ["f0.png", "f1.png"], "test_filenames": ["f1.png"]}
        """#, to: "transforms.json")
        return folder
    }

    func lenses(_ lens: String, frameLens: String = "") throws -> [LensDistortion] {
        let f = try folder(lens, frameLens: frameLens)
        return try withExtendedLifetime(f) { try DatasetReader(folder: f.url).read(.train).images.map(\.camera.distortion) }
    }

    func message(_ lens: String) -> String {
        do {
            let f = try folder(lens)
            return try withExtendedLifetime(f) { _ = try DatasetReader(folder: f.url).read(.train); return "no error" }
        } catch { return "\(error)" }
    }

    @Test func everyModelIsReadAsTheLensOfItsCameras() throws {
        #expect(try lenses(#", "camera_model": "OPENCV", "k1": 0.058, "k2": -0.081, "p1": 0.001, "p2": -0.002"#)
            == Array(repeating: .opencv(k1: 0.058, k2: -0.081, p1: 0.001, p2: -0.002), count: 2))
        // instant-ngp writes k1 … p2 without a model; zeros are an ideal pinhole (what Orbit's renders write)
        #expect(try lenses(#", "k1": 0.1, "k2": 0, "p1": 0, "p2": 0"#)[0] == .opencv(k1: 0.1, k2: 0, p1: 0, p2: 0))
        #expect(try lenses(#", "camera_model": "OPENCV", "k1": 0, "k2": 0, "p1": 0, "p2": 0"#)[0] == LensDistortion.none)
        #expect(try lenses(#", "camera_model": "SIMPLE_RADIAL", "k1": -0.1"#)[0] == .radial(k1: -0.1, k2: 0))
        #expect(try lenses(#", "camera_model": "RADIAL", "k1": -0.1, "k2": 0.02"#)[0] == .radial(k1: -0.1, k2: 0.02))
        #expect(try lenses(#", "camera_model": "OPENCV_FISHEYE", "k1": 0.05, "k2": 0.01, "k3": 0, "k4": 0"#)[0] == .fisheye(k1: 0.05, k2: 0.01, k3: 0, k4: 0))
        #expect(try lenses(#", "is_fisheye": true, "k1": 0.05"#)[0] == .fisheye(k1: 0.05, k2: 0, k3: 0, k4: 0))
        // a frame's own coefficients override the file's
        let own = try lenses(#", "camera_model": "OPENCV", "k1": 0.05"#, frameLens: #", "k1": 0.07"#)
        #expect(own == [.opencv(k1: 0.07, k2: 0, p1: 0, p2: 0), .opencv(k1: 0.05, k2: 0, p1: 0, p2: 0)])
    }

    @Test func lensesThatCannotBeUsedAreRefusedNamingTheField() throws {
        let file = "transforms.json"
        #expect(message(#", "camera_model": "FULL_OPENCV", "k1": 0.1"#).hasSuffix(#"\#(file): frames[0].camera_model: "FULL_OPENCV" is not a lens model Orbit reads (PINHOLE, SIMPLE_PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV, OPENCV_FISHEYE); undistort the images first (e.g. colmap image_undistorter)"#))
        #expect(message(#", "camera_model": "SIMPLE_RADIAL", "k1": 0.1, "p1": 0.01"#).hasSuffix("frames[0].p1: the SIMPLE_RADIAL model has no p1 (it is 0.01); remove it or name the model that has it in camera_model"))
        #expect(message(#", "camera_model": "OPENCV", "k1": 0.1, "k3": 0.01"#).hasSuffix("frames[0].k3: the OPENCV model has no k3 (it is 0.01); remove it or name the model that has it in camera_model"))
        #expect(message(#", "k1": 1e400"#).hasSuffix("k1: expected a distortion coefficient in -100...100, got inf") || message(#", "k1": 1e400"#).contains("beyond the range"))
        #expect(message(#", "k2": "big""#).hasSuffix("k2: expected a number"))
        // a strong barrel term folds the corners back over the image
        let fold = message(#", "camera_model": "OPENCV", "k1": -1.5"#)
        #expect(fold.contains("frames[0]: the OPENCV lens model cannot be inverted inside the 24x18 image (at pixel (") && fold.hasSuffix(")): it folds over there; check the distortion coefficients"))
    }

    @Test func orbitWritesTheLensAsNerfstudioReadsIt() throws {
        var camera = Camera(width: 40, height: 30, fovX: 1, cameraToWorld: .identity)
        camera.distortion = .opencv(k1: 0.02, k2: -0.01, p1: 0.001, p2: 0.002)
        let opencv = DatasetLayout.transforms(frames: [DatasetFrame(stem: "f", split: nil, camera: camera)], groundTruth: false).rendered()
        #expect(opencv.contains(#""camera_model": "OPENCV""#) && opencv.contains(#""k1": 0.02"#) && opencv.contains(#""p2": 0.002"#))
        camera.distortion = .fisheye(k1: 0.1, k2: 0.2, k3: 0.3, k4: 0.4)
        let fisheye = DatasetLayout.transforms(frames: [DatasetFrame(stem: "f", split: nil, camera: camera)], groundTruth: false).rendered()
        #expect(fisheye.contains(#""camera_model": "OPENCV_FISHEYE""#) && fisheye.contains(#""k4": 0.4"#) && !fisheye.contains("p1"))
    }
}
