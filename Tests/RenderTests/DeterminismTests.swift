import Foundation
import Geometry
import Render
import SceneFormat
import Testing
import TestSupport

/// Pinned hashes (Box2D-style) of a rendered frame: every pixel's radiance, coverage, depth, normal and id, for 1
/// and 2 threads. Pixels take their random numbers from their own position and sample index, never from a
/// thread, so every thread count gives the same bytes. A change to this hash is a change of Orbit's renders and
/// must be made on purpose.
@Suite struct RenderDeterminismTests {
    @Test(arguments: [1, 2])
    func frameBytesArePinned(threads: Int) throws {
        let scene = try BuiltinScenes.defaultScene()
        let tracer = PathTracer(scene: try RenderScene(scene: scene, models: [:]))
        var settings = TraceSettings(scene.render)
        settings.samplesPerPixel = 4
        settings.threads = threads
        let view = scene.views()[3]
        let camera = Camera(width: 40, height: 30, fovX: view.camera.fovX, cameraToWorld: view.camera.cameraToWorld)
        let frame = tracer.render(camera: camera, frameIndex: 3, settings: settings)
        var hash = FNV1a64()
        for i in 0..<(frame.width * frame.height) {
            for v in [frame.radiance[i].x, frame.radiance[i].y, frame.radiance[i].z, frame.alpha[i], frame.depth[i],
                      frame.normals[i].x, frame.normals[i].y, frame.normals[i].z] {
                withUnsafeBytes(of: v.bitPattern) { hash.combine(bytes: Data($0)) }
            }
            withUnsafeBytes(of: frame.instanceIDs[i]) { hash.combine(bytes: Data($0)) }
        }
        #expect(hash.hex == "562058d5ffed5f3e", "threads \(threads): frame hash \(hash.hex)")
    }
}
