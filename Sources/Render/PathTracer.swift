import CEmbree
import Dispatch
import Foundation
import Geometry
import SceneFormat

/// Settings of one render call.
public struct TraceSettings: Sendable {
    /// Camera samples per pixel. Default 16.
    public var samplesPerPixel: Int = 16
    /// Maximum indirect bounces; 0 = direct lighting only. Default 4.
    public var maxBounces: Int = 4
    /// Seed of all sampling. Default 0.
    public var seed: UInt64 = 0
    /// Worker threads; images are bit-identical for any count. Default: all cores.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    public init() {}
    public init(_ render: RenderSettings) {
        samplesPerPixel = render.samplesPerPixel; maxBounces = render.maxBounces; seed = render.seed
    }
}

/// A unidirectional path tracer: next-event estimation for area and directional lights combined with BSDF
/// sampling by multiple importance sampling (power heuristic); the environment is reached by BSDF sampling
/// alone (for the constant and gradient environments of format v1, a cosine-shaped BSDF sample is already
/// close to the ideal light sample, so an extra environment shadow ray would cost more than it saves).
/// Paths are traced as streams per tile, so Embree can group coherent rays into packets.
public struct PathTracer: Sendable {
    public let scene: RenderScene
    public init(scene: RenderScene) { self.scene = scene }

    static let tileSize = 16

    /// Renders `camera`'s view; `frameIndex` decorrelates the noise of successive frames.
    public func render(camera: Camera, frameIndex: Int, settings: TraceSettings) -> Frame {
        let w = camera.width, h = camera.height
        let tilesX = (w + Self.tileSize - 1) / Self.tileSize, tilesY = (h + Self.tileSize - 1) / Self.tileSize
        let tileCount = tilesX * tilesY
        var frame = Frame(width: w, height: h)
        let view = PixelRays(camera)
        let queue = TileQueue(count: tileCount)
        let threads = max(1, min(settings.threads, tileCount))
        frame.radiance.withUnsafeMutableBufferPointer { radiance in
        frame.alpha.withUnsafeMutableBufferPointer { alpha in
        frame.depth.withUnsafeMutableBufferPointer { depth in
        frame.normals.withUnsafeMutableBufferPointer { normals in
        frame.instanceIDs.withUnsafeMutableBufferPointer { ids in
            let out = FrameTarget(radiance: radiance, alpha: alpha, depth: depth, normals: normals, ids: ids)
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                let worker = PathIntegrator(scene: scene, settings: settings, view: view, frameIndex: frameIndex)
                while let tile = queue.next() {
                    let x0 = (tile % tilesX) * Self.tileSize, y0 = (tile / tilesX) * Self.tileSize
                    worker.render(x0: x0, y0: y0, x1: min(x0 + Self.tileSize, w), y1: min(y0 + Self.tileSize, h), into: out)
                }
                queue.addRays(worker.rayCount)
            }
        }}}}}
        frame.rayCount = queue.rays
        return frame
    }
}

/// Raw views of the frame's buffers; each tile writes only its own pixels.
struct FrameTarget: @unchecked Sendable {
    let radiance: UnsafeMutableBufferPointer<Vec3>
    let alpha: UnsafeMutableBufferPointer<Float>
    let depth: UnsafeMutableBufferPointer<Float>
    let normals: UnsafeMutableBufferPointer<Vec3>
    let ids: UnsafeMutableBufferPointer<UInt16>
}

/// Hands out tile indices to workers and gathers their ray counts.
final class TileQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int
    private(set) var rays = 0
    init(count: Int) { self.count = count }
    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
    func addRays(_ n: Int) { lock.lock(); rays += n; lock.unlock() }
}
