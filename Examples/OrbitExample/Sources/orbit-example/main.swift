import Foundation
import OrbitKit

// Where everything goes (replaced on every run).
let output = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "example-output")

// 1. A scene in code: a red sphere resting on a grey slab, under a sky, seen from two rings of 24 cameras.
var camera = CameraSettings()
camera.width = 96; camera.height = 96
var render = RenderSettings()
render.samplesPerPixel = 8
var rig = OrbitRig()
rig.radius = 3; rig.framesPerRing = 24; rig.elevations = [20 * .pi / 180, 50 * .pi / 180]; rig.testEvery = 8
let scene = try Scene(name: "example", objects: [
    SceneObject(.sphere(center: Vec3d(0, 0, 0.5), radius: 0.5), name: "ball", material: Material(baseColor: Vec3d(0.8, 0.1, 0.1), roughness: 0.3)),
    SceneObject(.box(size: Vec3d(1.4, 1.4, 0.2)), name: "slab", transform: Matrix4.compose(translation: Vec3d(0, 0, -0.1), rotation: .identity),
                material: Material(baseColor: Vec3d(0.5, 0.5, 0.5))),
], camera: camera, render: render, rig: .orbit(rig))

// 2. The orbit clip: frames, exact cameras and ground truth in a dataset folder.
let clip = output.appendingPathComponent("clip")
let generated = try Orbit.generate(scene, into: clip, overwrite: true)
let views = try Orbit.readDataset(clip, split: .train)
print("generated \(generated.frames) frames of \(generated.width)x\(generated.height); \(views.images.count) train the field")

// 3. A radiance field fitted on the CPU, evaluated on the held-out views.
var training = TrainingRunSettings()
training.iterations = 400
training.training.coarseResolution = 32
training.training.fineResolution = 48
training.training.upsampleIteration = 200
training.training.randomBackground = true   // transparent pixels become empty space: a cleaner mesh
let field = output.appendingPathComponent("field")
let trained = try Orbit.reconstruct(dataset: clip, into: field, settings: training, overwrite: true)
print(String(format: "trained %d iterations; held-out PSNR %.2f dB over %d views", trained.iterations, trained.testPSNR ?? .nan, trained.testViews))

// 4. A mesh a viewer opens (glTF binary, +Y up).
let mesh = output.appendingPathComponent("mesh.glb")
let exported = try Orbit.export(field, mesh: mesh, overwrite: true)
print("wrote \(mesh.path): \(exported.mesh?.mesh.triangleCount ?? 0) triangles")
