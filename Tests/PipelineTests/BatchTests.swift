import Capture
import FileSafety
import Foundation
import Pipeline
import SceneFormat
import Testing
import TestSupport

/// The test recipe (6 small frozen worlds), copied into `folder` so that it may be edited there.
func checkRecipe(in folder: TemporaryFolder, edit: (String) -> String = { $0 }) throws -> Recipe {
    let text = try String(contentsOf: repositoryRoot().appendingPathComponent("Tests/PipelineTests/Fixtures/check.recipe.json"), encoding: .utf8)
    return try RecipeLoader.load(path: folder.write(edit(text), to: "check.recipe.json").path)
}

/// Every file under `folder` (relative path → bytes), done.json with its seconds removed.
func contents(_ folder: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])!
    for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
        var data = try Data(contentsOf: url)
        if ["done.json", "failed.json", "index.jsonl"].contains(url.lastPathComponent) { data = withoutSeconds(data) }
        out[String(url.path.dropFirst(folder.path.count))] = data
    }
    return out
}

func withoutSeconds(_ data: Data) -> Data {
    Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: #","seconds":[0-9.e+-]+"#, with: "", options: .regularExpression).utf8)
}

@Suite struct BatchTaskTests {
    @Test func shardsPartitionTheFamily() throws {
        for n in [1, 2, 3, 7] {
            let parts = (0..<n).map { BatchTask.shard(index: $0, count: n).indices(of: 20) }
            #expect(parts.flatMap { $0 }.sorted() == Array(0..<20))
            #expect(Set(parts.flatMap { $0 }).count == 20)
        }
        #expect(BatchTask.shard(index: 2, count: 5).indices(of: 13) == [2, 7, 12])
        #expect(BatchTask.block(index: 3, size: 4).indices(of: 14) == [12, 13])
        #expect(BatchTask.block(index: 4, size: 4).indices(of: 14) == [])
        #expect(BatchTask.block(index: Int.max / 2, size: 4).indices(of: 14) == [])
        #expect(try BatchTask.shard("3/16") == .shard(index: 3, count: 16))
        for bad in ["16/16", "-1/4", "1/0", "a/b", "3", "1/2/3"] {
            #expect(throws: BatchError.self) { try BatchTask.shard(bad) }
        }
    }

    @Test func arrayTasksComeFromTheSchedulersEnvironment() throws {
        #expect(try BatchTask.fromEnvironment([:], scenesPerTask: nil) == nil)
        #expect(try BatchTask.fromEnvironment(["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "10"], scenesPerTask: nil) == .shard(index: 4, count: 10))
        // an array 5-14: index from its minimum
        #expect(try BatchTask.fromEnvironment(["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_MAX": "14"], scenesPerTask: nil)
            == .shard(index: 2, count: 10))
        #expect(try BatchTask.fromEnvironment(["SLURM_ARRAY_TASK_ID": "7"], scenesPerTask: 25) == .block(index: 7, size: 25))
        #expect(try BatchTask.fromEnvironment(["JOB_COMPLETION_INDEX": "3", "ORBIT_TASK_COUNT": "8"], scenesPerTask: nil) == .shard(index: 3, count: 8))
        #expect(try BatchTask.fromEnvironment(["JOB_COMPLETION_INDEX": "3"], scenesPerTask: 10) == .block(index: 3, size: 10))
        #expect(throws: BatchError(.missingTaskCount)) { try BatchTask.fromEnvironment(["JOB_COMPLETION_INDEX": "3"], scenesPerTask: nil) }
        #expect(throws: BatchError(.scenesPerTaskWithoutArray)) { try BatchTask.fromEnvironment([:], scenesPerTask: 10) }
        #expect(throws: BatchError.self) { try BatchTask.fromEnvironment(["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "2"], scenesPerTask: nil) }
        #expect(throws: BatchError.self) { try BatchTask.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "2"], scenesPerTask: nil) }
    }

    @Test func slurmScriptIsAThrottledArrayWithALogPerTask() {
        var job = SlurmSubmission(taskCommand: ["/opt/orbit/bin/orbit", "batch", "/data/my recipes/it's.recipe.json", "--out", "/data/out", "--scenes-per-task", "10", "--threads"],
                                  output: "/data/out", count: 10_000, scenesPerTask: SlurmSubmission.scenesPerTask(count: 10_000))
        job.threadsVariable = "SLURM_CPUS_PER_TASK"
        job.arrayLimit = 50
        job.partition = "cpu"
        job.cpusPerTask = 4
        #expect(job.scenesPerTask == 10 && job.tasks == 1000)
        let script = job.script()
        #expect(script.hasPrefix("#!/bin/bash\n"))
        #expect(script.contains("\n#SBATCH --array=0-999%50\n"))
        #expect(script.contains("\n#SBATCH --output=/data/out/slurm/logs/%A_%a.out\n"))
        #expect(script.contains("\n#SBATCH --partition=cpu\n#SBATCH") || script.contains("\n#SBATCH --partition=cpu\n"))
        #expect(script.contains("\n#SBATCH --cpus-per-task=4\n"))
        #expect(script.contains(#"exec /opt/orbit/bin/orbit batch '/data/my recipes/it'\''s.recipe.json' --out /data/out --scenes-per-task 10 --threads "${SLURM_CPUS_PER_TASK:-1}""#))
        #expect(SlurmSubmission.scenesPerTask(count: 1001) == 1 && SlurmSubmission.scenesPerTask(count: 1002) == 2)
        #expect(!SlurmSubmission.isPlainName("cpu\n#SBATCH --x") && SlurmSubmission.isPlainName("gpu-a100"))
    }
}

