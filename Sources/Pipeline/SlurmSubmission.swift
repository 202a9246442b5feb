import FileSafety
import Foundation

/// A batch as a Slurm array job (docs/batch.md): the sbatch script, and its submission with `sbatch`.
/// Each array task runs `taskCommand` (the command line of `orbit batch` for a block of `scenesPerTask`
/// scenes, which the caller writes; the task reads its index from Slurm's variables); the array is throttled
/// to `arrayLimit` tasks at once and logs per task to `DIR/slurm/logs/JOB_TASK.out`.
public struct SlurmSubmission: Sendable, Equatable {
    /// What every task runs, words of a command line (absolute paths: tasks start in another environment).
    public var taskCommand: [String]
    /// The batch folder, absolute (the script and the logs go into its `slurm/`).
    public var output: String
    /// Scenes in the family.
    public var count: Int
    /// Scenes each array task makes.
    public var scenesPerTask: Int
    /// Tasks running at once (`%P`); nil: as many as the cluster allows.
    public var arrayLimit: Int? = nil
    public var partition: String? = nil
    /// `--time` of each task (Slurm's formats, e.g. `2:00:00`); nil: the partition's default.
    public var timeLimit: String? = nil
    /// CPUs of each task (its render threads).
    public var cpusPerTask = 1
    public var jobName = "orbit-batch"
    /// A variable of the task's environment passed as the command's last word, quoted for bash (its render
    /// threads: `SLURM_CPUS_PER_TASK`); nil for none.
    public var threadsVariable: String? = nil

    public init(taskCommand: [String], output: String, count: Int, scenesPerTask: Int) {
        self.taskCommand = taskCommand; self.output = output; self.count = count; self.scenesPerTask = scenesPerTask
    }

    /// Slurm's default `MaxArraySize`: array indices run from 0 to 1000.
    public static let defaultMaxArraySize = 1001

    /// Array tasks: ⌈count / scenesPerTask⌉.
    public var tasks: Int { (count + scenesPerTask - 1) / scenesPerTask }

    /// The fewest scenes per task that keep the array's indices below `maxArraySize`.
    public static func scenesPerTask(count: Int, maxArraySize: Int = defaultMaxArraySize) -> Int {
        max(1, (count + maxArraySize - 1) / maxArraySize)
    }

    /// A name Slurm takes on its command line and in the script: letters, digits and `._-,`.
    public static func isPlainName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 200 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-,:".contains($0)) }
    }

    public var logFolder: String { output + "/slurm/logs" }
    public var scriptPath: String { output + "/slurm/orbit-batch.sbatch" }

    /// The sbatch script.
    public func script() -> String {
        var lines = ["#!/bin/bash",
                     "# orbit batch as a Slurm array job: task K makes scenes K*\(scenesPerTask) ... K*\(scenesPerTask)+\(scenesPerTask - 1) of \(count).",
                     "#SBATCH --job-name=\(jobName)",
                     "#SBATCH --array=0-\(tasks - 1)" + (arrayLimit.map { "%\($0)" } ?? ""),
                     "#SBATCH --output=\(logFolder)/%A_%a.out",
                     "#SBATCH --cpus-per-task=\(cpusPerTask)",
                     "#SBATCH --ntasks=1"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let timeLimit { lines.append("#SBATCH --time=\(timeLimit)") }
        let variable = threadsVariable.map { " \"${\($0):-1}\"" } ?? ""
        lines += ["set -euo pipefail",
                  "exec " + taskCommand.map(Self.quote).joined(separator: " ") + variable,
                  ""]
        return lines.joined(separator: "\n")
    }

    /// A word for bash, single-quoted.
    static func quote(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/._-=:,+".contains($0)) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Writes the script into the batch folder (and its log folder) and submits it with `sbatch --parsable`
    /// (found on PATH, or `sbatch`); with `wait`, sbatch returns only when every task has ended. Returns the
    /// job id.
    public func submit(sbatch: String = "sbatch", wait: Bool = false) throws -> String {
        do { try FileManager.default.createDirectory(atPath: logFolder, withIntermediateDirectories: true) } catch {
            throw FileSafetyError(path: logFolder, reason: .system(SystemMessage.describe(error)))
        }
        try AtomicFile.write(Data(script().utf8), to: URL(fileURLWithPath: scriptPath))
        let process = Process()
        let pipe = Pipe(), errors = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [sbatch, "--parsable"] + (wait ? ["--wait"] : []) + [scriptPath]
        process.standardOutput = pipe
        process.standardError = errors
        do { try process.run() } catch {
            throw BatchError(.submit("cannot run \(sbatch): \(SystemMessage.describe(error)); is Slurm's client (slurm-client) installed?"))
        }
        let out = pipe.fileHandleForReading.readDataToEndOfFile(), err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let jobID = text.split(separator: "\n").first.map { String($0.split(separator: ";")[0]) } ?? ""
        guard process.terminationStatus == 0 else {
            let reason = String(decoding: err, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            if wait, !jobID.isEmpty {
                throw BatchError(.submit("Slurm job \(jobID) ended with a failed task (\(reason)); see \(logFolder) and orbit batch status"))
            }
            throw BatchError(.submit("sbatch refused the job: \(reason)"))
        }
        guard !jobID.isEmpty, jobID.allSatisfy(\.isNumber) else { throw BatchError(.submit("sbatch answered \"\(text)\", not a job id")) }
        return jobID
    }
}
