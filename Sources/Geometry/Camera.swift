import Foundation

/// A pinhole camera, optionally behind a distorting lens. Conventions (docs/conventions.md): camera axes are OpenGL/Blender's
/// (+X right, +Y up, looking down −Z); pixel (i, j) has its centre at (i + 0.5, j + 0.5) with
/// j counted from the top row; `cameraToWorld` maps camera coordinates to world coordinates (metres, +Z up).
public struct Camera: Sendable, Equatable {
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Focal lengths in pixels.
    public var fx: Double
    /// Vertical focal length, pixels.
    public var fy: Double
    /// Principal point in pixels, measured from the top-left image corner.
    public var cx: Double
    /// Principal point's row, pixels from the top edge.
    public var cy: Double
    /// Camera-to-world transform (rigid).
    public var cameraToWorld: Matrix4
    /// The lens's distortion (none for an ideal pinhole): every ray through a pixel and every projection goes
    /// through it.
    public var distortion: LensDistortion = .none

    /// A camera with the given intrinsics (pixels), camera-to-world pose (OpenGL axes) and lens.
    public init(width: Int, height: Int, fx: Double, fy: Double, cx: Double, cy: Double, cameraToWorld: Matrix4,
                distortion: LensDistortion = .none) {
        self.width = width; self.height = height
        self.fx = fx; self.fy = fy; self.cx = cx; self.cy = cy
        self.cameraToWorld = cameraToWorld
        self.distortion = distortion
    }

    /// A camera with square pixels, centred principal point and horizontal field of view `fovX` (radians).
    public init(width: Int, height: Int, fovX: Double, cameraToWorld: Matrix4) {
        let f = Double(width) / 2 / tan(fovX / 2)
        self.init(width: width, height: height, fx: f, fy: f, cx: Double(width) / 2, cy: Double(height) / 2,
                  cameraToWorld: cameraToWorld)
    }

    /// Horizontal field of view in radians (`camera_angle_x`).
    public var fovX: Double { 2 * atan(Double(width) / 2 / fx) }

    /// The camera's position in the world.
    public var origin: Vec3d { Vec3d(cameraToWorld[0, 3], cameraToWorld[1, 3], cameraToWorld[2, 3]) }

    /// Direction (camera space, not normalised, z = −1) through image point (x, y) in pixels, through the lens.
    @inlinable public func cameraDirection(x: Double, y: Double) -> Vec3d {
        if case .none = distortion { return Vec3d((x - cx) / fx, -(y - cy) / fy, -1) }
        let p = distortion.undistort(SIMD2((x - cx) / fx, (y - cy) / fy))
        return Vec3d(p.x, -p.y, -1)
    }

    /// World-space unit direction through image point (x, y) in pixels.
    public func worldDirection(x: Double, y: Double) -> Vec3d {
        normalize(cameraToWorld.transformVector(cameraDirection(x: x, y: y)))
    }

    /// Projects a world point to pixel coordinates and its z-depth (distance along the viewing axis).
    /// Returns nil for points behind the camera.
    public func project(_ p: Vec3d) -> (x: Double, y: Double, depth: Double)? {
        let o = origin
        let r = cameraToWorld
        let d = p - o
        // world → camera is the transpose of the rotation block
        let xc = r[0, 0] * d.x + r[1, 0] * d.y + r[2, 0] * d.z
        let yc = r[0, 1] * d.x + r[1, 1] * d.y + r[2, 1] * d.z
        let zc = r[0, 2] * d.x + r[1, 2] * d.y + r[2, 2] * d.z
        guard zc < 0 else { return nil }
        if case .none = distortion { return (cx + fx * xc / -zc, cy - fy * yc / -zc, -zc) }
        let q = distortion.distort(SIMD2(xc / -zc, yc / zc))
        return (cx + fx * q.x, cy + fy * q.y, -zc)
    }

    /// The same camera with every intrinsic divided by `factor`: its pixel centres are the centres of the original's
    /// `factor`×`factor` pixel blocks.
    public func downscaled(by factor: Int) -> Camera {
        let s = Double(factor)
        return Camera(width: max(1, width / factor), height: max(1, height / factor), fx: fx / s, fy: fy / s, cx: cx / s, cy: cy / s,
                      cameraToWorld: cameraToWorld, distortion: distortion)
    }