@Suite struct BatchRunTests {
    @Test func shardsAndOneProcessMakeTheSameFolders() throws {
        let folder = TemporaryFolder()
        let recipe = try checkRecipe(in: folder)
        var whole = BatchRun(recipe: recipe, output: folder.path("whole"))
        whole.threads = 2
        let summary = try whole.run()
        #expect(summary.made == 6 && summary.failed == 0 && summary.skipped == 0)
        #expect(summary.generateSeconds <= summary.seconds)
        for k in 0..<3 {
            var shard = BatchRun(recipe: recipe, output: folder.path("sharded"))
            shard.task = .shard(index: k, count: 3)
            shard.threads = 1
            #expect(try shard.run().made == 2)
        }
        let a = try contents(folder.path("whole")), b = try contents(folder.path("sharded"))
        #expect(a.keys.sorted() == b.keys.sorted())
        #expect(a.keys.filter { $0.hasSuffix("/images/frame_00007.png") }.count == 6)
        for key in a.keys { #expect(a[key] == b[key], "\(key) differs") }
        // the index: one line per scene, in order, with the marker's fields
        let lines = try String(contentsOf: folder.path("whole/index.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(first["id"] as? String == "000000" && first["status"] as? String == "done" && first["frames"] as? Int == 8)
        #expect((first["hash"] as? String)?.hasPrefix("fnv1a64:") == true && first["seconds"] is Double)
    }

    @Test func theSceneFileAloneGeneratesTheBatchsFolder() throws {
        let folder = TemporaryFolder()
        let recipe = try checkRecipe(in: folder)
        var batch = BatchRun(recipe: recipe, output: folder.path("b"))
        batch.task = .shard(index: 4, count: 6)
        _ = try batch.run()
        let expanded = try recipe.scene(at: 4)
        let file = folder.write(String(decoding: expanded.data, as: UTF8.self), to: expanded.fileName)
        #expect(try Data(contentsOf: folder.path("b/scenes/000004/scene.json")) == expanded.data)
        _ = try Generator(scene: SceneLoader.load(path: file.path)).run(output: folder.path("alone"), overwrite: false)
        var inBatch = try contents(folder.path("b/scenes/000004"))
        #expect(inBatch.removeValue(forKey: "/done.json") != nil && inBatch.removeValue(forKey: "/scene.json") != nil)
        #expect(try contents(folder.path("alone")) == inBatch)
    }

    @Test func aRerunSkipsCompleteScenesAndRemakesBrokenOnes() throws {
        let folder = TemporaryFolder()
        let recipe = try checkRecipe(in: folder)
        let output = folder.path("b")
        _ = try BatchRun(recipe: recipe, output: output).run()
        let before = try contents(output)
        let again = try BatchRun(recipe: recipe, output: output).run()
        #expect(again.made == 0 && again.skipped == 6)
        // a killed run: one scene folder without its marker, one damaged marker, a staging folder left behind
        let scenes = output.appendingPathComponent("scenes")
        try FileManager.default.removeItem(at: scenes.appendingPathComponent("000001/done.json"))
        try Data("{\"status\": \"do".utf8).write(to: scenes.appendingPathComponent("000003/done.json"))
        try FileManager.default.createDirectory(at: scenes.appendingPathComponent(".000005.partial-1-0000abcd/images"), withIntermediateDirectories: true)
        try FileManager.default.removeItem(at: output.appendingPathComponent("index.jsonl"))
        let status = try BatchFolder(output).status()
        #expect(status.done.count == 4 && status.missing == [1, 3] && status.damaged == 2)
        let resumed = try BatchRun(recipe: recipe, output: output).run()
        #expect(resumed.made == 2 && resumed.skipped == 4)
        #expect(try contents(output) == before)
    }

    @Test func failuresAreRecordedAndTheBatchGoesOn() throws {
        let folder = TemporaryFolder()
        // up to four objects in a region with room for about two: some scenes cannot be placed
        let recipe = try checkRecipe(in: folder) {
            $0.replacingOccurrences(of: #""region": {"min": [-0.8, -0.8, 0], "max": [0.8, 0.8, 0]}"#, with: #""region": {"min": [-0.2, -0.2, 0], "max": [0.2, 0.2, 0]}"#)
        }
        let output = folder.path("b")
        let summary = try BatchRun(recipe: recipe, output: output).run()
        #expect(summary.failed > 0 && summary.made > 0 && summary.made + summary.failed == 6)
        let status = try BatchFolder(output).status()
        #expect(status.failed.count == summary.failed && status.missing.isEmpty)
        for f in status.failed {
            #expect(f.error.hasPrefix("\(recipe.file): objects.region: scene \(f.index): no room for object"))
            let id = recipe.sceneID(f.index)
            // the scene could not be drawn, so its folder holds the failure alone
            let files = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("scenes/\(id)").path)
            #expect(files == ["failed.json"])
        }
        #expect(try BatchRun(recipe: recipe, output: output).run().skipped == 6)
        var retry = BatchRun(recipe: recipe, output: output)
        retry.retryFailed = true
        let retried = try retry.run()
        #expect(retried.failed == summary.failed && retried.skipped == summary.made)
    }

    @Test func aWorldWhoseInvariantsFailIsRecorded() throws {
        // thrown at 100 m/s for half a second: every object leaves the world bounds
        let folder = TemporaryFolder()
        let recipe = try checkRecipe(in: folder) {
            $0.replacingOccurrences(of: #""world": {"type": "frozen", "duration": 3, "drop_height": [0.02, 0.2]}"#,
                                    with: #""world": {"type": "live", "duration": 0.5, "throw_speed": 100}"#)
              .replacingOccurrences(of: #""count": 6"#, with: #""count": 2"#)
        }
        let summary = try BatchRun(recipe: recipe, output: folder.path("b")).run()
        #expect(summary.failed == 2 && summary.made == 0)
        for f in summary.failures {
            #expect(f.error.hasPrefix("world invariant violated: ") && f.error.contains("world_bounds: object "))
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path("b/scenes/\(f.id)").path).sorted()
            #expect(files == ["failed.json", "scene.json"])
        }
    }

    @Test func aFolderOfAnotherRecipeOrOfOtherFilesIsRefused() throws {
        let folder = TemporaryFolder()
        let recipe = try checkRecipe(in: folder)
        let output = folder.path("b")
        var one = BatchRun(recipe: recipe, output: output)
        one.task = .shard(index: 0, count: 6)
        _ = try one.run()
        let other = try RecipeLoader.load(path: folder.write(String(decoding: recipe.sourceBytes, as: UTF8.self)
            .replacingOccurrences(of: #""seed": 11"#, with: #""seed": 12"#), to: "other.recipe.json").path)
        #expect(throws: BatchError.self) { try BatchRun(recipe: other, output: output).run() }
        folder.write("mine", to: "busy/notes.txt")
        #expect(throws: BatchError(.notBatchFolder(folder.path("busy").standardizedFileURL.path))) {
            try BatchRun(recipe: recipe, output: folder.path("busy")).run()
        }
        #expect(try String(contentsOf: folder.path("busy/notes.txt"), encoding: .utf8) == "mine")
    }

    @Test func statusReadsMarkersOnly() throws {
        // 3000 scene folders holding only markers (no images to read): counted and indexed from the markers
        let folder = TemporaryFolder()
        let recipe = try checkRecipe(in: folder) { $0.replacingOccurrences(of: #""count": 6"#, with: #""count": 3000"#) }
        let batch = BatchFolder(folder.path("b"))
        try batch.prepare(recipe)
        for i in 0..<3000 where i % 10 != 9 {
            let id = recipe.sceneID(i)
            try FileManager.default.createDirectory(at: batch.scene(id), withIntermediateDirectories: true)
            let status = i % 10 == 8 ? #""status":"failed","error":"boom""# : #""status":"done""#
            try Data("{\"id\":\"\(id)\",\"index\":\(i),\(status),\"seconds\":1.5}\n".utf8).write(to: batch.scene(id).appendingPathComponent(i % 10 == 8 ? "failed.json" : "done.json"))
        }
        let status = try batch.status()
        #expect(status.done.count == 2400 && status.failed.count == 300 && status.missing.count == 300 && status.damaged == 0)
        #expect(status.failed.allSatisfy { $0.error == "boom" })
        let index = try String(contentsOf: batch.index, encoding: .utf8).split(separator: "\n")
        #expect(index.count == 2700 && index[0] == #"{"id":"000000","index":0,"status":"done","seconds":1.5}"#)
    }
}
