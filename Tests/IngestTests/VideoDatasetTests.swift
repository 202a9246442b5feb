import Capture
import Dataset
import Foundation
import Geometry
import Ingest
import Media
import Reconstruction
import Testing
import Fixtures
import ReconstructionTestSupport
import TestSupport

/// Camera-to-world matrices of a transforms.json, by the number in each frame's file name.
func poses(_ transforms: URL) throws -> [Int: Matrix4] {
    let root = try JSONSerialization.jsonObject(with: Data(contentsOf: transforms)) as! [String: Any]
    var out: [Int: Matrix4] = [:]
    for frame in root["frames"] as! [[String: Any]] {
        let name = (frame["file_path"] as! String)
        let index = Int(name.split(separator: "_").last!.split(separator: ".").first!)!
        let rows = frame["transform_matrix"] as! [[Double]]
        out[index] = Matrix4(rows: rows)
    }
    return out
}

@Suite struct AlignmentTests {
    @Test func recoversAKnownSimilarity() throws {
        var rng = RandomStream(seed: 3)
        let a = (0..<20).map { _ in Vec3d(rng.nextDouble(), rng.nextDouble(), rng.nextDouble()) * 4 - 2 }
        let q = Quaternion(axis: Vec3d(1, 2, 3), angle: 2.1)
        let b = a.map { 0.37 * q.rotate($0) + Vec3d(5, -1, 2) }
        let fit = try #require(SimilarityTransform.fit(from: a, to: b))
        #expect(abs(fit.scale - 0.37) < 1e-12)
        for (x, y) in zip(a, b) { #expect(length(fit.apply(x) - y) < 1e-10) }
    }
}

@Suite(.serialized, .tags(.slow), .disabled(if: TestRun.fast, "slow: ./scripts/test --fast leaves it out")) struct VideoDatasetTests {
    @Test func colmapRecoversTheOrbitFromTheVideo() throws {
        let folder = TemporaryFolder()
        let clip = try orbitClip(in: folder)
        let out = folder.path("dataset")
        var settings = VideoSettings()
        settings.frames = 32
        let summary = try VideoDataset.process(video: clip.appendingPathComponent("video.mp4"), output: out, overwrite: false, settings: settings)
        #expect(summary.decodedFrames == 48 && summary.selected.count == 32 && !summary.partial)
        #expect(summary.registered.count >= 30, "registered \(summary.registered.count) of 32")
        for index in summary.selected {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(String(format: "images/frame_%05d.png", index)).path))
        }
        // align the recovered cameras to the true ones by a similarity, then compare every camera
        let truth = try poses(clip.appendingPathComponent("transforms.json")), recovered = try poses(out.appendingPathComponent("transforms.json"))
        let common = recovered.keys.sorted()
        func centre(_ m: Matrix4) -> Vec3d { Vec3d(m[0, 3], m[1, 3], m[2, 3]) }
        let fit = try #require(SimilarityTransform.fit(from: common.map { centre(recovered[$0]!) }, to: common.map { centre(truth[$0]!) }))
        let radius = 3.2
        var worstPosition = 0.0, worstAngle = 0.0
        for index in common {
            worstPosition = max(worstPosition, length(fit.apply(centre(recovered[index]!)) - centre(truth[index]!)))
            // camera orientation: the aligned rotation against the true one
            let r = fit.rotation.matrix * recovered[index]!, t = truth[index]!
            var trace = 0.0
            for i in 0..<3 { for j in 0..<3 { trace += r[i, j] * t[i, j] } }
            worstAngle = max(worstAngle, acos(min(1, max(-1, (trace - 1) / 2))) * 180 / .pi)
        }
        #expect(worstPosition <= 0.01 * radius, "largest position error \(worstPosition) m")
        #expect(worstAngle <= 1, "largest rotation error \(worstAngle)°")
        // Orbit's world: +Z up, the object in [−1, 1]³
        let up = common.map { Vec3d(recovered[$0]![0, 1], recovered[$0]![1, 1], recovered[$0]![2, 1]) }.reduce(.zero, +)
        #expect(normalize(up).z > 0.8)

