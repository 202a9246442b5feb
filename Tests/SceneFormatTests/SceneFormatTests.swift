import Foundation
import Geometry
import SceneFormat
import Testing
import TestSupport

/// A valid scene with three objects; tests splice a fragment into it.
func scene(objects: String = #"{"type": "sphere"}, {"type": "box"}, {"type": "sphere", "material": {"roughness": 0.3}}"#,
           extra: String = "", rig: String = #"{"type": "orbit", "frames": 8}"#) -> String {
    #"{"format": 1, "rig": \#(rig), \#(extra) "objects": [\#(objects)]}"#
}

func errorMessage(_ json: String, file: String = "scenes/still.json", folder: URL? = nil) -> String? {
    do {
        _ = try decodeScene(json, file: file, folder: folder)
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite struct StrictDecodingTests {
    @Test func validSceneDecodes() throws {
        let s = try decodeScene(scene())
        #expect(s.objects.count == 3)
        #expect(s.camera.width == 400 && s.render.samplesPerPixel == 16 && s.frameRate == 24)
        #expect(s.objects[2].material?.roughness == 0.3)
        #expect(s.name == "test")
    }

    @Test func outOfRangeValuesNameFilePathAndValue() {
        #expect(errorMessage(scene(objects: #"{"type": "sphere"}, {"type": "box"}, {"type": "sphere", "material": {"roughness": 1.7}}"#))
            == "scenes/still.json: objects[2].material.roughness: expected a number in 0...1, got 1.7")
        #expect(errorMessage(scene(extra: #""camera": {"width": 10000},"#))
            == "scenes/still.json: camera.width: expected an integer in 1...8192, got 10000")
        #expect(errorMessage(scene(extra: #""render": {"spp": 0},"#))
            == "scenes/still.json: render.spp: expected an integer in 1...65536, got 0")
        #expect(errorMessage(scene(rig: #"{"type": "orbit", "frames": 20000}"#))
            == "scenes/still.json: rig.frames: expected an integer in 1...10000, got 20000")
        #expect(errorMessage(scene(extra: #""render": {"spp": true},"#))
            == "scenes/still.json: render.spp: expected an integer in 1...65536, got true")
        #expect(errorMessage(scene(extra: #""render": {"spp": 2.5},"#))
            == "scenes/still.json: render.spp: expected an integer in 1...65536, got 2.5")
        #expect(errorMessage(scene(objects: #"{"type": "box", "material": {"base_color": [1, 0.5]}}"#))
            == "scenes/still.json: objects[0].material.base_color: expected an array of 3 colour components in 0...1, got [1, 0.5]")
        #expect(errorMessage(scene(objects: #"{"type": "sphere", "radius": -1}"#))
            == "scenes/still.json: objects[0].radius: expected a number in 0.000001...100000, got -1")
    }

    @Test func nonFiniteNumbersAreRejected() {
        // JSON has no NaN or infinity literals; an overflowing number is the way they sneak in
        #expect(errorMessage(scene(objects: #"{"type": "sphere", "radius": 1e999}"#))
            == "scenes/still.json: objects[0].radius: expected a finite number, got one beyond the range of a 64-bit float")
        #expect(errorMessage(scene(objects: #"{"type": "box", "transform": {"translate": [0, -1e400, 0]}}"#))
            == "scenes/still.json: objects[0].transform.translate[1]: expected a finite number, got one beyond the range of a 64-bit float")
    }

    @Test func unknownKeysSuggestTheClosestKey() {
        #expect(errorMessage(scene(objects: #"{"type": "sphere", "materail": {}}"#))
            == #"scenes/still.json: objects[0].materail: unknown key "materail"; did you mean "material"?"#)
        #expect(errorMessage(scene(extra: #""camra": {},"#))
            == #"scenes/still.json: camra: unknown key "camra"; did you mean "camera"?"#)
        #expect(errorMessage(scene(extra: #""zzz": 1,"#))
            == #"scenes/still.json: zzz: unknown key "zzz" (expected one of: background, camera, description, format, frame_rate, lights, materials, name, objects, physics, render, rig, spawners)"#)
    }

    @Test func unknownTypesSuggestTheClosestType() {
        #expect(errorMessage(scene(objects: #"{"type": "spere"}"#))
            == #"scenes/still.json: objects[0].type: unknown object type "spere"; did you mean "sphere"? (expected one of: sphere, box, quad, plane, cylinder, mesh)"#)
        #expect(errorMessage(scene(rig: #"{"type": "orbitt"}"#))
            == #"scenes/still.json: rig.type: unknown rig type "orbitt"; did you mean "orbit"? (expected one of: orbit, random, nerf-synthetic, sv3d, fixed, path)"#)
    }

    @Test func structuralProblems() {
        #expect(errorMessage(#"{"rig": {"type": "orbit"}, "objects": [{"type": "box"}]}"#)
            == #"scenes/still.json: missing required key "format" (add "format": 1)"#)
        #expect(errorMessage(#"{"format": 2, "rig": {"type": "orbit"}, "objects": [{"type": "box"}]}"#)
            == "scenes/still.json: format: unsupported format 2; this version of orbit reads format 1")
        #expect(errorMessage(scene(objects: ""))
            == "scenes/still.json: objects: expected at least one object, got an empty array")
        #expect(errorMessage(scene(extra: #""background": {"type": "environment"},"#))
            == #"scenes/still.json: background.type: "environment" needs an environment light in "lights"; add {"type": "environment", "radiance": [1, 1, 1]}"#)
        #expect(errorMessage(scene(objects: #"{"type": "box", "material": "steel"}"#))
            == #"scenes/still.json: objects[0].material: unknown material "steel" (the scene has no "materials" section)"#)
    }

    @Test func malformedJSONIsOneLine() {
        let message = errorMessage(#"{"format": 1, "rig": {"type": "orbit"},, "objects": []}"#) ?? ""
        #expect(message == "scenes/still.json: malformed JSON at line 1, column 40: expected a member name in double quotes, found ','")
        #expect(!message.contains("\n"))
    }

    @Test func missingFilesAreNamedRelativeToTheScene() {
        let folder = TemporaryFolder()
        #expect(errorMessage(scene(objects: #"{"type": "mesh", "path": "assets/missing.obj"}"#), folder: folder.url)
            == #"scenes/still.json: objects[0].path: file "assets/missing.obj" not found (paths are relative to the scene file)"#)
        #expect(errorMessage(scene(objects: #"{"type": "box", "material": {"base_color_texture": "t.png"}}"#), folder: folder.url)
            == #"scenes/still.json: objects[0].material.base_color_texture: file "t.png" not found (paths are relative to the scene file)"#)
        folder.write("x", to: "t.tga")
        #expect(errorMessage(scene(objects: #"{"type": "box", "material": {"base_color_texture": "t.tga"}}"#), folder: folder.url)
            == #"scenes/still.json: objects[0].material.base_color_texture: texture "t.tga" is not a PNG or JPEG file; convert it to PNG"#)
    }

    @Test func unreadableSceneFile() {
        #expect(throws: SceneError(file: "nowhere/scene.json", path: "", message: "cannot read the scene file (does it exist?)")) {
            try SceneLoader.load(path: "nowhere/scene.json")
        }
    }
}

