import Dataset
import Dispatch
import Foundation
import Geometry

/// Scene bounds for object-centric captures: a cube around the point closest to every camera's optical axis,
/// with half-size = (median camera distance) · tan(half the narrower field of view) · `margin`.
/// `estimateBounds`, refused with a `DatasetError` naming `file` when the cameras do not frame a region of
/// positive size (they all stand where their views meet, say): no lattice can be laid over such a box.
public func checkedBounds(_ cameras: [Camera], file: String) throws -> Bounds3 {
    let box = estimateBounds(cameras)
    let size = box.upper - box.lower
    guard [size.x, size.y, size.z, box.lower.x, box.lower.y, box.lower.z].allSatisfy(\.isFinite), min(size.x, size.y, size.z) > 1e-6,
          max(size.x, size.y, size.z) < 1e8 else {
        throw DatasetError(file: file, message: "the cameras frame no region of usable size (they stand where their views meet, or look away from each other); check the transform_matrix values")
    }
    return box
}

public func estimateBounds(_ cameras: [Camera], margin: Double = 1.05) -> Bounds3 {
    let center = nearestPoint(toLines: cameras.map { ($0.origin, $0.worldDirection(x: $0.cx, y: $0.cy)) }) ?? .zero
    let distances = cameras.map { length($0.origin - center) }.sorted()
    let median = distances[distances.count / 2]
    let c0 = cameras[0]
    let halfFov = min(atan(Double(c0.width) / 2 / c0.fx), atan(Double(c0.height) / 2 / c0.fy))
    let half = median * tan(halfFov) * margin
    return Bounds3(lower: center - Vec3d(repeating: half), upper: center + Vec3d(repeating: half))
}

/// `count` cameras spread evenly on a sphere around `bounds` (a Fibonacci lattice), looking at its centre and
/// seeing all of it: stand-ins for the training views when those are not available.
public func surroundingCameras(_ bounds: Bounds3, count: Int = 32, size: Int = 64) -> [Camera] {
    let center = bounds.center, distance = 1.5 * bounds.diagonal
    let fovX = 2 * atan(bounds.diagonal / 2 / distance) * 1.1
    let golden = Double.pi * (3 - 5.0.squareRoot())
    return (0..<count).map { i in
        let z = 1 - (Double(i) + 0.5) / Double(count) * 2, r = (1 - z * z).squareRoot()
        let eye = center + distance * Vec3d(r * cos(golden * Double(i)), r * sin(golden * Double(i)), z)
        return Camera(width: size, height: size, fovX: fovX, cameraToWorld: Camera.lookAt(eye: eye, target: center))
    }
}