        // COLMAP's own text model, given back with --poses, yields the same cameras without running COLMAP
        let model = try #require(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("colmap").path)
            .filter { $0.hasPrefix("text-") }.max { a, b in
                (try? COLMAPModel.read(folder: out.appendingPathComponent("colmap/\(a)")).images.count) ?? 0
                    < (try? COLMAPModel.read(folder: out.appendingPathComponent("colmap/\(b)")).images.count) ?? 0
            })
        var fromModel = settings
        fromModel.poses = out.appendingPathComponent("colmap/\(model)")
        let again = folder.path("from-model")
        _ = try VideoDataset.process(video: clip.appendingPathComponent("video.mp4"), output: again, overwrite: false, settings: fromModel)
        let repeated = try poses(again.appendingPathComponent("transforms.json"))
        #expect(repeated.keys.sorted() == common)
        for index in common {
            for r in 0..<3 { for c in 0..<4 { #expect(abs(repeated[index]![r, c] - recovered[index]![r, c]) < 1e-6) } }
        }

        // reconstruct with the recovered poses and with the true ones (the same frames and settings): the held-out
        // PSNR with recovered poses is within 1 dB of the truth's
        settings.poses = clip.appendingPathComponent("transforms.json")
        let trueOut = folder.path("true-poses")
        _ = try VideoDataset.process(video: clip.appendingPathComponent("video.mp4"), output: trueOut, overwrite: false, settings: settings)
        let recoveredPSNR = try heldOutPSNR(out), truePSNR = try heldOutPSNR(trueOut)
        #expect(recoveredPSNR >= truePSNR - 1, "held-out PSNR \(recoveredPSNR) dB with recovered poses, \(truePSNR) dB with true ones")
        #expect(truePSNR > 13)
    }

    func heldOutPSNR(_ folder: URL) throws -> Double {
        var settings = TrainingSettings()
        settings.coarseResolution = 64; settings.fineResolution = 96; settings.upsampleIteration = 400; settings.raysPerBatch = 2048
        return try ReconstructionTestSupport.heldOutPSNR(folder, settings: settings, iterations: 800)
    }

    @Test func knownPosesAreUsedAsGiven() throws {
        let folder = TemporaryFolder()
        let clip = try orbitClip(in: folder)
        var settings = VideoSettings()
        settings.frames = 12
        settings.poses = clip.appendingPathComponent("transforms.json")
        let out = folder.path("dataset")
        let summary = try VideoDataset.process(video: clip.appendingPathComponent("video.mp4"), output: out, overwrite: false, settings: settings)
        #expect(summary.registered == summary.selected && summary.selected.count == 12)
        let truth = try poses(clip.appendingPathComponent("transforms.json")), given = try poses(out.appendingPathComponent("transforms.json"))
        for (index, pose) in given { #expect(pose == truth[index]) }
    }

    @Test func reconstructTakesAVideo() throws {
        let folder = TemporaryFolder()
        let clip = try orbitClip(in: folder)
        let out = folder.path("field")
        let result = try runProcess(orbitExecutable(), ["reconstruct", clip.appendingPathComponent("video.mp4").path, "--out", out.path, "--frames", "16",
                                                        "--poses", clip.appendingPathComponent("transforms.json").path, "--iterations", "20",
                                                        "--coarse", "32", "--fine", "32", "--no-eval", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["dataset/transforms.json", "dataset/metadata.json", "checkpoint.orbitrf", "reconstruction.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("reconstruction.json"))) as! [String: Any]
        #expect(summary["train_views"] as? Int == 14)   // 16 frames, every 8th held out
    }

    @Test func runTakesAVideo() throws {
        let folder = TemporaryFolder()
        let clip = try orbitClip(in: folder)
        let out = folder.path("run")
        let result = try runProcess(orbitExecutable(), ["run", clip.appendingPathComponent("video.mp4").path, "--out", out.path, "--frames", "16",
                                                        "--poses", clip.appendingPathComponent("transforms.json").path, "--iterations", "60",
                                                        "--coarse", "32", "--fine", "32", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        for name in ["dataset/transforms.json", "reconstruction/eval/eval.json", "export/mesh.glb", "export/points.ply", "report.html", "run.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        // a video has no ground truth: no surface metrics, and the report links the clip itself
        let figures = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
        #expect(figures["test_psnr"] != nil && figures["chamfer_l1"] == nil)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("video.mp4") && !html.contains("ground_truth.ply"))
    }

    @Test func badInputIsAClearErrorAndKeepsNothing() throws {
        let folder = TemporaryFolder()
        let text = folder.write("not a video", to: "clip.mp4")
        var settings = VideoSettings()
        settings.poses = text   // never reached
        do {
            _ = try VideoDataset.process(video: text, output: folder.path("a"), overwrite: false, settings: settings)
            Issue.record("a text file was accepted as a video")
        } catch let error as MediaError {
            #expect(error.file == text.path, "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("a").path))

        // too few frames
        let writer = try VideoWriter(url: folder.path("short.mp4"), width: 32, height: 32, frameRate: 10)
        for k in 0..<5 { try writer.append(rgb: [UInt8](repeating: UInt8(40 * k), count: 32 * 32 * 3)) }
        try writer.finish()
        settings = VideoSettings()
        settings.frames = 8
        do {
            _ = try VideoDataset.process(video: folder.path("short.mp4"), output: folder.path("b"), overwrite: false, settings: settings)
            Issue.record("expected an error")
        } catch let error as IngestError {
            guard case let .fewerFrames(video, decoded, asked, _) = error.reason else { Issue.record("unexpected \(error)"); return }
            #expect(video.hasSuffix("short.mp4") && decoded == 5 && asked == 8)
            #expect("\(error)".hasSuffix("short.mp4: the clip has 5 frames, fewer than the 8 asked for; ask for 5 or fewer"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("b").path))
    }

    @Test func missingColmapNamesThePackage() throws {
        let folder = TemporaryFolder()
        let writer = try VideoWriter(url: folder.path("clip.mp4"), width: 32, height: 32, frameRate: 10)
        for k in 0..<5 { try writer.append(rgb: [UInt8](repeating: UInt8(40 * k), count: 32 * 32 * 3)) }
        try writer.finish()
        // a PATH without colmap
        let result = try runProcess("/usr/bin/env", ["PATH=/nonexistent", orbitExecutable(), "process-video", folder.path("clip.mp4").path,
                                                      "--out", folder.path("out").path, "--frames", "3"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("COLMAP is not installed") && result.stderr.contains("apt-get install colmap"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("out").path))
    }

    @Test func fewRegisteredFramesKeepAPartialResult() throws {
        let folder = TemporaryFolder()
        let clip = try orbitClip(in: folder)
        // a clip of 12 textured frames followed by 20 blank ones, which COLMAP cannot place
        let writer = try VideoWriter(url: folder.path("mixed.mp4"), width: 320, height: 320, frameRate: 24)
        for k in 0..<12 {
            guard case .eight(let rgba) = try PNG.read(clip.appendingPathComponent(String(format: "images/frame_%05d.png", k))) else {
                Issue.record("the clip's frames are not 8-bit PNGs"); return
            }
            var rgb: [UInt8] = []
            for i in 0..<(320 * 320) { rgb += [rgba.samples[4 * i], rgba.samples[4 * i + 1], rgba.samples[4 * i + 2]] }
            try writer.append(rgb: rgb)
        }
        for _ in 0..<20 { try writer.append(rgb: [UInt8](repeating: 128, count: 320 * 320 * 3)) }
        try writer.finish()
        var settings = VideoSettings()
        settings.frames = 32
        let out = folder.path("partial")
        do {
            _ = try VideoDataset.process(video: folder.path("mixed.mp4"), output: out, overwrite: false, settings: settings)
            Issue.record("expected a partial result")
        } catch {
            #expect("\(error)".contains("the partial result is kept in"))
        }
        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metadata.json"))) as! [String: Any]
        #expect(metadata["status"] as? String == "partial")
        let unregistered = (metadata["poses"] as! [String: Any])["unregistered_frames"] as! [Int]
        #expect(unregistered.count >= 20)
    }
}
