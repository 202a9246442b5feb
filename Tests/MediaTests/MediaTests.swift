import Assets
import Exporters
import Foundation
import Geometry
import Media
import Testing
import TestSupport

@Suite struct PNGTests {
    @Test func eightAndSixteenBitImagesRoundTrip() throws {
        let folder = TemporaryFolder()
        var rgba = Image8(width: 5, height: 3, channels: 4)
        for i in rgba.samples.indices { rgba.samples[i] = UInt8((i * 37) % 256) }
        try PNG.write(rgba, to: folder.path("a.png"))
        guard case .eight(let back8) = try PNG.read(folder.path("a.png")) else { Issue.record("expected 8-bit"); return }
        #expect(back8 == rgba)

        let depth = Image16(width: 4, height: 2, channels: 1, samples: [0, 1, 255, 256, 1000, 40000, 65534, 65535])
        try PNG.write(depth, to: folder.path("d.png"))
        guard case .sixteen(let back16) = try PNG.read(folder.path("d.png")) else { Issue.record("expected 16-bit"); return }
        #expect(back16 == depth)
    }

    @Test func corruptFilesAreErrorsNotCrashes() throws {
        let folder = TemporaryFolder()
        let url = folder.write("not a png", to: "x.png")
        #expect(throws: MediaError.self) { try PNG.read(url) }
        // a truncated PNG: libpng's longjmp must come back as an error
        try PNG.write(Image8(width: 64, height: 64, channels: 3), to: folder.path("t.png"))
        let data = try Data(contentsOf: folder.path("t.png"))
        try data.prefix(data.count / 2).write(to: folder.path("t.png"))
        #expect(throws: MediaError.self) { try PNG.read(folder.path("t.png")) }
    }
}

@Suite struct VideoTests {
    /// The MP4 decodes back (with ffprobe, independently of our code) to the right frame count, size and duration.
    @Test func mp4HasTheRightFramesSizeAndDuration() throws {
        guard let ffprobe = which("ffprobe") else { Issue.record("ffprobe not found; run scripts/bootstrap"); return }
        let folder = TemporaryFolder()
        let url = folder.path("v.mp4")
        for (width, height, expectedWidth, expectedHeight) in [(64, 48, 64, 48), (33, 17, 34, 18)] {
            let writer = try VideoWriter(url: url, width: width, height: height, frameRate: 12)
            for f in 0..<18 {
                try writer.append(rgb: (0..<(width * height * 3)).map { UInt8(($0 + f * 7) % 256) })
            }
            try writer.finish()
            let result = try runProcess(ffprobe, ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                                  "stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration", "-of", "default=nw=1", url.path])
            #expect(result.status == 0)
            let fields = Dictionary(uniqueKeysWithValues: result.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            })
            #expect(fields["codec_name"] == "h264" && fields["pix_fmt"] == "yuv420p")
            #expect(fields["width"] == "\(expectedWidth)" && fields["height"] == "\(expectedHeight)")
            #expect(fields["nb_read_frames"] == "18")
            #expect(abs((Double(fields["duration"] ?? "") ?? 0) - 1.5) < 1e-3)
        }
    }
}

@Suite struct AssetTests {
    @Test func bilinearTextureLookupFollowsTheUVConvention() {
        // 2×2 texels: top row red, green; bottom row blue, white. UV (0, 0) is the bottom-left corner.
        let t = Texture(width: 2, height: 2, texels: [Vec3(1, 0, 0), Vec3(0, 1, 0), Vec3(0, 0, 1), Vec3(1, 1, 1)])
        #expect(t.sample(Vec2(0.25, 0.75)) == Vec3(1, 0, 0))
        #expect(t.sample(Vec2(0.75, 0.75)) == Vec3(0, 1, 0))
        #expect(t.sample(Vec2(0.25, 0.25)) == Vec3(0, 0, 1))
        #expect(t.sample(Vec2(0.5, 0.75)) == Vec3(0.5, 0.5, 0))  // halfway between red and green
        #expect(t.sample(Vec2(1.25, -0.75)) == Vec3(0, 0, 1))    // repeat addressing: (0.25, 0.25)
    }

    @Test func objWithMTLAndTextureImports() throws {
        let model = try MeshImporter.load(repositoryRoot().appendingPathComponent("scenes/assets/knot_textured.obj"),
                                          options: .init(upAxis: "y", normalizeToUnitSphere: true))
        #expect(model.triangleCount == 4096)
        let material = model.materials[model.parts[0].materialIndex]
        #expect(material.texture?.width == 256)
        let mesh = model.merged
        #expect(mesh.uvs.count == mesh.positions.count && mesh.normals.count == mesh.positions.count)
        let radius = mesh.positions.map { length($0 - Vec3(Float(mesh.bounds.center.x), Float(mesh.bounds.center.y), Float(mesh.bounds.center.z))) }.max()!
        #expect(abs(radius - 1) < 1e-5)
        // the knot was written Y-up; imported Z-up it is flat in z (its height is the small tube extent)
        let b = mesh.bounds
        #expect(b.upper.z - b.lower.z < b.upper.x - b.lower.x)
    }

    @Test func plyWrittenByUsReimportsThroughAssimp() throws {
        let folder = TemporaryFolder()
        var mesh = Primitives.box(size: Vec3(1, 2, 3))
        mesh.colors = mesh.positions.map { _ in Vec3(0.2, 0.4, 0.6) }
        for encoding in [PLYWriter.Encoding.binary, .ascii] {
            let url = folder.path("box-\(encoding).ply")
            try PLYWriter.encode(mesh, encoding: encoding).write(to: url)
            let model = try MeshImporter.load(url, options: .init(upAxis: "z"))
            let back = model.merged
            #expect(back.triangleCount == 12)
            #expect(abs(back.surfaceArea - 22) < 1e-4)
            #expect(back.bounds == mesh.bounds)
        }
    }

    @Test func unusableMeshesAreErrors() throws {
        let folder = TemporaryFolder()
        let points = folder.write("v 0 0 0\nv 1 0 0\nv 0 1 0\n", to: "points.obj")
        #expect(throws: AssetError.self) { try MeshImporter.load(points) }
        let garbage = folder.write("solid nothing\n this is not an stl\n", to: "bad.stl")
        #expect(throws: AssetError.self) { try MeshImporter.load(garbage) }
    }
}
