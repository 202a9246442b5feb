import Dispatch
import Foundation
import Geometry
import Surface

/// How the base colour is baked into an atlas.
public struct TextureBakeSettings: Sendable {
    /// Width and height of the texture, texels. Default 2048.
    public var size = 2048
    /// A texel's colour is the mean of what the field shows this many views that see it best (most head-on).
    /// Default 4.
    public var viewsPerTexel = 4
    /// Threads. The texture is the same for any count.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// The defaults.
    public init() {}
}

/// A base-colour texture baked from the field.
public struct BakedTexture: Sendable {
    /// Width and height, texels.
    public var size: Int
    /// 8-bit sRGB, three samples per texel, rows from the top.
    public var rgb: [UInt8]
    /// Texels inside charts, and how many of them some training view sees (the rest take the colour seen
    /// looking along their normal from just outside).
    public var chartTexels: Int
    public var seenTexels: Int
    /// Seconds of baking (dilation included).
    public var seconds: Double
}

extension RadianceGrid where S == Float {
    /// Bakes the field's colour into `atlas`: every texel inside a chart is a surface point; each training view
    /// whose depth map shows that point (not hidden behind another surface, and facing the view) is a candidate,
    /// and the texel holds the mean of the radiance the field sends the best `viewsPerTexel` of them (a march
    /// from just in front of the point along the view's ray, normalised by its opacity). Texels no view sees take
    /// the view-independent colour seen along the normal. Texels outside charts take the colour of the nearest
    /// chart texel (breadth first), so filtering and mipmaps never mix in a colour from outside the surface.
    public func bakeTexture(atlas: UVAtlas, views: ViewDepths, stepScale: Double, settings: TextureBakeSettings) -> BakedTexture {
        let start = DispatchTime.now().uptimeNanoseconds
        let size = atlas.size, mesh = atlas.mesh
        let h = Float(spacing.min())
        let rays = views.cameras.map { PixelRays($0) }
        let hasNormals = mesh.normals.count == mesh.positions.count
        // rows of the texture baked by tasks; triangles binned by the rows they touch
        let rowsPerTask = 16, tasks = (size + rowsPerTask - 1) / rowsPerTask
        var bins = [[Int32]](repeating: [], count: tasks)
        var texelCorners = [Vec2d](repeating: .zero, count: mesh.indices.count)
        for t in 0..<mesh.triangleCount {
            var lo = Double.infinity, hi = -Double.infinity
            for k in 0..<3 {
                let uv = mesh.uvs[Int(mesh.indices[3 * t + k])]
                let p = Vec2d(Double(uv.x) * Double(size), (1 - Double(uv.y)) * Double(size))
                texelCorners[3 * t + k] = p
                lo = min(lo, p.y); hi = max(hi, p.y)
            }
            let first = max(0, Int(lo - 0.5) / rowsPerTask), last = min(tasks - 1, max(0, Int(hi + 0.5)) / rowsPerTask)
            if first <= last { for b in first...last { bins[b].append(Int32(t)) } }
        }
        let triangleBins = bins, corners = texelCorners
        let results = ResultSlots<(colors: [Vec3], filled: [Bool], seen: Int)>(count: tasks)
        density.withUnsafeBufferPointer { density in
        sh.withUnsafeBufferPointer { sh in
            var field = FieldView<Float>(density: density.baseAddress!, sh: sh.baseAddress!, resolution: resolution, lower: lower, spacing: spacing,
                                         stepScale: stepScale, occupancy: nil, blockSize: 4)
            // the colour is normalised by the opacity, so a march may stop once nearly all light is absorbed
            field.minTransmittance = 0.02
            let view = field
            DispatchQueue.concurrentPerform(iterations: tasks) { task in
                let y0 = task * rowsPerTask, y1 = min(size, y0 + rowsPerTask)
                var colors = [Vec3](repeating: .zero, count: (y1 - y0) * size), filled = [Bool](repeating: false, count: (y1 - y0) * size)
                var seen = 0
                var best: [(score: Float, view: Int)] = []
                // per chosen view: the direction towards it, and the colour it sees
                let directions = UnsafeMutableBufferPointer<Vec3>.allocate(capacity: settings.viewsPerTexel)
                let towards = UnsafeMutableBufferPointer<Vec3>.allocate(capacity: settings.viewsPerTexel)
                defer { directions.deallocate(); towards.deallocate() }
                for t32 in triangleBins[task] {
                    let t = Int(t32)
                    let a = corners[3 * t], b = corners[3 * t + 1], c = corners[3 * t + 2]
                    let ia = Int(mesh.indices[3 * t]), ib = Int(mesh.indices[3 * t + 1]), ic = Int(mesh.indices[3 * t + 2])
                    let face = normalize(cross(mesh.positions[ib] - mesh.positions[ia], mesh.positions[ic] - mesh.positions[ia]))
                    // shifted so that rows y0..<y1 land on 0..<(y1 − y0)
                    let shift = Vec2d(0, Double(y0))
                    Raster.triangle(a - shift, b - shift, c - shift, width: size, height: y1 - y0) { x, y, w in
                        let wf = Vec3(Float(w.x), Float(w.y), Float(w.z))
                        let p = wf.x * mesh.positions[ia] + wf.y * mesh.positions[ib] + wf.z * mesh.positions[ic]
                        var n = hasNormals ? wf.x * mesh.normals[ia] + wf.y * mesh.normals[ib] + wf.z * mesh.normals[ic] : face
                        n = length(n) > 1e-6 ? normalize(n) : face
                        views.bestViews(at: p, normal: n, rays: rays, tolerance: 2 * h, count: settings.viewsPerTexel, into: &best)
                        var sum = Vec3.zero, weight: Float = 0
                        if let head = best.indices.max(by: { best[$0].score < best[$1].score }) {
                            // one march along the most head-on view's ray, coloured towards each chosen view
                            for k in best.indices { directions[k] = normalize(p - rays[best[k].view].origin) }
                            let d = directions[head]
                            let opacity = view.composite(origin: p - 3 * h * d, direction: d, jitter: 0.5,
                                                         towards: UnsafeBufferPointer(rebasing: directions[0..<best.count]),
                                                         into: UnsafeMutableBufferPointer(rebasing: towards[0..<best.count]))
                            if opacity > 0.5 {
                                for k in best.indices { sum += best[k].score * (towards[k] / opacity); weight += best[k].score }
                            }
                        }
                        let color: Vec3
                        if weight > 0 { color = sum / weight; seen += 1 } else {
                            let r = view.render(origin: p + 3 * h * n, direction: -n, jitter: 0.5, background: .zero)
                            color = 1 - r.transmittance > 0.05 ? r.color / (1 - r.transmittance) : viewIndependentColor(at: Vec3d(Double(p.x), Double(p.y), Double(p.z)))
                        }
                        colors[y * size + x] = color; filled[y * size + x] = true
                    }
                }
                results.set(task, (colors, filled, seen))
            }
        }}
        var colors: [Vec3] = [], filled: [Bool] = [], seen = 0
        colors.reserveCapacity(size * size); filled.reserveCapacity(size * size)
        for r in results.values { colors += r!.colors; filled += r!.filled; seen += r!.seen }
        let chartTexels = filled.reduce(0) { $0 + ($1 ? 1 : 0) }
        TextureDilation.fill(&colors, filled: filled, size: size)
        var rgb = [UInt8](repeating: 0, count: 3 * size * size)
        for i in colors.indices {
            let c = pointwiseMin(pointwiseMax(colors[i], Vec3.zero), Vec3(1, 1, 1)) * 255
            rgb[3 * i] = UInt8(c.x.rounded()); rgb[3 * i + 1] = UInt8(c.y.rounded()); rgb[3 * i + 2] = UInt8(c.z.rounded())
        }
        return BakedTexture(size: size, rgb: rgb, chartTexels: chartTexels, seenTexels: seen, seconds: seconds(since: start))
    }
}

/// Fills texels outside charts with the colour of the nearest chart texel (4-connected breadth-first order).
public enum TextureDilation {
    public static func fill(_ colors: inout [Vec3], filled: [Bool], size: Int) {
        var done = filled
        var queue: [Int32] = []
        queue.reserveCapacity(colors.count)
        for i in done.indices where done[i] { queue.append(Int32(i)) }
        guard !queue.isEmpty else { return }
        var head = 0
        while head < queue.count {
            let i = Int(queue[head]); head += 1
            let x = i % size, y = i / size
            for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < size && ny < size {
                let j = ny * size + nx
                guard !done[j] else { continue }
                done[j] = true; colors[j] = colors[i]; queue.append(Int32(j))
            }
        }
    }
}
