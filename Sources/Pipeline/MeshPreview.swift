import Capture
import Foundation
import Geometry
import Media
import Render
import SceneFormat

/// Renders a mesh file with Orbit's own path tracer, lit by a soft sky and a sun, on white: how an exported
/// mesh looks, independent of any viewer.
public enum MeshPreview {
    /// One RGB image per camera. `upAxis` is the file's ("y" for glTF/OBJ as `orbit export` writes them).
    public static func render(meshFile: URL, upAxis: String, cameras: [Camera], samplesPerPixel: Int = 16, threads: Int) throws -> [Image8] {
        guard let first = cameras.first else { return [] }
        let json = """
        {
          "format": 1,
          "name": "mesh preview",
          "camera": {"width": \(first.width), "height": \(first.height)},
          "render": {"spp": \(samplesPerPixel), "max_bounces": 3},
          "rig": {"type": "orbit", "radius": 1, "frames": 1},
          "background": {"type": "color", "color": [1, 1, 1]},
          "lights": [
            {"type": "environment", "top": [0.9, 0.9, 0.95], "bottom": [0.35, 0.33, 0.3]},
            {"type": "directional", "direction": [-0.4, 0.3, -1], "irradiance": [1.6, 1.55, 1.5]}
          ],
          "objects": [{"type": "mesh", "name": "exported mesh", "path": \(jsonString(meshFile.lastPathComponent)), "up_axis": "\(upAxis)"}]
        }
        """
        let scene = try SceneLoader.decode(Data(json.utf8), file: "<mesh preview>", baseDirectory: meshFile.deletingLastPathComponent())
        let tracer = PathTracer(scene: try RenderScene(scene: scene, models: try Generator.loadModels(scene)))
        var settings = TraceSettings(scene.render)
        settings.threads = threads
        return cameras.enumerated().map { index, camera in
            let frame = tracer.render(camera: camera, frameIndex: index, settings: settings)
            var image = Image8(width: camera.width, height: camera.height, channels: 3)
            image.samples = FrameEncoding.composited(frame, matte: .zero)
            return image
        }
    }

    /// `count` cameras on a ring around `bounds` at `elevation`, far enough to see all of it.
    public static func ring(around bounds: Bounds3, count: Int, elevationDegrees: Double = 25, size: Int = 320) -> [Camera] {
        let fov = 40 * Double.pi / 180
        let distance = bounds.diagonal / 2 / sin(fov / 2) * 1.05
        let e = elevationDegrees * .pi / 180
        return (0..<count).map { i in
            let a = 2 * Double.pi * Double(i) / Double(count) + .pi / 4
            let eye = bounds.center + distance * Vec3d(cos(e) * cos(a), cos(e) * sin(a), sin(e))
            return Camera(width: size, height: size, fovX: fov, cameraToWorld: Camera.lookAt(eye: eye, target: bounds.center))
        }
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self).dropFirst().dropLast().description
}
