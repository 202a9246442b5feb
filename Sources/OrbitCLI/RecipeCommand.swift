import ArgumentParser
import Capture
import FileSafety
import Foundation
import SceneFormat

/// `orbit recipe`: families of scenes (scenes/recipes.md).
struct RecipeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipe",
        abstract: "Scene recipes: families of scenes, scene i a pure function of (recipe, i, seed).",
        subcommands: [Expand.self, Check.self])

    struct Expand: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print scene i of a recipe: a scene file that `orbit generate` renders into exactly the folder `orbit batch` makes for it.",
            discussion: "Its asset paths are relative to the recipe's folder: save it there under the scene's name (e.g. > scenes/tabletop-000042.json), which metadata.json records.")

        @Argument(help: "Recipe file (JSON, recipe format 1).")
        var recipe: String

        @Option(help: "The scene's index, 0 ..< count.")
        var index: Int

        @Option(help: "Write the scene file here instead of printing it (refused if it exists, unless --overwrite).")
        var out: String?

        @Flag(help: "Replace an existing --out file.")
        var overwrite = false

        @OptionGroup var safety: SafetyOptions

        func run() throws {
            safety.apply()
            let loaded = loadRecipe(recipe)
            guard index >= 0, index < loaded.count else {
                fail(ValidationError("--index: expected 0...\(loaded.count - 1) (the recipe has \(loaded.count) scenes), got \(index)"))
            }
            do {
                let scene = try loaded.scene(at: index)
                if let out {
                    try OutputPolicy.check(output: out, inputs: [recipe])
                    try AtomicFile.write(scene.data, to: URL(fileURLWithPath: out), overwrite: overwrite)
                } else {
                    FileHandle.standardOutput.write(scene.data)
                }
            } catch { fail(error) }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a recipe and its assets: expand the first scenes and check each like `orbit validate`, without rendering.")

        @Argument(help: "Recipe file (JSON, recipe format 1).")
        var recipe: String

        @Option(help: "Scenes to expand and check, from the first. Default 10.")
        var scenes = 10

        @OptionGroup var safety: SafetyOptions

        func validate() throws {
            if scenes < 1 { throw ValidationError("--scenes: expected at least 1, got \(scenes)") }
        }

        func run() throws {
            safety.apply()
            let loaded = loadRecipe(recipe)
            var objects = 0, views = 0
            let n = min(scenes, loaded.count)
            do {
                for i in 0..<n {
                    let expanded = try loaded.scene(at: i)
                    let scene = try expanded.decoded(file: expanded.fileName, recipe: loaded)
                    let result = try Generator.validate(scene)
                    objects += expanded.objects
                    views += result.views
                }
            } catch { fail(error) }
            print("\(recipe): ok (\(loaded.count) scenes; the first \(n) expanded and checked: \(objects) objects, \(views) views in all)")
        }
    }
}

func loadRecipe(_ path: String) -> Recipe {
    do { return try RecipeLoader.load(path: path) } catch { fail(error) }
}
