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
        let views = viewDepths.cameras, depths = viewDepths.depths
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
                    for (v, view) in views.enumerated() {
                        let r = rays[v]
                        let d = q - r.origin
                        let z = -dot(d, r.back)
                        guard z > 0 else { continue }
                        let x = r.cx + r.fx * dot(d, r.right) / z, y = r.cy - r.fy * dot(d, r.up) / z
                        guard x >= 0, y >= 0, x < Float(view.width), y < Float(view.height) else { continue }
                        let surface = depths[v][Int(y) * view.width + Int(x)]
                        framed += 1
                        var value = max(length(d) - surface, -cap)   // negative: this view sees the point in front of its surface
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
