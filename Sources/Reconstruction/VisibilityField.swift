import Dispatch
import Foundation
import Geometry
import RealModule
import Surface

extension RadianceGrid where S == Float {
    /// How far inside the visibility hull each point of `like`'s lattice is, metres (positive inside): over the
    /// training views that frame the point, the k-th smallest (distance from the camera − the distance at which the
    /// ray through the pixel it projects to has lost `absorbed` of its light), k = `freeFraction` of those views (at
    /// least 2, at most all of them), clamped to ±4 lattice steps. Views whose ray never loses that much see straight
    /// through. The depths come from renders at about 400 × 400 pixels or the views' own size, if smaller.
    /// `grid` holds the density (after the ReLU): points with no density that matters within 4 lattice steps (less
    /// than 1% of a ray's light over those steps) take −4 steps without asking the views, since no view can see a
    /// surface near them; such points inside an object are enclosed, and extraction fills them.
    public func visibilityField(like grid: ScalarGrid, views viewDepths: ViewDepths, freeFraction: Double) -> ScalarGrid {
        let level = Float(0.01 / (4 * grid.spacing.max() * FieldScale.factor(spacing: spacing, resolution: resolution)))
        let near = grid.dilatedMask(above: level, radius: 4)
        // no point needs more free views than this, so a point is settled once this many see it free by the cap
        let most = min(32, max(2, Int((freeFraction * Double(viewDepths.cameras.count)).rounded(.up))))
        let cap = Float(4 * grid.spacing.max())
        let views = viewDepths.cameras
        let rays = views.map { PixelRays($0) }
        var values = [Float](repeating: 0, count: grid.values.count)
        let nx = grid.nx, ny = grid.ny, nz = grid.nz
        values.withUnsafeMutableBufferPointer { out in
            let target = UnsafeSendable(out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: nz) { k in
                // the `most` smallest values of (distance − surface depth) over the views, ascending; one buffer per slab
                var smallest = [Float](repeating: cap, count: most)
                for j in 0..<ny { for i in 0..<nx {
                    guard near[(k * ny + j) * nx + i] else { target.pointer[(k * ny + j) * nx + i] = -cap; continue }
                    let p = grid.origin + Vec3d(Double(i), Double(j), Double(k)) * grid.spacing
                    let q = Vec3(Float(p.x), Float(p.y), Float(p.z))
                    for m in 0..<most { smallest[m] = cap }
                    var framed = 0
                    for v in views.indices {
                        guard let (surface, distance) = viewDepths.look(v, at: q, rays: rays[v]) else { continue }
                        framed += 1
                        var value = max(distance - surface, -cap)   // negative: this view sees the point in front of its surface
                        for m in 0..<most where value < smallest[m] { swap(&value, &smallest[m]) }
                        if smallest[most - 1] <= -cap { break }
                    }
                    let needed = min(most, framed, max(2, Int((freeFraction * Double(framed)).rounded(.up))))
                    let inside = smallest[max(needed, 1) - 1]
                    // no view frames the point: nothing says it is solid
                    target.pointer[(k * ny + j) * nx + i] = framed > 0 ? inside : -cap
                } }
            }
        }
        return ScalarGrid(nx: nx, ny: ny, nz: nz, origin: grid.origin, spacing: grid.spacing, values: values)
    }

    /// Per vertex: the unit normal −∇σ / |∇σ| (the adjacent faces' area-weighted normal where the gradient vanishes
    /// or strays more than 60° from it), and the
    /// colour a ray along −n starting 1.5 lattice steps outside composites from the view-independent colour.
}

/// The training views' depth maps: where each view's rays meet the field's surface.
public struct ViewDepths: Sendable {
    /// The views, at the resolution of the maps (at most about 400 pixels a side).
    public var cameras: [Camera]
    /// Per view, row-major: the distance along the pixel centre's ray at which the ray has lost `absorbed` of its
    /// light; infinity where it never does.
    public var depths: [[Float]]
    /// The fraction of light lost at the recorded distance.
    public var absorbed: Double

    /// The median over the views of the width, in metres, that one pixel covers at the distance of `point`.
    public func pixelFootprint(at point: Vec3d) -> Double {
        let widths = cameras.map { length(point - $0.origin) / $0.fx }.sorted()
        return widths.isEmpty ? 0 : widths[widths.count / 2]
    }

    /// The `count` views that see `p` most head-on, as (cosine between `normal` and the direction to the camera,
    /// view): views that frame `p`, face it (cosine > 0.2) and whose depth map does not put another surface in
    /// front of it by more than `tolerance` / cosine metres. `rays` are the views' `PixelRays`; `best` is overwritten.
    public func bestViews(at p: Vec3, normal n: Vec3, rays: [PixelRays], tolerance: Float, count: Int, into best: inout [(score: Float, view: Int)]) {
        best.removeAll(keepingCapacity: true)
        for v in rays.indices {
            let facing = dot(n, normalize(rays[v].origin - p))
            // an oblique ray crosses a surface's soft front over a longer stretch, so it may stop earlier
            guard facing > 0.2, let (surface, distance) = look(v, at: p, rays: rays[v]), distance <= surface + tolerance / facing else { continue }
            if best.count < count { best.append((facing, v)) }
            else if let worst = best.indices.min(by: { best[$0].score < best[$1].score }), best[worst].score < facing { best[worst] = (facing, v) }
        }
    }

    /// The distance the view `v` sees along the ray towards `p` and the distance of `p` itself; nil when the view
    /// does not frame `p`.
    @inline(__always)
    public func look(_ v: Int, at p: Vec3, rays: PixelRays) -> (surface: Float, distance: Float)? {
        let d = p - rays.origin
        let z = -dot(d, rays.back)
        guard z > 0 else { return nil }
        let x = rays.cx + rays.fx * dot(d, rays.right) / z, y = rays.cy - rays.fy * dot(d, rays.up) / z
        let camera = cameras[v]
        guard x >= 0, y >= 0, x < Float(camera.width), y < Float(camera.height) else { return nil }
        return (depths[v][Int(y) * camera.width + Int(x)], length(d))
    }
}

extension RadianceGrid where S == Float {
    /// Renders the depth maps of `cameras` (downscaled to at most about 400 pixels a side).
    public func viewDepths(cameras: [Camera], absorbed: Double, stepScale: Double, occupancy: [UInt8]?, blockSize: Int, threads: Int) -> ViewDepths {
        let views = cameras.map { $0.downscaled(by: max(1, max($0.width, $0.height) / 400)) }
        let depths = views.map { surfaceDepths(camera: $0, surfaceTransmittance: Float(1 - absorbed), stepScale: stepScale, occupancy: occupancy,
                                               blockSize: blockSize, threads: threads) }
        return ViewDepths(cameras: views, depths: depths, absorbed: absorbed)
    }
}
