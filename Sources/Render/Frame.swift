import Geometry

/// One rendered view. Radiance is linear RGB averaged over the pixel's samples, with escaping camera rays
/// contributing the background (nothing when it is transparent), so `radiance` is premultiplied by `alpha`.
public struct Frame: Sendable {
    public var width: Int
    public var height: Int
    /// Mean linear radiance per pixel, premultiplied by alpha.
    public var radiance: [Vec3]
    /// Pixel coverage: the fraction of camera samples that hit geometry, 0...1.
    public var alpha: [Float]
    /// z-depth of the pixel-centre ray's first hit in metres (along the camera's −Z axis); 0 where it hits nothing.
    public var depth: [Float]
    /// World-space unit normal of the surface at the pixel-centre hit (as the surface defines it, not flipped
    /// towards the camera); zero where nothing is hit.
    public var normals: [Vec3]
    /// Instance id at the pixel centre: object index + 1; 0 for background and lights.
    public var instanceIDs: [UInt16]
    /// Rays traced (camera, continuation and shadow), for throughput figures.
    public var rayCount: Int

    init(width: Int, height: Int) {
        self.width = width; self.height = height
        let n = width * height
        radiance = Array(repeating: .zero, count: n)
        alpha = Array(repeating: 0, count: n)
        depth = Array(repeating: 0, count: n)
        normals = Array(repeating: .zero, count: n)
        instanceIDs = Array(repeating: 0, count: n)
        rayCount = 0
    }

    /// Straight (un-premultiplied) linear colour of a pixel.
    public func straightColor(_ i: Int) -> Vec3 { alpha[i] > 0 ? radiance[i] / alpha[i] : .zero }
}