    /// The same camera with every intrinsic multiplied by `factor`: each pixel becomes `factor`×`factor` pixels whose
    /// centres sample it on a regular grid (the inverse of `downscaled`).
    public func upscaled(by factor: Int) -> Camera {
        let s = Double(factor)
        return Camera(width: width * factor, height: height * factor, fx: fx * s, fy: fy * s, cx: cx * s, cy: cy * s,
                      cameraToWorld: cameraToWorld, distortion: distortion)
    }

    /// The camera-to-world pose of a camera at `eye` looking at `target`, with world +Z as up
    /// (falls back to +Y when looking straight up or down).
    public static func lookAt(eye: Vec3d, target: Vec3d, up: Vec3d = Vec3d(0, 0, 1)) -> Matrix4 {
        let back = normalize(eye - target)  // camera +Z points away from the target
        var upHint = up
        if abs(dot(back, normalize(up))) > 0.999999 { upHint = Vec3d(0, 1, 0) }
        let right = normalize(cross(upHint, back))
        let trueUp = cross(back, right)
        return Matrix4(rows: [
            [right.x, trueUp.x, back.x, eye.x],
            [right.y, trueUp.y, back.y, eye.y],
            [right.z, trueUp.z, back.z, eye.z],
            [0, 0, 0, 1],
        ])
    }
}

/// A camera's pixel rays in Float, for the hot loops of the renderer and the radiance-field trainer.
public struct PixelRays: Sendable {
    /// Position and the camera's axes in the world (right +X, up +Y, back +Z).
    public let origin: Vec3, right: Vec3, up: Vec3, back: Vec3
    /// Intrinsics, pixels.
    public let fx: Float, fy: Float, cx: Float, cy: Float
    /// Image width, pixels.
    public let width: Int
    /// The lens (rays through a distorting lens are undistorted in double precision).
    public let distortion: LensDistortion

    /// The single-precision form of `c`.
    public init(_ c: Camera) {
        let m = c.cameraToWorld
        origin = Vec3(Float(m[0, 3]), Float(m[1, 3]), Float(m[2, 3]))
        right = Vec3(Float(m[0, 0]), Float(m[1, 0]), Float(m[2, 0]))
        up = Vec3(Float(m[0, 1]), Float(m[1, 1]), Float(m[2, 1]))
        back = Vec3(Float(m[0, 2]), Float(m[1, 2]), Float(m[2, 2]))
        fx = Float(c.fx); fy = Float(c.fy); cx = Float(c.cx); cy = Float(c.cy)
        width = c.width
        distortion = c.distortion
    }

    /// Unit world direction through image point (x, y), pixels (pixel centres at +0.5).
    @inlinable public func direction(x: Float, y: Float) -> Vec3 {
        if case .none = distortion { return normalize(right * ((x - cx) / fx) + up * (-(y - cy) / fy) - back) }
        let p = distortion.undistort(SIMD2((Double(x) - Double(cx)) / Double(fx), (Double(y) - Double(cy)) / Double(fy)))
        return normalize(right * Float(p.x) + up * Float(-p.y) - back)
    }

    /// Origin and unit direction through image point (x, y).
    @inlinable public func ray(x: Float, y: Float) -> (Vec3, Vec3) { (origin, direction(x: x, y: y)) }
}

/// The least-squares point nearest to every line `origin + t · direction` (unit directions):
/// Σ (I − d dᵀ) p = Σ (I − d dᵀ) o, solved by Cramer's rule. nil when the lines are all parallel.
public func nearestPoint(toLines lines: [(origin: Vec3d, direction: Vec3d)]) -> Vec3d? {
    var a = [[Double]](repeating: [0, 0, 0], count: 3), b = [0.0, 0, 0]
    for (o, d) in lines {
        for i in 0..<3 { for j in 0..<3 {
            let m = (i == j ? 1 : 0) - d[i] * d[j]
            a[i][j] += m; b[i] += m * o[j]
        } }
    }
    func det(_ m: [[Double]]) -> Double {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }
    let d = det(a)
    guard abs(d) > 1e-9 else { return nil }
    var x = Vec3d()
    for col in 0..<3 {
        var m = a
        for row in 0..<3 { m[row][col] = b[row] }
        x[col] = det(m) / d
    }
    return x
}
