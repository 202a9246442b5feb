// OrbitKit: Orbit as a Swift library. `import OrbitKit` brings in the types of the modules below (scenes,
// datasets, training, export, recipes and batches) and `Orbit`, six calls that do what the `orbit` command's main subcommands do,
// passing Swift values instead of command lines. See README.md, "Use Orbit from Swift", and Examples/.
@_exported import Capture
@_exported import Dataset
@_exported import FileSafety
@_exported import Geometry
@_exported import Pipeline
@_exported import Reconstruction
@_exported import SceneFormat
import Foundation

/// Orbit's library entry points. Every call writes its folder atomically (staged, then moved into place) and
/// refuses to replace an existing folder unless `overwrite` is set; errors are typed (`SceneError`,
/// `DatasetError`, `FileSafetyError`, …) and describe themselves in one line.
public enum Orbit {
    /// Renders `scene` (simulated first when it has physics) into the dataset folder `folder`: frames, depth,
    /// normals, masks, instance ids, `transforms.json`, `video.mp4`, `metadata.json` (docs/dataset.md).
    /// - Parameters:
    ///   - threads: render threads (the frames are the same for any count); nil for all cores.
    ///   - progress: called after each frame with the frames done.
    @discardableResult
    public static func generate(_ scene: Scene, into folder: URL, overwrite: Bool = false, threads: Int? = nil,
                                progress: (JobProgress) -> Void = { _ in }) throws -> GenerateSummary {
        var generator = Generator(scene: scene)
        if let threads { generator.threads = threads }
        return try generator.run(output: folder, overwrite: overwrite, progress: progress)
    }

    /// Generates the scenes of `recipe` (scenes/recipes.md) that `task` names into the batch folder `folder`
    /// (docs/batch.md): each scene atomically with its scene file and completion marker; complete scenes are
    /// skipped, failures recorded in their folders, and `index.jsonl` rebuilt at the end.
    /// - Parameters:
    ///   - task: all scenes, a shard (every N-th from K) or a block (an array task's); see `BatchTask`.
    ///   - progress: called as scenes and their frames finish.
    @discardableResult
    public static func batch(_ recipe: Recipe, into folder: URL, task: BatchTask = .all, retryFailed: Bool = false, threads: Int? = nil,
                             progress: (BatchProgress) -> Void = { _ in }) throws -> BatchSummary {
        var run = BatchRun(recipe: recipe, output: folder)
        run.task = task
        run.retryFailed = retryFailed
        if let threads { run.threads = threads }
        return try run.run(progress: progress)
    }

    /// Reads one split of a dataset folder (Orbit, nerfstudio, instant-ngp or NeRF-synthetic) as posed images.
    public static func readDataset(_ folder: URL, split: DatasetSplit = .train, downscale: Int = 1) throws -> PosedImages {
        try DatasetReader(folder: folder, downscale: downscale).read(split)
    }

    /// Fits a radiance field to the dataset folder `dataset` on the CPU and writes the reconstruction folder
    /// `folder` (checkpoint, training log, evaluation on the test split; docs/reconstruction.md).
    /// - Parameters:
    ///   - settings: iterations, time budget, lattice sizes, threads; training is deterministic for a given
    ///     seed and thread count.
    ///   - events: training progress every 50 iterations.
    @discardableResult
    public static func reconstruct(dataset: URL, into folder: URL, settings: TrainingRunSettings = TrainingRunSettings(), overwrite: Bool = false,
                                   events: (TrainingEvent) -> Void = { _ in }) throws -> TrainingSummary {
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if !existing.isEmpty && !overwrite { throw FileSafetyError(path: folder.path, reason: .notEmpty) }
        return try TrainingRun(settings: settings).run(dataset: dataset, destination: folder, mode: existing.isEmpty ? .new : .replace,
                                                       events: events)
    }

    /// Continues the training in the reconstruction folder `folder` where it stopped, up to
    /// `settings.iterations` in all.
    @discardableResult
    public static func resume(_ folder: URL, dataset: URL, settings: TrainingRunSettings = TrainingRunSettings(),
                              events: (TrainingEvent) -> Void = { _ in }) throws -> TrainingSummary {
        try TrainingRun(settings: settings).run(dataset: dataset, destination: folder, mode: .resume, events: events)
    }

    /// Extracts a mesh (`.glb`, `.gltf`, `.obj` or `.ply`, by its extension) and/or a point cloud (`.ply`) from
    /// the field in the reconstruction folder `reconstruction`. glTF files are +Y up; the others keep Orbit's +Z up.
    @discardableResult
    public static func export(_ reconstruction: URL, mesh: URL? = nil, points: URL? = nil, overwrite: Bool = false,
                              settings: FieldExportSettings = FieldExportSettings()) throws -> ExportSummary {
        var settings = settings
        settings.mesh = mesh ?? settings.mesh
        settings.points = points ?? settings.points
        settings.overwrite = overwrite || settings.overwrite
        return try FieldExport.run(reconstruction: reconstruction, settings: settings)
    }
}
