import Dataset
import Foundation
import Geometry
import Media
import Reconstruction
import Surface

/// Pictures and figures of an exported mesh that need no lights: its texture seen from held-out cameras (and
/// its PSNR there), and its facets shaded by their normals, where pits and holes show first.
public enum MeshViews {
    /// The textured mesh (world coordinates, with texture coordinates) rendered unlit (base colour only) from
    /// `cameras`, over `background`: sRGB in 0...1, row-major.
    public static func textured(_ mesh: TriangleMesh, texture: TextureSampler, camera: Camera, background: Vec3) -> [Vec3] {
        let raster = MeshRaster(mesh, camera: camera)
        return raster.shaded(background: background) { t, w in
            let uv = w.x * mesh.uvs[Int(mesh.indices[3 * t])] + w.y * mesh.uvs[Int(mesh.indices[3 * t + 1])] + w.z * mesh.uvs[Int(mesh.indices[3 * t + 2])]
            return texture.sample(uv)
        }
    }

    /// Every facet coloured by its own normal in the camera's frame, (n + 1) / 2 (right red, up green, towards
    /// the camera blue), on white: no interpolation hides a dent.
    public static func normals(_ mesh: TriangleMesh, camera: Camera) -> [Vec3] {
        let raster = MeshRaster(mesh, camera: camera)
        let rays = PixelRays(camera)
        return raster.shaded(background: Vec3(1, 1, 1)) { t, _ in
            let a = mesh.positions[Int(mesh.indices[3 * t])], b = mesh.positions[Int(mesh.indices[3 * t + 1])], c = mesh.positions[Int(mesh.indices[3 * t + 2])]
            var n = cross(b - a, c - a)
            n = length(n) > 0 ? normalize(n) : rays.back
            let local = Vec3(dot(n, rays.right), dot(n, rays.up), dot(n, rays.back))
            return (local + 1) / 2
        }
    }

    /// The unlit textured mesh with `samples`² samples per pixel on a regular grid, averaged (edges anti-aliased as
    /// a path tracer's or a viewer's are).
    public static func texturedAntialiased(_ mesh: TriangleMesh, texture: TextureSampler, camera: Camera, background: Vec3, samples: Int) -> [Vec3] {
        guard samples > 1 else { return textured(mesh, texture: texture, camera: camera, background: background) }
        let fine = textured(mesh, texture: texture, camera: camera.upscaled(by: samples), background: background)
        let w = camera.width, fw = w * samples
        var out = [Vec3](repeating: .zero, count: w * camera.height)
        for y in 0..<camera.height { for x in 0..<w {
            var sum = Vec3.zero
            for dy in 0..<samples { for dx in 0..<samples { sum += fine[(y * samples + dy) * fw + x * samples + dx] } }
            out[y * w + x] = sum / Float(samples * samples)
        } }
        return out
    }

    /// Mean PSNR over `views` of the unlit textured mesh (2 × 2 samples per pixel) against the images (composited
    /// over their background, as the field is evaluated).
    public static func psnr(_ mesh: TriangleMesh, texture: TextureSampler, views: PosedImages) -> Double {
        guard !views.images.isEmpty else { return .nan }
        var sum = 0.0
        for i in views.images.indices {
            let render = texturedAntialiased(mesh, texture: texture, camera: views.images[i].camera, background: views.background, samples: 2)
            sum += ImageMetrics.psnr(render, views.colors(i))
        }
        return sum / Double(views.images.count)
    }

    /// An 8-bit RGB image of sRGB colours in 0...1.
    public static func image(_ colors: [Vec3], width: Int, height: Int) -> Image8 {
        var image = Image8(width: width, height: height, channels: 3)
        for (i, c) in colors.enumerated() {
            let q = pointwiseMin(pointwiseMax(c, Vec3.zero), Vec3(1, 1, 1)) * 255
            image.samples[3 * i] = UInt8(q.x.rounded()); image.samples[3 * i + 1] = UInt8(q.y.rounded()); image.samples[3 * i + 2] = UInt8(q.z.rounded())
        }
        return image
    }
}
