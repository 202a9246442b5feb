import Foundation

/// Scenes compiled into the binary, so `orbit generate` runs with no files at all.
public enum BuiltinScenes {
    /// Three primitives seen from all around (rings below, level with and above them) against a transparent
    /// background: 72 frames at 400×400, every 8th held out. Made to be reconstructed: `orbit run` on it
    /// finishes in minutes and its mesh can be compared with the exact ground truth.
    public static let defaultSceneJSON = """
    {
      "format": 1,
      "name": "default",
      "description": "Orbit's built-in scene: a ball, a box and a can, orbited on three rings against a transparent background.",
      "camera": {"width": 400, "height": 400, "fov_x_deg": 40},
      "render": {"spp": 16, "max_bounces": 3, "seed": 0},
      "frame_rate": 24,
      "rig": {"type": "orbit", "radius": 4.2, "elevations_deg": [-25, 10, 40], "frames": 24, "look_at": [0, 0, 0.4], "test_every": 8},
      "background": {"type": "transparent"},
      "lights": [
        {"type": "environment", "top": [0.75, 0.8, 0.9], "bottom": [0.35, 0.33, 0.3]},
        {"type": "quad", "corner": [-0.75, -0.75, 3.5], "edge1": [0, 1.5, 0], "edge2": [1.5, 0, 0], "radiance": [6, 5.7, 5.3]}
      ],
      "objects": [
        {"type": "sphere", "name": "red ball", "center": [-0.6, 0.3, 0.5], "radius": 0.5,
         "material": {"base_color": [0.8, 0.12, 0.1], "roughness": 0.45}},
        {"type": "box", "name": "blue box", "size": [0.7, 0.7, 0.7], "transform": {"translate": [0.6, -0.4, 0.35], "rotate_deg": [0, 0, 30]},
         "material": {"base_color": [0.15, 0.3, 0.8], "roughness": 0.6}},
        {"type": "cylinder", "name": "gold can", "radius": 0.25, "height": 0.9, "transform": {"translate": [0.5, 0.8, 0.45]},
         "material": {"base_color": [1.0, 0.78, 0.34], "metallic": 0.7, "roughness": 0.4}}
      ]
    }
    """

    public static func defaultScene() throws -> Scene {
        try SceneLoader.decode(Data(defaultSceneJSON.utf8), file: "<built-in default scene>",
                               baseDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }
}
