import Exporters
import FileSafety
import Foundation
import Geometry
import Media

/// The kinds of file Orbit reads, each fuzzed through the command that reads it.
public enum FuzzFormat: String, CaseIterable, Sendable {
    case scene, recipe, transforms, checkpoint, ply, obj, glb, gltf, stl, fbx, png, jpeg, mp4, mov, mkv, webm
}

/// One input folder and the `orbit` command to run in it.
public struct FuzzCase: Sendable {
    public var format: FuzzFormat
    public var name: String
    /// Relative path → contents.
    public var files: [String: Data]
    public var arguments: [String]
    /// What the command writes on success (relative path), if anything.
    public var output: String?
    /// The file that mutations change.
    public var target: String

    public init(format: FuzzFormat, name: String, files: [String: Data], arguments: [String], output: String?, target: String) {
        self.format = format; self.name = name; self.files = files; self.arguments = arguments; self.output = output; self.target = target
    }
}

/// The fuzzing corpus: valid seed inputs for every format, hand-made hostile cases for the classes of input
/// known to have broken readers (counts beyond the file, sizes that overflow, non-finite or negative camera
/// values, duplicate keys, text that is not UTF-8, paths leading outside), and seeded mutations of the seeds
/// (bit flips, interesting bytes, truncations, chunk copies and deletions, number and field swaps in JSON).
/// Everything is a pure function of the seed, so a failing case can be made again by its name.
public struct FuzzCorpus {
    public let seeds: [FuzzFormat: [FuzzCase]]

    /// Every command runs with a 2 GB memory budget, so that a hostile header is refused by the budget.
    static let budget = ["--max-memory", "2"]

    /// Makes the seeds; `orbit` trains the seed checkpoint, `ffmpeg` (when present) makes the MOV, MKV and WebM clips.
    public init(orbit: String, ffmpeg: String?, workspace: URL) throws {
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        var seeds: [FuzzFormat: [FuzzCase]] = [:]
        let png = try Self.pngData(Self.testImage(16, 16, channels: 4), workspace: workspace)
        let mesh = Primitives.box(size: Vec3(1, 0.6, 0.4))
        try Self.addImageSeeds(&seeds, png: png)
        try Self.addMeshSeeds(&seeds, mesh: mesh, workspace: workspace)
        Self.addSceneSeeds(&seeds, mesh: mesh, png: png)
        try Self.addCheckpointSeed(&seeds, orbit: orbit, workspace: workspace)
        try Self.addVideoSeeds(&seeds, ffmpeg: ffmpeg, workspace: workspace)
        self.seeds = seeds
    }

    /// Datasets of PNG and JPEG images (the transforms.json, PNG and JPEG seeds).
    static func addImageSeeds(_ seeds: inout [FuzzFormat: [FuzzCase]], png: Data) throws {
        // images and the dataset that holds them
        let jpeg = try JPEG.encode(Self.testImage(16, 16, channels: 3), quality: 90)
        func dataset(_ ext: String, _ image: Data, format: FuzzFormat, target: String) -> FuzzCase {
            var files: [String: Data] = ["data/transforms.json": Data(Self.transformsJSON(ext: ext, frames: 3).utf8)]
            for i in 0..<3 { files["data/images/f\(i).\(ext)"] = image }
            return FuzzCase(format: format, name: "\(format.rawValue)-seed", files: files,
                            arguments: ["reconstruct", "data", "--out", "out", "--iterations", "2", "--coarse", "8", "--fine", "8", "--threads", "1", "--quiet"] + Self.budget,
                            output: "out", target: target)
        }
        seeds[.transforms] = [dataset("png", png, format: .transforms, target: "data/transforms.json")]
        seeds[.png] = [dataset("png", png, format: .png, target: "data/images/f1.png")]
        seeds[.jpeg] = [dataset("jpg", jpeg, format: .jpeg, target: "data/images/f1.jpg"),
                        dataset("jpg", try JPEG.encode(Self.testImage(16, 16, channels: 3), quality: 80, progressive: true, sampling: 444), format: .jpeg, target: "data/images/f2.jpg")]

    }

