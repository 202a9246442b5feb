import Capture
import Foundation
import Pipeline
import SceneFormat

/// Batch throughput: for each recipe, each of its first scenes generated alone (`Generator.run`, what `orbit
/// generate` does) and by a batch task, back to back on the same threads (alternating which goes first):
/// scenes per hour per core, the projected core-hours of 10 000 scenes, and the batch's overhead (its wall
/// time beyond the time inside `Generator.run`, and against the scenes generated alone). Then `orbit batch status` on a folder of
/// `statusFolders` scene folders holding their markers only.
enum BatchBench {
    static func run(recipes: [String], scenes: Int, threads: Int, statusFolders: Int) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("orbit-bench-batch-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        print("orbit-bench: \(scenes) scenes per recipe, \(threads) render threads (\(threads) cores)")
        print("| recipe | scenes | frames/scene | image | s/scene (batch) | scenes/h/core | core-h per 10 000 scenes | batch wall s | inside generate s | overhead in batch | scenes alone s | batch / alone |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for path in recipes {
            let recipe = try RecipeLoader.load(path: path)
            let n = min(scenes, recipe.count)
            var alone = 0.0, inBatch = 0.0, generating = 0.0, frames = 0
            // warm-up, not counted: the first scene a process renders pays for loading libraries and assets
            let warm = try recipe.scene(at: 0)
            _ = try Generator(scene: try warm.decoded(file: warm.fileName, recipe: recipe)).run(output: work.appendingPathComponent("warm-\(recipe.name)"), overwrite: true)
            for i in 0..<n {
                // back to back, alternating which goes first, so that drift on a shared machine falls on both
                func generateAlone() throws {
                    let expanded = try recipe.scene(at: i)
                    var generator = Generator(scene: try expanded.decoded(file: expanded.fileName, recipe: recipe))
                    generator.threads = threads
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let summary = try generator.run(output: work.appendingPathComponent("alone-\(recipe.name)-\(i)"), overwrite: true)
                    alone += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                    frames += summary.frames
                }
                func generateInBatch() throws {
                    // one task per scene: each pays for preparing the folder and rebuilding the index
                    var batch = BatchRun(recipe: recipe, output: work.appendingPathComponent("batch-\(recipe.name)"))
                    batch.task = .block(index: i, size: 1)
                    batch.threads = threads
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let summary = try batch.run()
                    inBatch += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                    generating += summary.generateSeconds
                    guard summary.failed == 0 else { throw BenchError("\(path): scene \(i) failed: \(summary.failures.first!.error)") }
                }
                if i % 2 == 0 { try generateAlone(); try generateInBatch() } else { try generateInBatch(); try generateAlone() }
            }
            let perScene = inBatch / Double(n)
            let perHourPerCore = 3600 / (perScene * Double(threads))
            print(String(format: "| %@ | %d | %.0f | %dx%d, %d spp | %.2f | %.0f | %.1f | %.2f | %.2f | %.2f%% | %.2f | %.4f |",
                         recipe.name, n, Double(frames) / Double(n), recipe.image.width, recipe.image.height, recipe.image.samplesPerPixel,
                         perScene, perHourPerCore, 10_000 / perHourPerCore, inBatch, generating,
                         100 * (inBatch - generating) / generating, alone, inBatch / alone))
        }
        if statusFolders > 0 { try status(folders: statusFolders, work: work) }
    }

    /// `status` on a batch folder of `folders` scenes, each folder holding a done.json (and nothing to read besides).
    static func status(folders: Int, work: URL) throws {
        let folder = work.appendingPathComponent("status")
        let text = #"{"recipe": 1, "name": "many", "count": \#(folders), "objects": {"pool": [{"type": "sphere"}]}}"#
        let recipeFile = work.appendingPathComponent("many.recipe.json")
        try Data(text.utf8).write(to: recipeFile)
        let recipe = try RecipeLoader.load(path: recipeFile.path)
        let batch = BatchFolder(folder)
        try batch.prepare(recipe)
        for i in 0..<folders {
            let id = recipe.sceneID(i)
            try FileManager.default.createDirectory(at: batch.scene(id), withIntermediateDirectories: false)
            try Data(#"{"id":"\#(id)","index":\#(i),"seed":1,"hash":"fnv1a64:0123456789abcdef","frames":24,"objects":5,"status":"done","seconds":12.5}"#.utf8 + [10])
                .write(to: batch.scene(id).appendingPathComponent(BatchFolder.doneMarker))
        }
        func timed(_ rebuild: Bool) throws -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let status = try batch.status(rebuildIndex: rebuild)
            guard status.done.count == folders else { throw BenchError("status counted \(status.done.count) of \(folders)") }
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        let first = try timed(false), count = try timed(false), rebuild = try timed(true)
        print("")
        print("| orbit batch status | scene folders | seconds | µs per folder |")
        print("|---|---|---|---|")
        print(String(format: "| count only, first pass after writing them | %d | %.2f | %.0f |", folders, first, first / Double(folders) * 1e6))
        print(String(format: "| count only (--no-index) | %d | %.2f | %.0f |", folders, count, count / Double(folders) * 1e6))
        print(String(format: "| count and rebuild index.jsonl | %d | %.2f | %.0f |", folders, rebuild, rebuild / Double(folders) * 1e6))
    }
}
