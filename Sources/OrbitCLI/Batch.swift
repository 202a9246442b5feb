import ArgumentParser
import FileSafety
import Foundation
import Pipeline
import SceneFormat

/// `orbit batch`: every scene of a recipe into one folder, on a laptop or as a cluster's array job (docs/batch.md).
struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate every scene of a recipe into DIR/scenes/ID/ (resumable, shardable, Slurm and Kubernetes array jobs).",
        subcommands: [Make.self, Status.self, Submit.self],
        defaultSubcommand: Make.self)

    struct Make: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make",
            abstract: "Generate the scenes of a recipe (all, a shard, or this array task's) into a batch folder; complete scenes are skipped.",
            discussion: """
                With no --shard, an array task's index is read from SLURM_ARRAY_TASK_ID (with SLURM_ARRAY_TASK_COUNT, \
                or SLURM_ARRAY_TASK_MIN and MAX) or from Kubernetes' JOB_COMPLETION_INDEX (with ORBIT_TASK_COUNT, the \
                Job's completions); outside an array job every scene is made.
                """)

        @Argument(help: "Recipe file (JSON, recipe format 1).")
        var recipe: String

        @Option(name: .shortAndLong, help: "Batch folder: a new or empty folder, or one this recipe's batch made before (then it resumes).")
        var out: String

        @Option(help: "Make every N-th scene from K (K/N, 0 ≤ K < N), instead of reading an array task from the environment.")
        var shard: String?

        @Option(help: "With an array task index from the environment: make scenes K·M ..< (K+1)·M (arrays larger than Slurm's MaxArraySize).")
        var scenesPerTask: Int?

        @Flag(help: "Generate again the scenes recorded as failed.")
        var retryFailed = false

        @OptionGroup var runOptions: RunOptions
        @OptionGroup var safety: SafetyOptions

        func validate() throws {
            if let m = scenesPerTask, m < 1 { throw ValidationError("--scenes-per-task: expected at least 1, got \(m)") }
            if shard != nil, scenesPerTask != nil { throw ValidationError("give either --shard or --scenes-per-task, not both") }
        }

        func run() throws {
            safety.apply()
            do { try OutputPolicy.check(output: out, inputs: [recipe]) } catch { fail(error) }
            let loaded = loadRecipe(recipe)
            var batch = BatchRun(recipe: loaded, output: URL(fileURLWithPath: out))
            batch.threads = runOptions.count
            batch.retryFailed = retryFailed
            do {
                if let shard { batch.task = try BatchTask.shard(shard) }
                else if let task = try BatchTask.fromEnvironment(ProcessInfo.processInfo.environment, scenesPerTask: scenesPerTask) { batch.task = task }
            } catch { fail(error) }
            let reporter = ProgressReporter(label: "scenes", quiet: runOptions.quiet)
            do {
                let summary = try batch.run { p in reporter.show(Self.status(p), done: p.finished, total: p.total, elapsed: p.elapsed) }
                reporter.finish()
                if !runOptions.quiet {
                    for f in summary.failures.prefix(20) { print("orbit: scene \(f.id) failed: \(f.error)") }
                    if summary.failures.count > 20 { print("orbit: … and \(summary.failures.count - 20) more failures (orbit batch status \(out))") }
                }
                var line = "orbit: \(summary.task): \(summary.made) scenes made, \(summary.failed) failed, \(summary.skipped) already there"
                if summary.busy > 0 { line += ", \(summary.busy) being made by another process" }
                line += String(format: " in %.1f s (%.1f s generating) into %@", summary.seconds, summary.generateSeconds, out)
                print(line)
            } catch {
                reporter.finish()
                fail(error)
            }
        }

        static func status(_ p: BatchProgress) -> String {
            let remaining = p.total - p.finished
            let eta = p.made > 0 ? ProgressReporter.duration(Double(remaining) * p.workSeconds / Double(p.made)) : "--"
            var text = "\(p.finished)/\(p.total) scenes (\(p.failed) failed, \(p.skipped) already there)  ETA \(eta)"
            if !p.current.isEmpty { text += "  " + p.current }
            return text
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count done, failed and missing scenes of a batch folder (reads only the markers) and rebuild index.jsonl; exits 1 while any is missing.")

        @Argument(help: "Batch folder.")
        var folder: String

        @Flag(help: "Only count: leave index.jsonl as it is.")
        var noIndex = false

        func run() throws {
            let batch = BatchFolder(URL(fileURLWithPath: folder))
            let status: BatchFolder.Status
            do {
                guard FileManager.default.fileExists(atPath: batch.batchFile.path) else { throw BatchError(.notBatchFolder(folder)) }
                status = try batch.status(rebuildIndex: !noIndex)
            } catch { fail(error) }
            let id = Recipe.idFormat(count: status.count)
            print("\(folder): \(status.count) scenes: \(status.done.count) done, \(status.failed.count) failed, \(status.missing.count) missing"
                + (status.damaged > 0 ? " (\(status.damaged) of them incomplete or damaged folders, made again on the next run)" : ""))
            for f in status.failed.prefix(10) { print("  failed \(id(f.index)): \(f.error)") }
            if status.failed.count > 10 { print("  … \(status.failed.count - 10) more failed (index.jsonl lists them all)") }
            if !status.missing.isEmpty {
                print("  missing: " + Self.ranges(status.missing, id: id))
                fail(BatchError(.missingScenes(folder: folder, missing: status.missing.count, count: status.count)))
            }
        }

        /// `000003-000007, 000012` for the indices 3…7 and 12 (the first 20 runs).
        static func ranges(_ indices: [Int], id: (Int) -> String) -> String {
            var runs: [(Int, Int)] = []
            for i in indices {
                if let last = runs.last, last.1 == i - 1 { runs[runs.count - 1].1 = i } else { runs.append((i, i)) }
            }
            let text = runs.prefix(20).map { $0.0 == $0.1 ? id($0.0) : "\(id($0.0))-\(id($0.1))" }.joined(separator: ", ")
            return runs.count > 20 ? text + ", …" : text
        }
    }

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the batch's sbatch script (an array job, throttled, a log per task) into DIR/slurm/ and submit it with sbatch.")

        @Argument(help: "Recipe file (JSON, recipe format 1).")
        var recipe: String

        @Option(name: .shortAndLong, help: "Batch folder (on storage every node sees).")
        var out: String

        @Flag(help: "Submit to Slurm (the one cluster engine supported; see docs/batch.md for Kubernetes).")
        var slurm = false

        @Option(help: "Array tasks running at once (sbatch --array=…%P). Default: no limit.")
        var arrayLimit: Int?

        @Option(help: "Slurm partition. Default: the cluster's default.")
        var partition: String?

        @Option(help: "Time limit of each task (sbatch --time, e.g. 2:00:00). Default: the partition's.")
        var time: String?

        @Option(help: "CPUs (render threads) per task. Default 1.")
        var cpusPerTask = 1

        @Option(help: "Scenes per array task. Default: 1, or as many as keep the array within --max-array-size.")
        var scenesPerTask: Int?

        @Option(help: "The cluster's MaxArraySize (scontrol show config). Default 1001.")
        var maxArraySize = SlurmSubmission.defaultMaxArraySize

        @Flag(help: "Print the script instead of writing and submitting it.")
        var dryRun = false

        @Flag(help: "Wait until every task has ended (sbatch --wait); exit 1 if any task failed.")
        var wait = false

        @Flag(help: "Tasks generate again the scenes recorded as failed.")
        var retryFailed = false

        @OptionGroup var safety: SafetyOptions

        func validate() throws {
            if !slurm { throw ValidationError("--slurm: say which cluster engine to submit to (Slurm is the one supported)") }
            if let p = arrayLimit, p < 1 { throw ValidationError("--array-limit: expected at least 1, got \(p)") }
            if let m = scenesPerTask, m < 1 { throw ValidationError("--scenes-per-task: expected at least 1, got \(m)") }
            if cpusPerTask < 1 || cpusPerTask > 1024 { throw ValidationError("--cpus-per-task: expected 1...1024, got \(cpusPerTask)") }
            if maxArraySize < 1 { throw ValidationError("--max-array-size: expected at least 1, got \(maxArraySize)") }
            if let partition, !SlurmSubmission.isPlainName(partition) { throw ValidationError("--partition: expected letters, digits and ._-, got \(partition)") }
            if let time, !SlurmSubmission.isPlainName(time) { throw ValidationError("--time: expected a Slurm time such as 2:00:00, got \(time)") }
        }

        func run() throws {
            safety.apply()
            do { try OutputPolicy.check(output: out, inputs: [recipe]) } catch { fail(error) }
            let loaded = loadRecipe(recipe)
            let perTask = scenesPerTask ?? SlurmSubmission.scenesPerTask(count: loaded.count, maxArraySize: maxArraySize)
            let output = OutputPolicy.resolved(out).path
            var command = [Self.executablePath(), "batch", OutputPolicy.resolved(recipe).path, "--out", output, "--scenes-per-task", String(perTask)]
            if retryFailed { command.append("--retry-failed") }
            if safety.allowOutsidePaths { command.append("--allow-outside-paths") }
            command.append("--threads")
            var job = SlurmSubmission(taskCommand: command, output: output, count: loaded.count, scenesPerTask: perTask)
            job.threadsVariable = "SLURM_CPUS_PER_TASK"
            guard job.tasks <= maxArraySize else {
                fail(ValidationError("--scenes-per-task \(perTask) makes \(job.tasks) array tasks, more than --max-array-size \(maxArraySize); give at least \(SlurmSubmission.scenesPerTask(count: loaded.count, maxArraySize: maxArraySize))"))
            }
            job.arrayLimit = arrayLimit
            job.partition = partition
            job.timeLimit = time
            job.cpusPerTask = cpusPerTask
            job.jobName = "orbit-" + String(loaded.name.prefix(40))
            if dryRun {
                print(job.script(), terminator: "")
                return
            }
            do {
                try BatchFolder(URL(fileURLWithPath: out)).prepare(loaded)
                if !wait { print("orbit: submitting \(job.tasks) array tasks of \(perTask) scenes (\(job.scriptPath))") }
                let id = try job.submit(wait: wait)
                print(wait ? "orbit: Slurm job \(id) ended; orbit batch status \(out) counts the scenes"
                           : "orbit: Slurm job \(id): logs in \(job.logFolder); orbit batch status \(out) counts the scenes")
            } catch { fail(error) }
        }

        /// This executable, absolute (array tasks start elsewhere).
        static func executablePath() -> String {
            let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            return OutputPolicy.resolved(link).path
        }
    }
}