    /// A small box in every mesh format.
    static func addMeshSeeds(_ seeds: inout [FuzzFormat: [FuzzCase]], mesh: TriangleMesh, workspace: URL) throws {
        let fm = FileManager.default
        // meshes: a small box in every format
        func meshCase(_ format: FuzzFormat, _ files: [String: Data], main: String) -> FuzzCase {
            FuzzCase(format: format, name: "\(format.rawValue)-seed", files: files, arguments: ["eval-mesh", main, main, "--samples", "1000"] + Self.budget,
                     output: nil, target: main)
        }
        func written(_ name: String, _ write: (URL) throws -> Void) throws -> [String: Data] {
            let folder = workspace.appendingPathComponent("mesh-\(name)")
            try? fm.removeItem(at: folder)
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            try write(folder.appendingPathComponent(name))
            var files: [String: Data] = [:]
            for file in try fm.contentsOfDirectory(atPath: folder.path) { files[file] = try Data(contentsOf: folder.appendingPathComponent(file)) }
            return files
        }
        seeds[.ply] = [meshCase(.ply, ["m.ply": PLYWriter.encode(mesh, encoding: .binary)], main: "m.ply"),
                       meshCase(.ply, ["m.ply": PLYWriter.encode(mesh, encoding: .ascii)], main: "m.ply")]
        seeds[.obj] = [meshCase(.obj, try written("m.obj") { try MeshWriter.write(mesh, to: $0) }, main: "m.obj")]
        seeds[.glb] = [meshCase(.glb, try written("m.glb") { try MeshWriter.write(mesh, to: $0) }, main: "m.glb")]
        var gltf = meshCase(.gltf, try written("m.gltf") { try MeshWriter.write(mesh, to: $0) }, main: "m.gltf")
        seeds[.gltf] = [gltf]
        gltf.target = "m.bin"
        seeds[.gltf]!.append(gltf)
        seeds[.stl] = [meshCase(.stl, try written("m.stl") { try MeshWriter.writeWithAssimp(mesh, formatID: "stl", to: $0) }, main: "m.stl"),
                       meshCase(.stl, try written("m.stl") { try MeshWriter.writeWithAssimp(mesh, formatID: "stlb", to: $0) }, main: "m.stl")]
        // ASCII FBX: assimp 5.2.5 cannot read back its own binary FBX export ("FBX-Tokenize ... block offset is out of range")
        seeds[.fbx] = [meshCase(.fbx, try written("m.fbx") { try MeshWriter.writeWithAssimp(mesh, formatID: "fbxa", to: $0) }, main: "m.fbx")]

    }

    /// A still life with a mesh and a texture, and a world with a spawner.
    static func addSceneSeeds(_ seeds: inout [FuzzFormat: [FuzzCase]], mesh: TriangleMesh, png: Data) {
        seeds[.scene] = [
            FuzzCase(format: .scene, name: "scene-seed", files: ["scene.json": Data(Self.stillScene.utf8), "m.ply": PLYWriter.encode(mesh, encoding: .ascii), "tex.png": png],
                     arguments: ["validate", "scene.json"] + Self.budget, output: nil, target: "scene.json"),
            FuzzCase(format: .scene, name: "scene-seed", files: ["world.json": Data(Self.worldScene.utf8)],
                     arguments: ["validate", "world.json"] + Self.budget, output: nil, target: "world.json"),
        ]
        // a recipe over a mesh folder and a texture (its first scenes expanded and checked), and a batch folder's
        // records as `orbit batch status` reads them
        let done = #"{"id":"000000","index":0,"seed":1,"hash":"fnv1a64:0123456789abcdef","frames":4,"objects":2,"status":"done","seconds":0.5}"# + "\n"
        seeds[.recipe] = [
            FuzzCase(format: .recipe, name: "recipe-seed", files: ["recipe.json": Data(Self.recipe.utf8), "meshes/m.ply": PLYWriter.encode(mesh, encoding: .ascii), "tex.png": png],
                     arguments: ["recipe", "check", "recipe.json", "--scenes", "3"] + Self.budget, output: nil, target: "recipe.json"),
            FuzzCase(format: .recipe, name: "recipe-seed", files: ["b/batch.json": Data(Self.batchRecord.utf8), "b/scenes/000000/done.json": Data(done.utf8)],
                     arguments: ["batch", "status", "b", "--no-index"], output: nil, target: "b/batch.json"),
        ]

    }

