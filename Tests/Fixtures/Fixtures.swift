import Capture
import Foundation
import SceneFormat
import TestSupport

public let tinyScene = #"""
{"format": 1, "camera": {"width": 32, "height": 24, "fov_x_deg": 50}, "render": {"spp": 4, "max_bounces": 1},
 "frame_rate": 10, "rig": {"type": "orbit", "radius": 3, "elevation_deg": 30, "frames": 3, "test_every": 3},
 "lights": [{"type": "environment", "radiance": [1, 1, 1]}],
 "objects": [{"type": "sphere", "radius": 0.5}, {"type": "plane", "size": [4, 4]}]}
"""#

/// Clips rendered once per test process and copied to each test that asks: the same scene is not rendered
/// again by every suite that trains on it.
final class ClipCache: @unchecked Sendable {
    static let shared = ClipCache()
    private let lock = NSLock()
    private let folder = TemporaryFolder()
    private var made: [String: Result<URL, Error>] = [:]

    /// The clip named `key`, made by `make` into the given folder on first use.
    func clip(_ key: String, make: (URL) throws -> Void) throws -> URL {
        lock.lock(); defer { lock.unlock() }
        if let done = made[key] { return try done.get() }
        let result = Result { () throws -> URL in
            let url = folder.path(key)
            try make(url)
            return url
        }
        made[key] = result
        return try result.get()
    }
}

/// 40 views of a textured sphere at 64×64 (or `size`²) made by the generator; every 5th view is held out. `scale` shrinks the
/// sphere and the camera distances alike (the images stay the same); `lens` (a scene file's camera `lens`
/// object) renders every view through a distorting lens, from cameras `closer` times as far with a field of
/// view of `fov` degrees; with either, the sphere sits off the point the cameras look at, so that it crosses
/// the image from view to view (a lens ignored then cannot be mistaken for another shape).
public func smallDataset(in folder: TemporaryFolder, scale: Double = 1, lens: String? = nil, closer: Double = 1, fov: Double = 40,
                         size: Int = 64) throws -> URL {
    let master = try ClipCache.shared.clip("small-\(scale)-\(lens ?? "pinhole")-\(closer)-\(fov)-\(size)") { out in
        let scratch = out.deletingLastPathComponent().appendingPathComponent("scene-\(scale)-\(lens == nil ? "pinhole" : "lens")-\(closer)-\(fov)-\(size)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        // assets live beside the scene (the path policy)
        try FileManager.default.copyItem(at: repositoryRoot().appendingPathComponent("scenes/assets/uv_grid.png"),
                                         to: scratch.appendingPathComponent("uv_grid.png"))
        let json = #"""
        {"format": 1, "camera": {"width": \#(size), "height": \#(size), "fov_x_deg": \#(fov)\#(lens.map { ", \"lens\": " + $0 } ?? "")}, "render": {"spp": 16, "max_bounces": 2},
         "rig": {"type": "random", "count": 40, "radius": \#(4 * scale * closer), "min_elevation_deg": -30, "max_elevation_deg": 80, "test_every": 5},
         "background": {"type": "transparent"}, "lights": [{"type": "environment", "top": [1.2, 1.2, 1.2], "bottom": [0.6, 0.6, 0.6]}],
         "objects": [{"type": "sphere", "radius": \#(0.8 * scale), "center": \#(lens == nil && closer == 1 ? "[0, 0, 0]" : "[0.4, 0.25, 0.15]"), "material": {"base_color_texture": "uv_grid.png", "roughness": 0.8}}]}
        """#
        let scene = try SceneLoader.decode(Data(json.utf8), file: "small.json", baseDirectory: scratch)
        _ = try Generator(scene: scene).run(output: out, overwrite: false)
    }
    let out = folder.path(lens == nil && closer == 1 && fov == 40 && size == 64 ? "small" : "small-\(lens == nil ? "pinhole" : "lens")-\(closer)-\(fov)-\(size)")
    try FileManager.default.copyItem(at: master, to: out)
    return out
}

/// An orbit clip (48 frames at 320×320, one ring at 30°, radius 3.2) of textured objects: its video and true poses
/// (rendered once per test process, copied into `folder`).
public func orbitClip(in folder: TemporaryFolder) throws -> URL {
    let json = #"""
    {"format": 1, "camera": {"width": 320, "height": 320, "fov_x_deg": 45}, "render": {"spp": 4, "max_bounces": 1},
     "rig": {"type": "orbit", "radius": 3.2, "elevations_deg": [30], "frames": 48, "look_at": [0, 0, 0.3]},
     "background": {"type": "color", "color": [0.2, 0.2, 0.2]}, "lights": [{"type": "environment", "radiance": [1, 1, 1]}],
     "objects": [{"type": "plane", "size": [3, 3], "material": {"base_color_texture": "assets/blobs.png", "roughness": 0.9}},
                 {"type": "box", "size": [0.6, 0.6, 0.6], "transform": {"translate": [0.3, -0.2, 0.3], "rotate_deg": [0, 0, 25]}, "material": {"base_color_texture": "assets/blobs.png"}},
                 {"type": "sphere", "center": [-0.5, 0.4, 0.35], "radius": 0.35, "material": {"base_color_texture": "assets/blobs.png"}}]}
    """#
    let master = try ClipCache.shared.clip("orbit") { out in
        let scene = try decodeScene(json, file: "orbit.json", folder: repositoryRoot().appendingPathComponent("scenes"))
        _ = try Generator(scene: scene).run(output: out, overwrite: false)
    }
    let out = folder.path("clip")
    try FileManager.default.copyItem(at: master, to: out)
    return out
}

