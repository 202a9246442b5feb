import Dataset
import Dispatch
import Foundation
import Geometry

/// A rendered view of the field: sRGB-encoded colour composited on the background, and expected depth.
public struct FieldImage: Sendable {
    public var width: Int
    public var height: Int
    public var color: [Vec3]
    /// Expected ray termination distance Σ wᵢ tᵢ along the ray, metres (converted to z-depth by `zDepth`).
    public var rayDepth: [Float]
    /// Opacity 1 − T (the fraction of the ray absorbed by the field).
    public var opacity: [Float]
    /// Distance along the ray where the transmittance reaches ½, metres; infinity where it never does.
    public var medianDepth: [Float]
}

extension RadianceGrid where S == Float {
    /// Renders `camera`'s view through pixel centres on `threads` threads (no occupancy skipping beyond
    /// what `occupancy` allows; pass the trainer's for speed).
    public func render(camera: Camera, background: Vec3, stepScale: Double, occupancy: [UInt8]?, blockSize: Int, threads: Int,
                       surfaceTransmittance: Float = 0.5) -> FieldImage {
        let w = camera.width, h = camera.height
        let color = ResultSlots<[Vec3]>(count: h), depth = ResultSlots<[Float]>(count: h), opacity = ResultSlots<[Float]>(count: h)
        let median = ResultSlots<[Float]>(count: h)
        let rays = PixelRays(camera)
        density.withUnsafeBufferPointer { density in
        sh.withUnsafeBufferPointer { sh in
            let occupancyPointer = occupancy.map { o in o.withUnsafeBufferPointer { UnsafeSendable($0.baseAddress!) } }
            var field = FieldView<Float>(density: density.baseAddress!, sh: sh.baseAddress!, resolution: resolution, lower: lower, spacing: spacing,
                                        stepScale: stepScale, occupancy: occupancyPointer.map { UnsafePointer($0.pointer) }, blockSize: blockSize)
            field.surfaceTransmittance = surfaceTransmittance
            let view = field
            let rowsPerTask = max(1, h / (threads * 8))
            let tasks = (h + rowsPerTask - 1) / rowsPerTask
            DispatchQueue.concurrentPerform(iterations: tasks) { task in
                for y in (task * rowsPerTask)..<min(h, (task + 1) * rowsPerTask) {
                    var c = [Vec3](repeating: .zero, count: w), d = [Float](repeating: 0, count: w), o = [Float](repeating: 0, count: w)
                    var m = [Float](repeating: 0, count: w)
                    for x in 0..<w {
                        let (origin, direction) = rays.ray(x: Float(x) + 0.5, y: Float(y) + 0.5)
                        let r = view.render(origin: origin, direction: direction, jitter: 0.5, background: background)
                        c[x] = r.color; d[x] = r.depth; o[x] = 1 - r.transmittance; m[x] = r.medianDepth
                    }
                    color.set(y, c); depth.set(y, d); opacity.set(y, o); median.set(y, m)
                }
            }
        }}
        return FieldImage(width: w, height: h, color: color.values.flatMap { $0! }, rayDepth: depth.values.flatMap { $0! },
                          opacity: opacity.values.flatMap { $0! }, medianDepth: median.values.flatMap { $0! })
    }

    /// The distances along the pixel centres' rays of `camera` at which the field has absorbed `1 − surfaceTransmittance`
    /// of the light (infinity where it never does), row-major: `render(...).medianDepth` without the colours, each
    /// march stopping at its crossing, so it costs a fraction of a render.
    public func surfaceDepths(camera: Camera, surfaceTransmittance: Float, stepScale: Double, occupancy: [UInt8]?, blockSize: Int, threads: Int) -> [Float] {
        let w = camera.width, h = camera.height
        let rows = ResultSlots<[Float]>(count: h)
        let rays = PixelRays(camera)
        density.withUnsafeBufferPointer { density in
        sh.withUnsafeBufferPointer { sh in
            let occupancyPointer = occupancy.map { o in o.withUnsafeBufferPointer { UnsafeSendable($0.baseAddress!) } }
            var field = FieldView<Float>(density: density.baseAddress!, sh: sh.baseAddress!, resolution: resolution, lower: lower, spacing: spacing,
                                        stepScale: stepScale, occupancy: occupancyPointer.map { UnsafePointer($0.pointer) }, blockSize: blockSize)
            field.surfaceTransmittance = surfaceTransmittance
            field.minTransmittance = surfaceTransmittance
            field.colored = false
            let view = field
            let rowsPerTask = max(1, h / (threads * 8))
            DispatchQueue.concurrentPerform(iterations: (h + rowsPerTask - 1) / rowsPerTask) { task in
                for y in (task * rowsPerTask)..<min(h, (task + 1) * rowsPerTask) {
                    var m = [Float](repeating: 0, count: w)
                    for x in 0..<w {
                        let (origin, direction) = rays.ray(x: Float(x) + 0.5, y: Float(y) + 0.5)
                        m[x] = view.render(origin: origin, direction: direction, jitter: 0.5, background: .zero).medianDepth
                    }
                    rows.set(y, m)
                }
            }
        }}
        return rows.values.flatMap { $0! }
    }
}
