import Dataset
import FileSafety
import Foundation
import Geometry
import Media
import RealModule

/// The scores of one held-out view.
public struct ViewScore: Sendable, Equatable {
    /// The view's file stem.
    public var name: String
    /// PSNR of the render against the view, dB (RGB in [0, 1] over the background).
    public var psnr: Double
    /// SSIM (11×11 Gaussian window, σ 1.5).
    public var ssim: Double
}

/// The scores of a field on held-out views: the means and each view's.
public struct FieldScores: Sendable {
    /// Mean PSNR over the views, dB.
    public var psnr: Double
    /// Mean SSIM over the views.
    public var ssim: Double
    /// Each view's scores, in the split's order.
    public var perView: [ViewScore]
}

/// Evaluation of a field on held-out views, and the files it writes: each test view rendered (named after its
/// ground truth) with its z-depth, PSNR and SSIM per view in `eval.json`, and a novel-view orbit video.
public enum FieldEvaluation {
    public static func evaluate(trainer: Trainer, test: PosedImages, folder: URL, orbitFrames: Int, threads: Int) throws -> FieldScores {
        let fm = FileManager.default
        try fm.createDirectory(at: folder.appendingPathComponent("renders"), withIntermediateDirectories: true)
        try fm.createDirectory(at: folder.appendingPathComponent("depth"), withIntermediateDirectories: true)
        var perView: [ViewScore] = []
        var psnrSum = 0.0, ssimSum = 0.0
        for (i, view) in test.images.enumerated() {
            let image = trainer.grid.render(camera: view.camera, background: test.background, stepScale: trainer.settings.stepScale,
                                            occupancy: trainer.occupancy, blockSize: trainer.settings.occupancyBlock, threads: threads)
            let truth = test.colors(i)
            let psnr = ImageMetrics.psnr(image.color, truth), ssim = ImageMetrics.ssim(image.color, truth, width: image.width, height: image.height)
            psnrSum += psnr; ssimSum += ssim
            perView.append(ViewScore(name: view.name, psnr: psnr, ssim: ssim))
            try writeView(image, camera: view.camera, name: view.name, folder: folder)
        }
        let n = Double(test.images.count)
        let metrics = JSONOutput.object([
            ("psnr", .number(psnrSum / n)), ("ssim", .number(ssimSum / n)), ("views", .integer(test.images.count)),
            ("protocol", .string("RGB in [0, 1] composited on the background; SSIM with an 11x11 Gaussian window, sigma 1.5")),
            ("per_view", .array(perView.map { .object([("name", .string($0.name)), ("psnr", .number($0.psnr)), ("ssim", .number($0.ssim))]) })),
        ])
        try AtomicFile.write(Data((metrics.rendered() + "\n").utf8), to: folder.appendingPathComponent("eval.json"))
        try renderOrbitVideo(grid: trainer.grid, occupancy: trainer.occupancy, settings: trainer.settings, cameras: trainer.data.images.map(\.camera),
                             background: test.background, to: folder.appendingPathComponent("video.mp4"), frames: orbitFrames, threads: threads)
        return FieldScores(psnr: psnrSum / n, ssim: ssimSum / n, perView: perView)
    }

    /// Writes a rendered view as an 8-bit sRGB PNG (`renders/NAME.png`) and its z-depth as a 16-bit millimetre
    /// PNG (`depth/NAME.png`) under `folder`.
    public static func writeView(_ image: FieldImage, camera: Camera, name: String, folder: URL) throws {
        var rgb = Image8(width: image.width, height: image.height, channels: 3)
        for (i, c) in image.color.enumerated() {
            for k in 0..<3 { rgb.samples[3 * i + k] = Quantize.unit8(c[k]) }
        }
        try AtomicFile.write(to: folder.appendingPathComponent("renders/\(name).png")) { try PNG.write(rgb, to: $0) }
        // z-depth = ray depth · cos(angle to the optical axis); nothing where the field is mostly transparent
        var depth = Image16(width: image.width, height: image.height, channels: 1)
        let axis = camera.worldDirection(x: camera.cx, y: camera.cy)
        for y in 0..<image.height { for x in 0..<image.width {
            let i = y * image.width + x
            guard image.opacity[i] > 0.5 else { continue }
            let cosine = dot(camera.worldDirection(x: Double(x) + 0.5, y: Double(y) + 0.5), axis)
            let z = Double(image.rayDepth[i]) / Double(image.opacity[i]) * cosine
            depth.samples[i] = Quantize.clamp16(z * 1000)
        } }
        try AtomicFile.write(to: folder.appendingPathComponent("depth/\(name).png")) { try PNG.write(depth, to: $0) }
    }

    /// A ring of cameras around `center` at the given cameras' median distance and elevation.
    public static func orbitCameras(around cameras: [Camera], center: Vec3d, frames: Int) -> [Camera] {
        // a camera standing at the centre has no direction from it
        let offsets = cameras.map { $0.origin - center }.filter { length($0) > 1e-9 }
        guard !offsets.isEmpty else { return [] }
        let radii = offsets.map { length($0) }.sorted()
        let elevations = offsets.map { asin(max(-1, min(1, $0.z / length($0)))) }.sorted()
        let radius = radii[radii.count / 2], elevation = elevations[elevations.count / 2]
        let c = cameras[0]
        return (0..<frames).map { f in
            let azimuth = 2 * Double.pi * Double(f) / Double(frames)
            let eye = center + radius * Vec3d(cos(elevation) * cos(azimuth), cos(elevation) * sin(azimuth), sin(elevation))
            return Camera(width: c.width, height: c.height, fx: c.fx, fy: c.fy, cx: c.cx, cy: c.cy, cameraToWorld: Camera.lookAt(eye: eye, target: center))
        }
    }

    /// An MP4 orbit of the field around its box's centre.
    public static func renderOrbitVideo(grid: RadianceGrid<Float>, occupancy: [UInt8]?, settings: TrainingSettings, cameras: [Camera], background: Vec3,
                                        to url: URL, frames: Int, threads: Int) throws {
        let center = (grid.lower + grid.upper) / 2
        let path = orbitCameras(around: cameras, center: center, frames: frames)
        guard !path.isEmpty else { return }
        try AtomicFile.write(to: url) { tmp in
            let video = try VideoWriter(url: tmp, width: path[0].width, height: path[0].height, frameRate: 24)
            for camera in path {
                let image = grid.render(camera: camera, background: background, stepScale: settings.stepScale, occupancy: occupancy,
                                        blockSize: settings.occupancyBlock, threads: threads)
                try video.append(rgb: image.color.flatMap { c in (0..<3).map { Quantize.unit8(c[$0]) } })
            }
            try video.finish()
        }
    }
}
