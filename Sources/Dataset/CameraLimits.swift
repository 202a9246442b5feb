import FileSafety
import Foundation
import Geometry

/// A problem with a dataset: the file, the frame (JSON path or image) and what to do.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var message: String
    public init(file: String, message: String) { self.file = file; self.message = message }
    public var description: String { "\(file): \(message)" }
}

/// The range every camera read from a file must lie in, checked in one place when it is read, so that no
/// later Float→Int conversion traps and no ray marcher meets a negative or vanishing focal length.
public enum CameraLimits {
    /// Image sides, pixels.
    public static let side = 1...65_536
    /// Focal lengths, pixels: at least 10⁻³ of the image width (a field of view below 179.9°) and at most 10⁷.
    public static let maxFocal = 1e7
    /// Camera positions, metres from the origin.
    public static let maxDistance = 1e6

    /// A camera's fields as a file gave them; throws `DatasetError` naming `field` when one is out of range.
    public static func check(width: Int, height: Int, fx: Double, fy: Double, cx: Double, cy: Double, origin: Vec3d,
                             file: String, field: String) throws {
        func bad(_ what: String) -> DatasetError { DatasetError(file: file, message: "\(field): \(what)") }
        guard side.contains(width), side.contains(height) else { throw bad("image size \(width)x\(height) outside 1...65536 pixels") }
        for (name, f, across) in [("fl_x", fx, width), ("fl_y", fy, height)] {
            guard f.isFinite, f >= 1e-3 * Double(across), f <= maxFocal else {
                throw bad("\(name) \(f) is not a focal length in pixels (expected \(1e-3 * Double(across))...\(maxFocal) for a \(across)-pixel side)")
            }
        }
        guard cx.isFinite, cy.isFinite, abs(cx) <= 10 * Double(width), abs(cy) <= 10 * Double(height) else {
            throw bad("principal point (\(cx), \(cy)) is far outside the \(width)x\(height) image")
        }
        guard origin.x.isFinite, origin.y.isFinite, origin.z.isFinite, length(origin) <= maxDistance else {
            throw bad("camera position is \(length(origin)) m from the origin, beyond \(Int(maxDistance)) m; rescale the scene")
        }
    }

    /// Refuses a lens whose model cannot be inverted inside the image: at 17 × 17 points over the image (its
    /// corners included), undistorting and distorting again must come back within 10⁻³ pixel, and along each
    /// half-diagonal the undistorted radius must grow (a model that folds over would send two pixels along
    /// one ray).
    public static func checkLens(_ camera: Camera, file: String, field: String) throws {
        let lens = camera.distortion
        if case .none = lens { return }
        func bad(_ x: Double, _ y: Double) -> DatasetError {
            DatasetError(file: file, message: (field.isEmpty ? "" : "\(field): ") + "the \(lens.modelName) lens model cannot be inverted inside the \(camera.width)x\(camera.height) image (at pixel (\(Int(x)), \(Int(y)))): it folds over there; check the distortion coefficients")
        }
        let n = 16
        for j in 0...n {
            for i in 0...n {
                let x = Double(camera.width) * Double(i) / Double(n), y = Double(camera.height) * Double(j) / Double(n)
                let q = SIMD2((x - camera.cx) / camera.fx, (y - camera.cy) / camera.fy)
                let p = lens.undistort(q), back = lens.distort(p)
                guard p.x.isFinite, p.y.isFinite, abs(back.x - q.x) * camera.fx < 1e-3, abs(back.y - q.y) * camera.fy < 1e-3 else { throw bad(x, y) }
            }
        }
        for (cornerX, cornerY) in [(0.0, 0.0), (Double(camera.width), 0), (0, Double(camera.height)), (Double(camera.width), Double(camera.height))] {
            var last = -1.0
            for k in 0...64 {
                let t = Double(k) / 64
                let x = camera.cx + (cornerX - camera.cx) * t, y = camera.cy + (cornerY - camera.cy) * t
                let p = lens.undistort(SIMD2((x - camera.cx) / camera.fx, (y - camera.cy) / camera.fy))
                let r = (p.x * p.x + p.y * p.y).squareRoot()
                guard r > last || (k == 0 && r == 0) else { throw bad(x, y) }
                last = r
            }
        }
    }

    /// True when the upper 3×4 of `m` is finite with an orthonormal, right-handed rotation (to 10⁻³).
    public static func isRigid(_ m: Matrix4) -> Bool {
        for r in 0..<3 { for c in 0..<4 where !m[r, c].isFinite { return false } }
        let x = Vec3d(m[0, 0], m[1, 0], m[2, 0]), y = Vec3d(m[0, 1], m[1, 1], m[2, 1]), z = Vec3d(m[0, 2], m[1, 2], m[2, 2])
        let t = 1e-3
        return abs(length(x) - 1) < t && abs(length(y) - 1) < t && abs(length(z) - 1) < t
            && abs(dot(x, y)) < t && abs(dot(y, z)) < t && abs(dot(x, z)) < t && m.linearDeterminant > 0
    }

    /// A number read from a file as an image side, or nil when it is not an integer in range.
    public static func sideValue(_ value: Double) -> Int? { Checked.integer(value, in: side).flatMap { Double($0) == value ? $0 : nil } }
}
