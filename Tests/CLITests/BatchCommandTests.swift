import Foundation
import Testing
import TestSupport

/// The test recipe copied into a temporary folder.
func writeCheckRecipe(_ folder: TemporaryFolder) throws -> URL {
    let text = try String(contentsOf: repositoryRoot().appendingPathComponent("Tests/PipelineTests/Fixtures/check.recipe.json"), encoding: .utf8)
    return folder.write(text, to: "check.recipe.json")
}

@Suite struct BatchCommandTests {
    @Test func expandPrintsASceneThatGenerateTurnsIntoTheBatchsFolder() throws {
        let folder = TemporaryFolder()
        let recipe = try writeCheckRecipe(folder)
        let expand = try runProcess(orbitExecutable(), ["recipe", "expand", recipe.path, "--index", "2"])
        #expect(expand.status == 0 && expand.stderr.isEmpty)
        let scene = folder.write(expand.stdout, to: "check-000002.json")
        let generate = try runProcess(orbitExecutable(), ["generate", scene.path, "--out", folder.path("alone").path, "--quiet"])
        #expect(generate.status == 0)
        let batch = try runProcess(orbitExecutable(), ["batch", recipe.path, "--out", folder.path("b").path, "--shard", "2/6", "--quiet"])
        #expect(batch.status == 0)
        #expect(batch.stdout.hasPrefix("orbit: shard 2/6: 1 scenes made, 0 failed, 0 already there in "))
        for file in ["metadata.json", "transforms.json", "video.mp4", "images/frame_00003.png", "depth/frame_00003.png", "ground_truth.ply"] {
            #expect(try Data(contentsOf: folder.path("alone/\(file)")) == Data(contentsOf: folder.path("b/scenes/000002/\(file)")), "\(file)")
        }
        #expect(try String(contentsOf: folder.path("b/scenes/000002/scene.json"), encoding: .utf8) == expand.stdout)

        // --out writes the file, and refuses to replace it
        let out = folder.path("s.json")
        #expect(try runProcess(orbitExecutable(), ["recipe", "expand", recipe.path, "--index", "2", "--out", out.path]).status == 0)
        #expect(try String(contentsOf: out, encoding: .utf8) == expand.stdout)
        let again = try runProcess(orbitExecutable(), ["recipe", "expand", recipe.path, "--index", "2", "--out", out.path])
        #expect(again.status == 1 && again.stderr == "orbit: error: \(out.path): already exists; pass --overwrite to replace it\n")
    }

    @Test func statusExitsNonZeroWhileScenesAreMissing() throws {
        let folder = TemporaryFolder()
        let recipe = try writeCheckRecipe(folder)
        let out = folder.path("b").path
        #expect(try runProcess(orbitExecutable(), ["batch", recipe.path, "--out", out, "--shard", "0/2", "--quiet"]).status == 0)
        let partial = try runProcess(orbitExecutable(), ["batch", "status", out])
        #expect(partial.status == 1)
        #expect(partial.stdout == "\(out): 6 scenes: 3 done, 0 failed, 3 missing\n  missing: 000001, 000003, 000005\n")
        #expect(partial.stderr == "orbit: error: \(out): 3 of 6 scenes missing; run orbit batch again to make them\n")
        // the Slurm variables pick the task: task 1 of 2 makes the rest
        let task = try runProcess("/usr/bin/env", ["SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=2", orbitExecutable(), "batch", recipe.path, "--out", out, "--quiet"])
        #expect(task.status == 0 && task.stdout.hasPrefix("orbit: shard 1/2: 3 scenes made"))
        let complete = try runProcess(orbitExecutable(), ["batch", "status", out])
        #expect(complete.status == 0 && complete.stdout == "\(out): 6 scenes: 6 done, 0 failed, 0 missing\n")
        let rerun = try runProcess(orbitExecutable(), ["batch", recipe.path, "--out", out, "--quiet"])
        #expect(rerun.stdout.hasPrefix("orbit: all scenes: 0 scenes made, 0 failed, 6 already there"))
    }

    @Test func submitDryRunPrintsTheArrayScript() throws {
        let folder = TemporaryFolder()
        let recipe = try writeCheckRecipe(folder)
        let out = folder.path("b").path
        let dry = try runProcess(orbitExecutable(), ["batch", "submit", recipe.path, "--out", out, "--slurm", "--dry-run", "--scenes-per-task", "4",
                                                     "--array-limit", "3", "--partition", "cpu", "--time", "1:00:00"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("\n#SBATCH --array=0-1%3\n") && dry.stdout.contains("\n#SBATCH --partition=cpu\n") && dry.stdout.contains("\n#SBATCH --time=1:00:00\n"))
        #expect(dry.stdout.contains(" batch \(recipe.path) --out \(out) --scenes-per-task 4 --threads "))
        #expect(!FileManager.default.fileExists(atPath: out))
        let tooMany = try runProcess(orbitExecutable(), ["batch", "submit", recipe.path, "--out", out, "--slurm", "--dry-run", "--max-array-size", "4"])
        #expect(tooMany.status == 0 && tooMany.stdout.contains("\n#SBATCH --array=0-2\n"))
        let over = try runProcess(orbitExecutable(), ["batch", "submit", recipe.path, "--out", out, "--slurm", "--scenes-per-task", "1", "--max-array-size", "4"])
        #expect(over.status == 1 && over.stderr == "orbit: error: --scenes-per-task 1 makes 6 array tasks, more than --max-array-size 4; give at least 2\n")
    }

    @Test func badArgumentsAndRecipesAreOneLine() throws {
        let folder = TemporaryFolder()
        let recipe = try writeCheckRecipe(folder)
        let out = folder.path("b").path
        let shard = try runProcess(orbitExecutable(), ["batch", recipe.path, "--out", out, "--shard", "6/6"])
        #expect(shard.status == 1 && shard.stderr == "orbit: error: shard \"6/6\": expected K/N with 0 ≤ K < N (e.g. 3/16)\n")
        let index = try runProcess(orbitExecutable(), ["recipe", "expand", recipe.path, "--index", "6"])
        #expect(index.status == 1 && index.stderr == "orbit: error: --index: expected 0...5 (the recipe has 6 scenes), got 6\n")
        let bad = folder.write(#"{"recipe": 1, "count": 3, "objects": {"pool": [{"type": "box", "size": -1}]}}"#, to: "bad.recipe.json")
        let expand = try runProcess(orbitExecutable(), ["batch", bad.path, "--out", out])
        #expect(expand.status == 1 && expand.stderr == "orbit: error: \(bad.path): objects.pool[0].size: expected a number in 0.0001...10000, got -1\n")
        #expect(!FileManager.default.fileExists(atPath: out))
        let noSlurm = try runProcess(orbitExecutable(), ["batch", "submit", recipe.path, "--out", out])
        #expect(noSlurm.status == 1 && noSlurm.stderr.hasPrefix("orbit: error: --slurm: say which cluster engine"))
        let notBatch = try runProcess(orbitExecutable(), ["batch", "status", folder.url.path])
        #expect(notBatch.status == 1 && notBatch.stderr == "orbit: error: \(folder.url.path): not empty and not a batch folder (no batch.json); choose another output folder\n")
        let check = try runProcess(orbitExecutable(), ["recipe", "check", recipe.path, "--scenes", "3"])
        #expect(check.status == 0 && check.stdout.hasPrefix("\(recipe.path): ok (6 scenes; the first 3 expanded and checked: "))
    }
}