@Suite struct RigTests {
    @Test func orbitRingsAreEvenlySpacedAtTheirElevation() throws {
        let s = try decodeScene(scene(rig: #"{"type": "orbit", "radius": 3, "elevations_deg": [10, 40], "frames": 12, "look_at": [0, 0, 1], "test_every": 4}"#))
        let views = s.views()
        #expect(views.count == 24)
        for v in views {
            let d = v.camera.origin - Vec3d(0, 0, 1)
            #expect(abs(length(d) - 3) < 1e-9)
            let elevation = asin(d.z / 3) * 180 / .pi
            #expect(abs(elevation - (v.index < 12 ? 10 : 40)) < 1e-9)
        }
        #expect(views.filter { $0.split == .test }.count == 6)
        #expect(views[0].stem == "frame_00000" && views[23].stem == "frame_00023")
    }

    @Test func presetsHaveTheirPublishedLayouts() throws {
        let nerf = try decodeScene(scene(rig: #"{"type": "nerf-synthetic"}"#))
        let views = nerf.views()
        #expect(views.filter { $0.split == .train }.count == 100)
        #expect(views.filter { $0.split == .val }.count == 100)
        #expect(views.filter { $0.split == .test }.count == 200)
        #expect(nerf.camera.width == 800 && abs(nerf.camera.fovX - 0.6911) < 1e-4)
        #expect(views.allSatisfy { abs(length($0.camera.origin) - 4.031128874) < 1e-6 && $0.camera.origin.z >= 0 })

        let sv3d = try decodeScene(scene(rig: #"{"type": "sv3d"}"#))
        let ring = sv3d.views()
        #expect(ring.count == 21 && sv3d.camera.width == 576 && sv3d.camera.height == 576)
        for v in ring { #expect(abs(asin(v.camera.origin.z / length(v.camera.origin)) * 180 / .pi - 10) < 1e-9) }
        let step = atan2(ring[1].camera.origin.y, ring[1].camera.origin.x) - atan2(ring[0].camera.origin.y, ring[0].camera.origin.x)
        #expect(abs(step - 2 * .pi / 21) < 1e-9)

        // the scene's camera block overrides the preset's intrinsics
        let small = try decodeScene(scene(extra: #""camera": {"width": 100, "height": 100},"#, rig: #"{"type": "nerf-synthetic"}"#))
        #expect(small.camera.width == 100 && abs(small.camera.fovX - 0.6911) < 1e-4)
    }

    @Test func randomRigIsSeededAndStaysInItsBand() throws {
        let json = scene(rig: #"{"type": "random", "count": 200, "min_elevation_deg": 20, "max_elevation_deg": 60, "seed": 3}"#)
        let a = try decodeScene(json).views(), b = try decodeScene(json).views()
        #expect(a.map(\.camera.origin) == b.map(\.camera.origin))
        for v in a {
            let e = asin(v.camera.origin.z / length(v.camera.origin)) * 180 / .pi
            #expect(e >= 20 - 1e-9 && e <= 60 + 1e-9)
        }
        let c = try decodeScene(scene(rig: #"{"type": "random", "count": 200, "seed": 4}"#)).views()
        #expect(a.map(\.camera.origin) != c.map(\.camera.origin))
    }
}

extension RigTests {
    @Test func fixedAndPathRigs() throws {
        let fixed = try decodeScene(scene(rig: #"{"type": "fixed", "eye": [3, -3, 2], "look_at": [0, 0, 0.5], "frames": 3}"#)).views()
        #expect(fixed.count == 3 && fixed.allSatisfy { $0.camera.origin == Vec3d(3, -3, 2) })
        // the camera looks down its −Z axis at the target
        let forward = -fixed[0].camera.cameraToWorld.transformVector(Vec3d(0, 0, 1))
        #expect(length(forward - normalize(Vec3d(0, 0, 0.5) - Vec3d(3, -3, 2))) < 1e-12)

        let path = try decodeScene(scene(rig: #"{"type": "path", "frames": 5, "keyframes": [{"eye": [2, 0, 1]}, {"eye": [0, 2, 1]}, {"eye": [-2, 0, 1], "look_at": [0, 0, 1]}]}"#)).views()
        #expect(path.map(\.camera.origin) == [Vec3d(2, 0, 1), Vec3d(1, 1, 1), Vec3d(0, 2, 1), Vec3d(-1, 1, 1), Vec3d(-2, 0, 1)])
        #expect(errorMessage(scene(rig: #"{"type": "path", "keyframes": [{"eye": [1, 0, 0]}]}"#))
                == "scenes/still.json: rig.keyframes: expected at least 2 keyframes, got 1")
    }
}

@Suite struct ExampleSceneTests {
    @Test(arguments: ["still-life", "mesh", "textured", "area-and-environment", "nerf-synthetic", "sv3d",
                      "drop-on-table", "tower-collapse", "balls-into-bowl", "movi", "frozen-pile", "video-orbit"])
    func exampleScenesDecode(name: String) throws {
        let path = repositoryRoot().appendingPathComponent("scenes/\(name).json").path
        let s = try SceneLoader.load(path: path)
        #expect(!s.objects.isEmpty)
    }

    @Test func builtInDefaultSceneDecodes() throws {
        let s = try BuiltinScenes.defaultScene()
        #expect(s.views().count == 72 && s.objects.count == 3)
        #expect(s.views().filter { $0.split == .test }.count == 9)
    }
}