    /// A checkpoint trained for two iterations on the transforms seed's dataset.
    static func addCheckpointSeed(_ seeds: inout [FuzzFormat: [FuzzCase]], orbit: String, workspace: URL) throws {
        let fm = FileManager.default
        let train = workspace.appendingPathComponent("checkpoint-seed")
        try? fm.removeItem(at: train)
        try fm.createDirectory(at: train.appendingPathComponent("data/images"), withIntermediateDirectories: true)
        for (path, data) in seeds[.transforms]![0].files { try data.write(to: train.appendingPathComponent(path)) }
        let made = try Self.run(orbit, ["reconstruct", train.appendingPathComponent("data").path, "--out", train.appendingPathComponent("recon").path,
                                        "--iterations", "2", "--coarse", "8", "--fine", "8", "--no-eval", "--threads", "1", "--quiet"])
        guard made == 0 else { throw FuzzSetupError(message: "orbit reconstruct failed to make the seed checkpoint (exit \(made))") }
        seeds[.checkpoint] = [FuzzCase(format: .checkpoint, name: "checkpoint-seed",
                                       files: ["recon/checkpoint.orbitrf": try Data(contentsOf: train.appendingPathComponent("recon/checkpoint.orbitrf")),
                                               "cams.json": Data(Self.transformsJSON(ext: "png", frames: 1, size: 8).utf8)],
                                       arguments: ["render", "recon", "--out", "out", "--cameras", "cams.json", "--threads", "1"] + Self.budget,
                                       output: "out", target: "recon/checkpoint.orbitrf")]

    }

    /// Video clips with known poses (no COLMAP): MP4 from Orbit's writer, MOV, MKV and WebM from ffmpeg.
    static func addVideoSeeds(_ seeds: inout [FuzzFormat: [FuzzCase]], ffmpeg: String?, workspace: URL) throws {
        let poses = Data(Self.transformsJSON(ext: "png", frames: 8, size: 32, names: "frame_%05d").utf8)
        func videoCase(_ format: FuzzFormat, _ clip: Data) -> FuzzCase {
            FuzzCase(format: format, name: "\(format.rawValue)-seed", files: ["clip.\(format.rawValue)": clip, "poses.json": poses],
                     arguments: ["process-video", "clip.\(format.rawValue)", "--out", "out", "--frames", "2", "--poses", "poses.json", "--quiet"] + Self.budget,
                     output: "out", target: "clip.\(format.rawValue)")
        }
        let mp4 = workspace.appendingPathComponent("clip.mp4")
        let writer = try VideoWriter(url: mp4, width: 32, height: 32, frameRate: 8)
        for f in 0..<8 { try writer.append(rgb: Self.testImage(32, 32, channels: 3, phase: f).samples) }
        try writer.finish()
        seeds[.mp4] = [videoCase(.mp4, try Data(contentsOf: mp4))]
        if let ffmpeg {
            for (format, codec) in [(FuzzFormat.mov, "libx264"), (.mkv, "libx265"), (.webm, "libvpx-vp9")] {
                let url = workspace.appendingPathComponent("clip.\(format.rawValue)")
                let status = try Self.run(ffmpeg, ["-loglevel", "error", "-y", "-i", mp4.path, "-c:v", codec, url.path])
                if status == 0 { seeds[format] = [videoCase(format, try Data(contentsOf: url))] }
            }
        }
    }

