import Foundation
import Geometry
import SceneFormat
import Testing
import TestSupport

/// A small valid recipe; tests replace parts of it.
func recipeJSON(count: Int = 20, objects: String = #"{"count": [2, 4], "region": {"min": [-1, -1, 0], "max": [1, 1, 0]}, "pool": [{"type": "box"}, {"type": "sphere"}, {"type": "cylinder"}]}"#,
                extra: String = #""floor": {"size": [4, 4]},"#, world: String = #"{"type": "still"}"#) -> String {
    #"{"recipe": 1, "name": "t", "count": \#(count), "seed": 3, \#(extra) "objects": \#(objects), "world": \#(world)}"#
}

func loadRecipe(_ json: String, file: String = "r.recipe.json", folder: URL? = nil) throws -> Recipe {
    try RecipeLoader.decode(Data(json.utf8), file: file, baseDirectory: folder ?? URL(fileURLWithPath: NSTemporaryDirectory()))
}

func recipeError(_ json: String, folder: URL? = nil) -> String? {
    do { _ = try loadRecipe(json, folder: folder); return nil } catch { return "\(error)" }
}

/// The objects of an expanded scene (its "objects" array, floor first when there is one).
func objects(_ scene: RecipeScene) throws -> [[String: Any]] {
    let object = try JSONSerialization.jsonObject(with: scene.data) as! [String: Any]
    return object["objects"] as! [[String: Any]]
}

@Suite struct RecipeTests {
    static let examples = ["movi-like", "object-orbit", "tabletop"]

