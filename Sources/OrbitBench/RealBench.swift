import Dataset
import Foundation
import Geometry
import Ingest
import Reconstruction

/// Camera errors after the best similarity between recovered and true camera centres: rotation (degrees)
/// and position (in the units of the true cameras), mean and largest, over the names both have.
struct CameraErrors {
    var count = 0
    var meanAngle = 0.0, maxAngle = 0.0, meanPosition = 0.0, maxPosition = 0.0

    init<Key: Hashable & Comparable>(recovered r: [Key: Matrix4], truth t: [Key: Matrix4]) {
        let common = r.keys.filter { t[$0] != nil }.sorted()
        count = common.count
        func centre(_ m: Matrix4) -> Vec3d { Vec3d(m[0, 3], m[1, 3], m[2, 3]) }
        guard let fit = SimilarityTransform.fit(from: common.map { centre(r[$0]!) }, to: common.map { centre(t[$0]!) }) else { return }
        for k in common {
            let p = length(fit.apply(centre(r[k]!)) - centre(t[k]!))
            let a = fit.rotation.matrix * r[k]!, b = t[k]!
            var trace = 0.0
            for i in 0..<3 { for j in 0..<3 { trace += a[i, j] * b[i, j] } }
            let angle = acos(min(1, max(-1, (trace - 1) / 2))) * 180 / .pi
            meanAngle += angle / Double(common.count); maxAngle = max(maxAngle, angle)
            meanPosition += p / Double(common.count); maxPosition = max(maxPosition, p)
        }
    }
}

/// Real photographs with ground-truth cameras (fountain-P11): `orbit process-images` per COLMAP camera model,
/// its camera errors after the best similarity (positions in % of the cameras' distance to the point their
/// optical axes meet), then a field trained on the dataset's train split, held-out PSNR and SSIM over time.
enum RealBench {
    static func run(dataset: String, minutes: [Double], models: [VideoSettings.CameraModel]) throws {
        let folder = URL(fileURLWithPath: dataset)
        let document = try TransformsDocument.read(folder.appendingPathComponent("transforms.json"))
        var truth: [String: Matrix4] = [:]
        for frame in document.frames {
            guard let path = frame.filePath else { continue }
            truth[URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent] = frame.pose
        }
        let axes = truth.values.map { m in (origin: Vec3d(m[0, 3], m[1, 3], m[2, 3]), direction: -Vec3d(m[0, 2], m[1, 2], m[2, 2])) }
        let target = nearestPoint(toLines: axes) ?? .zero
        let distance = axes.map { length($0.origin - target) }.reduce(0, +) / Double(axes.count)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-bench-real-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: work) }
        print("orbit-bench: real \(dataset): \(truth.count) photographs, cameras \(String(format: "%.2f", distance)) from the point their axes meet")
        print("| camera model | registered | COLMAP s | focal px (true \(String(format: "%.1f", document.intrinsics.fx ?? 0))) | rotation error mean / max ° | position error mean / max (% of the distance) |")
        print("|---|---|---|---|---|---|")
        for model in models {
            var settings = VideoSettings()
            settings.matching = .exhaustive
            settings.cameraModel = model
            let out = work.appendingPathComponent(model.rawValue)
            let summary = try ImageDataset.process(folder: folder.appendingPathComponent("images"), output: out, overwrite: true, settings: settings)
            var recovered: [String: Matrix4] = [:], focal = 0.0
            for (name, camera) in try DatasetReader(folder: out).cameras(in: out.appendingPathComponent("transforms.json")) {
                guard let index = Int(name.dropFirst("frame_".count)), index < summary.names.count else { continue }
                recovered[URL(fileURLWithPath: summary.names[index]).deletingPathExtension().lastPathComponent] = camera.cameraToWorld
                focal = camera.fx
            }
            let e = CameraErrors(recovered: recovered, truth: truth)
            print(String(format: "| %@ | %d / %d | %.1f | %.1f | %.3f / %.3f | %.3f / %.3f |", model.rawValue, summary.registered.count, summary.names.count,
                         summary.seconds, focal, e.meanAngle, e.maxAngle, 100 * e.meanPosition / distance, 100 * e.maxPosition / distance))
        }
        print("")
        try ReconstructionBench.run(folder: dataset, checkpointsMinutes: minutes, testLimit: nil, settings: TrainingSettings())
    }
}