    /// `count` mutated cases of `format`, a pure function of (`format`, `seed`, case index).
    public func mutations(_ format: FuzzFormat, count: Int, seed: UInt64) -> [FuzzCase] {
        guard let bases = seeds[format], !bases.isEmpty else { return [] }
        return (0..<count).map { k in
            var rng = RandomStream(seed: seed, UInt64(FuzzFormat.allCases.firstIndex(of: format)!), UInt64(k))
            var c = bases[Int(rng.nextUInt64() % UInt64(bases.count))]
            c.name = "\(format.rawValue)-\(seed)-\(k)"
            c.files[c.target] = Mutator.mutate(c.files[c.target]!, rng: &rng)
            return c
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func testImage(_ w: Int, _ h: Int, channels: Int, phase: Int = 0) -> Image8 {
        var image = Image8(width: w, height: h, channels: channels)
        for y in 0..<h { for x in 0..<w { for c in 0..<channels {
            image[x, y, c] = c == 3 ? 255 : UInt8((x * 13 + y * 7 + c * 50 + phase * 9) % 256)
        } } }
        return image
    }

    static func pngData(_ image: Image8, workspace: URL) throws -> Data {
        let url = workspace.appendingPathComponent("seed-\(image.width)x\(image.height).png")
        try PNG.write(image, to: url)
        return try Data(contentsOf: url)
    }

    /// A transforms.json of `frames` cameras on a circle, looking at the origin.
    static func transformsJSON(ext: String, frames: Int, size: Int = 16, names: String = "images/f%d") -> String {
        let entries = (0..<frames).map { i -> String in
            let a = 2 * Double.pi * Double(i) / Double(max(frames, 1))
            let m = Camera.lookAt(eye: Vec3d(3 * cos(a), 3 * sin(a), 1), target: .zero)
            let rows = (0..<4).map { r in "[" + (0..<4).map { c in String(format: "%.6f", m[r, c]) }.joined(separator: ", ") + "]" }
            return "{\"file_path\": \"\(String(format: names, i)).\(ext)\", \"transform_matrix\": [\(rows.joined(separator: ", "))]}"
        }
        return "{\"fl_x\": \(size), \"fl_y\": \(size), \"cx\": \(Double(size) / 2), \"cy\": \(Double(size) / 2), \"w\": \(size), \"h\": \(size), \"frames\": [\(entries.joined(separator: ", "))]}"
    }

    static let stillScene = #"""
    {"format": 1, "name": "fuzz", "camera": {"width": 32, "height": 32, "fov_x_deg": 40}, "render": {"spp": 2, "max_bounces": 2},
     "rig": {"type": "orbit", "radius": 4, "frames": 4},
     "lights": [{"type": "environment", "top": [1, 1, 1], "bottom": [0.5, 0.5, 0.5]}],
     "objects": [{"type": "mesh", "path": "m.ply", "material": {"base_color_texture": "tex.png", "roughness": 0.5}},
                 {"type": "sphere", "radius": 0.5, "transform": {"translate": [1, 0, 0]}, "material": {"base_color": [0.8, 0.2, 0.2], "metallic": 1}}]}
    """#

    static let recipe = #"""
    {"recipe": 1, "name": "fuzz", "count": 100, "seed": 5, "image": {"width": 32, "height": 32, "spp": 2},
     "camera": {"rig": "orbit", "frames": 4, "rings": 2, "radius": [3, 4], "elevation_deg": [10, 50]},
     "lights": {"environment": {"intensity": [0.5, 1]}, "sun": {"probability": 0.5}, "area": {"count": [0, 2]}},
     "floor": {"size": [4, 4], "material": {"color": {"hsv": {"h": [0, 1]}}}},
     "objects": {"count": [1, 3], "region": {"min": [-1, -1, 0], "max": [1, 1, 0]},
                 "pool": [{"type": "folder", "path": "meshes", "scale": [0.2, 0.4]}, {"type": "box", "size": [0.1, 0.3], "weight": 2}],
                 "material": {"choice": [{"color": [0.8, 0.2, 0.2]}, {"textures": ["tex.png"], "metallic": 1}]}},
     "world": {"type": "frozen", "duration": 1}}
    """#

    static let batchRecord = #"""
    {"orbit_version": "0", "recipe": {"name": "fuzz", "file": "fuzz.recipe.json", "hash": "fnv1a64:0123456789abcdef", "count": 1, "seed": 0}}
    """#

    static let worldScene = #"""
    {"format": 1, "camera": {"width": 32, "height": 32}, "rig": {"type": "orbit", "radius": 5, "frames": 4},
     "physics": {"duration": 0.5, "clip": "live"},
     "objects": [{"type": "plane", "size": [4, 4]}, {"type": "box", "size": [0.3, 0.3, 0.3], "transform": {"translate": [0, 0, 1]}, "body": {"type": "dynamic", "mass": 1}}],
     "spawners": [{"type": "drop", "count": 3, "seed": 1, "region": {"min": [-1, -1, 0.5], "max": [1, 1, 1.5]}, "shapes": [{"type": "sphere", "radius": 0.1, "body": {"type": "dynamic", "density": 1000}}]}]}
    """#
}

public struct FuzzSetupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