    @Test func sceneIIsAPureFunctionOfRecipeIndexAndSeed() throws {
        let a = try loadRecipe(recipeJSON()), b = try loadRecipe(recipeJSON())
        for i in 0..<a.count { #expect(try a.scene(at: i).data == b.scene(at: i).data) }
        // different indices differ, and the seed changes every scene
        #expect(Set(try (0..<a.count).map { try a.scene(at: $0).data }).count == a.count)
        let reseeded = try loadRecipe(recipeJSON().replacingOccurrences(of: #""seed": 3"#, with: #""seed": 4"#))
        for i in 0..<a.count { #expect(try a.scene(at: i).data != reseeded.scene(at: i).data) }
        #expect(try a.scene(at: 7).name == "t-000007")
    }

    @Test func eachConcernDrawsFromItsOwnStream() throws {
        // other lights leave every object exactly where it was
        let a = try loadRecipe(recipeJSON())
        let b = try loadRecipe(recipeJSON(extra: #""floor": {"size": [4, 4]}, "lights": {"sun": {"irradiance": [5, 9]}, "area": {"count": [1, 3]}},"#))
        for i in 0..<a.count {
            let sa = try a.scene(at: i), sb = try b.scene(at: i)
            #expect(sa.data != sb.data)
            #expect(try NSArray(array: objects(sa)) == NSArray(array: objects(sb)))
        }
    }

    @Test func everyExampleSceneIsAValidSceneWithinTheRecipesRanges() throws {
        for name in Self.examples {
            let recipe = try RecipeLoader.load(path: repositoryRoot().appendingPathComponent("scenes/\(name).recipe.json").path)
            for i in 0..<40 {
                let expanded = try recipe.scene(at: i)
                let scene = try expanded.decoded(file: expanded.fileName, recipe: recipe)
                #expect(scene.name == expanded.name)
                let drawn = scene.objects.filter { $0.name != "floor" }
                #expect(drawn.count == expanded.objects)
                if case .uniform(let lo, let hi) = recipe.objects.count { #expect(drawn.count >= lo && drawn.count <= hi) }
                // object centres inside the region (x, y), bounding circles apart on a floor
                var centres: [Vec3d] = []
                for object in drawn {
                    let p = object.transform.decomposed.translation
                    #expect(p.x >= recipe.objects.regionLower.x - 1e-6 && p.x <= recipe.objects.regionUpper.x + 1e-6)
                    #expect(p.y >= recipe.objects.regionLower.y - 1e-6 && p.y <= recipe.objects.regionUpper.y + 1e-6)
                    centres.append(p)
                }
                #expect(scene.camera.width == recipe.image.width && scene.render.samplesPerPixel == recipe.image.samplesPerPixel)
                if recipe.world.kind == .still { #expect(scene.physics == nil) } else { #expect(scene.physics != nil) }
                if recipe.floor != nil {
                    for a in 0..<centres.count {
                        for b in (a + 1)..<max(a + 1, centres.count) {
                            let d = centres[a] - centres[b]
                            #expect((d.x * d.x + d.y * d.y).squareRoot() > 0.01)
                        }
                    }
                }
            }
        }
    }

    @Test func placementKeepsBoundingCirclesApart() throws {
        // spheres of known radius in a tight region: the circles never overlap, or the scene fails with the region named
        let recipe = try loadRecipe(recipeJSON(count: 30, objects: #"{"count": [3, 6], "region": {"min": [-0.6, -0.6, 0], "max": [0.6, 0.6, 0]}, "pool": [{"type": "sphere", "radius": [0.1, 0.2]}]}"#))
        var placed = 0, refused = 0
        for i in 0..<recipe.count {
            do {
                let items = try objects(recipe.scene(at: i)).dropFirst()
                let circles = items.map { o -> (Double, Double, Double) in
                    let t = (o["transform"] as! [String: Any])["translate"] as! [Double]
                    return (t[0], t[1], o["radius"] as! Double)
                }
                for a in circles.indices { for b in circles.indices where b > a {
                    let d = ((circles[a].0 - circles[b].0) * (circles[a].0 - circles[b].0) + (circles[a].1 - circles[b].1) * (circles[a].1 - circles[b].1)).squareRoot()
                    #expect(d >= circles[a].2 + circles[b].2)
                } }
                // resting on the floor
                for (o, c) in zip(items, circles) { #expect(((o["transform"] as! [String: Any])["translate"] as! [Double])[2] == c.2) }
                placed += 1
            } catch let e as SceneError {
                #expect(e.path == "objects.region" && e.message.contains("enlarge the region"))
                refused += 1
            }
        }
        #expect(placed > 0 && placed + refused == recipe.count)
    }

    @Test func distributionsStayInTheirRanges() throws {
        let recipe = try loadRecipe(recipeJSON(count: 300, objects: #"{"count": 1, "pool": [{"type": "sphere", "radius": [0.2, 0.3]}], "material": {"roughness": {"choice": [0.1, 0.9]}, "color": {"hsv": {"h": [0, 1], "s": 0, "v": 0.5}}}}"#))
        var radii: [Double] = [], roughness = Set<Double>()
        for i in 0..<recipe.count {
            let o = try objects(recipe.scene(at: i))[1]
            radii.append(o["radius"] as! Double)
            let m = o["material"] as! [String: Any]
            roughness.insert(m["roughness"] as! Double)
            // saturation 0: grey, value 0.5 in sRGB is 0.214 linear
            let c = m["base_color"] as! [Double]
            #expect(c[0] == c[1] && c[1] == c[2] && abs(c[0] - 0.214041) < 1e-6)
        }
        #expect(radii.min()! >= 0.2 && radii.max()! <= 0.3 && radii.max()! - radii.min()! > 0.09)
        #expect(roughness == [0.1, 0.9])
    }

    @Test func worldsGetPhysicsBodiesAndDrops() throws {
        let frozen = try loadRecipe(recipeJSON(world: #"{"type": "frozen", "drop_height": 0.5}"#))
        let s = try frozen.scene(at: 0).decoded(file: "s.json", recipe: frozen)
        guard case .frozen(.rest)? = s.physics?.clip else { Issue.record("expected a frozen clip"); return }
        #expect(s.objects[0].body?.infinitePlane == true)
        for o in s.objects.dropFirst() { #expect(o.body?.kind == .dynamic && o.transform.decomposed.translation.z > 0.5) }
        let live = try loadRecipe(recipeJSON(world: #"{"type": "live", "throw_speed": 1.5, "spin_deg": 90}"#))
        let l = try live.scene(at: 1).decoded(file: "l.json", recipe: live)
        #expect(l.physics?.clip == .live)
        for o in l.objects.dropFirst() { #expect(abs(length(o.body!.velocity) - 1.5) < 1e-5 && abs(o.body!.velocity.z) < 1e-9) }
    }

    @Test func foldersBecomeOneEntryPerMesh() throws {
        let folder = TemporaryFolder()
        let obj = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
        try FileManager.default.createDirectory(at: folder.path("meshes"), withIntermediateDirectories: true)
        folder.write(obj, to: "meshes/b.obj"); folder.write(obj, to: "meshes/a.OBJ"); folder.write("x", to: "meshes/notes.txt")
        let recipe = try loadRecipe(recipeJSON(objects: #"{"count": 1, "pool": [{"type": "folder", "path": "meshes", "scale": 0.5}]}"#), folder: folder.url)
        #expect(recipe.objects.pool.map(\.shape) == [.mesh(path: "meshes/a.OBJ", scale: .fixed(0.5), upAxis: "y"), .mesh(path: "meshes/b.obj", scale: .fixed(0.5), upAxis: "y")])
        #expect(recipe.assetFiles.map(\.lastPathComponent) == ["a.OBJ", "b.obj"])
        // meshes keep their file's materials unless recoloured
        #expect(try objects(recipe.scene(at: 0))[1]["material"] == nil)
        #expect(recipeError(recipeJSON(objects: #"{"pool": [{"type": "folder", "path": "nothing"}]}"#), folder: folder.url)
            == #"r.recipe.json: objects.pool[0].path: folder "nothing" not found (paths are relative to the recipe file)"#)
        #expect(recipeError(recipeJSON(objects: #"{"pool": [{"type": "folder", "path": "meshes", "extensions": ["stl"]}]}"#), folder: folder.url)
            == #"r.recipe.json: objects.pool[0].path: folder "meshes" holds no mesh files (.stl)"#)
        #expect(recipeError(recipeJSON(objects: #"{"pool": [{"type": "mesh", "path": "../outside.obj"}]}"#), folder: folder.url)?
            .hasSuffix("leads outside the scene's folder; keep assets beside the scene (or allow outside paths)") == true)
    }

    @Test func badRecipesAreOneLineNamingFileAndPath() {
        #expect(recipeError(#"{"format": 1}"#) == #"r.recipe.json: format: unknown key "format" (expected one of: background, camera, count, description, floor, image, lights, name, objects, recipe, seed, world)"#)
        #expect(recipeError(#"{"recipe": 2, "count": 1, "objects": {}}"#) == "r.recipe.json: recipe: unsupported recipe format 2; this version of orbit reads recipe format 1")
        #expect(recipeError(recipeJSON(count: 0)) == "r.recipe.json: count: expected an integer in 1...10000000, got 0")
        #expect(recipeError(recipeJSON(objects: #"{"count": [4, 2], "pool": [{"type": "box"}]}"#)) == "r.recipe.json: objects.count: expected [min, max] with min ≤ max, got [4, 2]")
        #expect(recipeError(recipeJSON(objects: #"{"pool": [{"type": "sphere", "radius": [0.1, 0.2, 0.3]}]}"#))
            == "r.recipe.json: objects.pool[0].radius: expected a number, [min, max] or {\"choice\": [...]} in 0.0001...10000, got [0.1, 0.2, 0.3]")
        #expect(recipeError(recipeJSON(objects: #"{"pool": [{"type": "sphear"}]}"#))
            == #"r.recipe.json: objects.pool[0].type: unknown pool entry type "sphear"; did you mean "sphere"? (expected one of: sphere, box, cylinder, mesh, folder)"#)
        #expect(recipeError(recipeJSON(objects: #"{"pool": []}"#)) == "r.recipe.json: objects.pool: expected at least one pool entry, got an empty array")
        #expect(recipeError(recipeJSON(extra: "", world: #"{"type": "frozen"}"#)) == #"r.recipe.json: world.type: a frozen world needs a "floor" for its objects to land on"#)
        #expect(recipeError(recipeJSON(objects: #"{"pool": [{"type": "box"}], "material": {"roughness": 2}}"#))
            == "r.recipe.json: objects.material.roughness: expected a number in 0...1, got 2")
        #expect(recipeError(recipeJSON(extra: #""camera": {"rig": "orbitt"},"#))
            == #"r.recipe.json: camera.rig: unknown camera rig "orbitt"; did you mean "orbit"? (expected one of: orbit, random, path, fixed)"#)
        #expect(recipeError("{\"recipe\": 1,") == "r.recipe.json: malformed JSON at line 1, column 14: expected a member name in double quotes, found the end of the file")
    }

    @Test func idsArePaddedToTheFamilysSize() throws {
        #expect(try loadRecipe(recipeJSON(count: 20)).sceneID(3) == "000003")
        #expect(try loadRecipe(recipeJSON(count: 10_000_000)).sceneID(42) == "0000042")
        #expect(Recipe.idFormat(count: 1_000_000)(999_999) == "999999")
    }
}
