import Dispatch
import Foundation
import Geometry
import Surface

/// How a point cloud is taken from the field (`orbit export --points`).
public struct PointCloudSettings: Sendable {
    /// One ray per `pixelStride`² pixels of each training view; nil = the smallest stride that keeps the total
    /// under `maxRays`.
    public var pixelStride: Int? = nil
    /// With no stride given, the stride is chosen to cast about this many rays.
    public var maxRays = 2_000_000
    /// Rays absorbed less than this by the field give no point (background, thin fog).
    public var minOpacity: Float = 0.9
    /// Other views that must see the same depth at the point's projection (within `depthTolerance`).
    public var minAgreeingViews = 2
    /// How many of the most similar views (by viewing direction) are consulted.
    public var candidateViews = 8
    /// Allowed depth disagreement, metres; nil = two lattice steps or two pixel footprints, whichever is larger.
    public var depthTolerance: Double? = nil
    /// Edge of the deduplication voxels, metres; nil = one lattice step.
    public var voxelSize: Double? = nil
    /// A ray's point is where the field has absorbed this fraction of it: the front of the surface, as for the
    /// visibility mesh (`MeshExtractionSettings.visibilityAbsorption`). Default 0.05.
    public var absorption = 0.05
    /// The defaults.
    public init() {}
}

/// A point cloud taken from the field and what happened on the way.
public struct PointCloudExtraction: Sendable {
    /// The points, world coordinates, with normals and colours.
    public var cloud: PointCloud
    public var pixelStride: Int
    /// Rays cast.
    public var rays: Int
    /// Points that passed the opacity filter, then also the agreement filter.
    public var opaque: Int
    /// Opaque points confirmed by other views.
    public var agreed: Int
    /// Seconds of the extraction.
    public var seconds: Double
}

extension RadianceGrid where S == Float {
    /// Points where the training views' rays meet the surface (the front of the surface, see `absorption`), with
    /// colour (as rendered) and normal (−∇σ of the density smoothed over one lattice step), kept when opaque and
    /// confirmed by other views' depth, then merged per voxel (mean position, colour and normal). Deterministic:
    /// views, rays and voxels are processed in a fixed order.
    public func extractPointCloud(cameras: [Camera], settings: PointCloudSettings, stepScale: Double, occupancy: [UInt8]?,
                                  blockSize: Int, threads: Int) -> PointCloudExtraction {
        let start = DispatchTime.now().uptimeNanoseconds
        guard !cameras.isEmpty else {
            return PointCloudExtraction(cloud: PointCloud(), pixelStride: 1, rays: 0, opaque: 0, agreed: 0, seconds: 0)
        }
        let total = cameras.reduce(0) { $0 + $1.width * $1.height }
        let stride = settings.pixelStride ?? max(1, Int((Double(total) / Double(settings.maxRays)).squareRoot().rounded(.up)))
        let views = cameras.map { $0.downscaled(by: stride) }
        let images = views.map { render(camera: $0, background: .zero, stepScale: stepScale, occupancy: occupancy, blockSize: blockSize, threads: threads,
                                        surfaceTransmittance: Float(1 - settings.absorption)) }
        let field = smoothedDensity(sigma: 1)
        let voxel = settings.voxelSize ?? spacing.min()
        let axes = views.map { $0.worldDirection(x: $0.cx, y: $0.cy) }

        let perView = ResultSlots<(opaque: Int, points: [Candidate])>(count: views.count)
        DispatchQueue.concurrentPerform(iterations: views.count) { u in
            let view = views[u], image = images[u]
            // the views that look most like this one
            let others = views.indices.filter { $0 != u }.sorted { dot(axes[$0], axes[u]) > dot(axes[$1], axes[u]) }.prefix(settings.candidateViews)
            var opaque = 0, points: [Candidate] = []
            for y in 0..<view.height { for x in 0..<view.width {
                let i = y * view.width + x
                let a = image.opacity[i]
                guard a >= settings.minOpacity else { continue }
                opaque += 1
                let d = view.worldDirection(x: Double(x) + 0.5, y: Double(y) + 0.5)
                let distance = Double(image.medianDepth[i])
                let p = view.origin + distance * d
                let footprint = distance / view.fx
                let tolerance = settings.depthTolerance ?? 2 * max(spacing.max(), footprint)
                var agreeing = 0
                for w in others {
                    let other = views[w], otherImage = images[w]
                    guard let q = other.project(p), q.x >= 0, q.y >= 0, q.x < Double(other.width), q.y < Double(other.height) else { continue }
                    let j = Int(q.y) * other.width + Int(q.x)
                    let b = otherImage.opacity[j]
                    guard b >= settings.minOpacity else { continue }
                    if abs(Double(otherImage.medianDepth[j]) - length(p - other.origin)) <= tolerance { agreeing += 1 }
                    if agreeing >= settings.minAgreeingViews { break }
                }
                guard agreeing >= settings.minAgreeingViews else { continue }
                var n = -field.gradient(p)
                n = length(n) > 1e-12 ? normalize(n) : Vec3(Float(-d.x), Float(-d.y), Float(-d.z))
                let c = image.color[i] / a
                points.append(Candidate(position: p, normal: n, color: Vec3(SRGB.decode(min(c.x, 1)), SRGB.decode(min(c.y, 1)), SRGB.decode(min(c.z, 1)))))
            } }
            perView.set(u, (opaque, points))
        }

        // merge per voxel, in the order the points were made
        var sums: [SIMD3<Int64>: Int] = [:], cells: [VoxelSum] = []
        var opaque = 0, agreed = 0
        for slot in perView.values {
            let (o, points) = slot!
            opaque += o; agreed += points.count
            for p in points {
                let key = SIMD3<Int64>(Int64((p.position.x / voxel).rounded(.down)), Int64((p.position.y / voxel).rounded(.down)),
                                       Int64((p.position.z / voxel).rounded(.down)))
                let index = sums[key] ?? { sums[key] = cells.count; cells.append(VoxelSum()); return cells.count - 1 }()
                cells[index].position += p.position; cells[index].normal += p.normal; cells[index].color += p.color; cells[index].count += 1
            }
        }
        var cloud = PointCloud()
        for s in cells {
            let p = s.position / Double(s.count)
            cloud.positions.append(Vec3(Float(p.x), Float(p.y), Float(p.z)))
            cloud.normals.append(length(s.normal) > 0 ? normalize(s.normal) : Vec3(0, 0, 1))
            cloud.colors.append(s.color / Float(s.count))
        }
        return PointCloudExtraction(cloud: cloud, pixelStride: stride, rays: views.reduce(0) { $0 + $1.width * $1.height },
                                    opaque: opaque, agreed: agreed, seconds: seconds(since: start))
    }
}

/// A point that passed the filters, before voxel merging.
struct Candidate { var position: Vec3d; var normal: Vec3; var color: Vec3 }
struct VoxelSum { var position = Vec3d.zero; var normal = Vec3.zero; var color = Vec3.zero; var count = 0 }
