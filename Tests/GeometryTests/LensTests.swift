import Foundation
import Geometry
import Testing

@Suite struct LensTests {
    /// A phone's portrait camera (1080×1920, about 66° across the long side) and the lens of the capture.
    static let phone = Camera(width: 1080, height: 1920, fx: 1480, fy: 1480, cx: 541.3, cy: 958.2, cameraToWorld: .identity,
                              distortion: .opencv(k1: 0.058, k2: -0.081, p1: 0.0012, p2: -0.0007))
    static let lenses: [LensDistortion] = [.radial(k1: -0.21, k2: 0.05), .opencv(k1: 0.058, k2: -0.081, p1: 0.0012, p2: -0.0007),
                                           .opencv(k1: -0.28, k2: 0.09, p1: -0.002, p2: 0.001), .fisheye(k1: 0.06, k2: -0.012, k3: 0.004, k4: -0.0009)]

    @Test func undistortionInvertsTheForwardModelToATenThousandthOfAPixel() {
        for lens in Self.lenses {
            var camera = Self.phone
            camera.distortion = lens
            if lens.isFisheye { camera.fx = 800; camera.fy = 800 }  // about 150° across the diagonal
            var worst = 0.0
            for j in 0...40 {
                for i in 0...40 {
                    let x = Double(camera.width) * Double(i) / 40, y = Double(camera.height) * Double(j) / 40
                    let q = SIMD2((x - camera.cx) / camera.fx, (y - camera.cy) / camera.fy)
                    let back = lens.distort(lens.undistort(q))
                    worst = max(worst, abs(back.x - q.x) * camera.fx, abs(back.y - q.y) * camera.fy)
                }
            }
            #expect(worst < 1e-4, "\(lens): \(worst) px")
        }
    }

    @Test func raysThroughPixelsProjectBackOntoThem() {
        for lens in Self.lenses {
            var camera = Self.phone
            camera.distortion = lens
            camera.cameraToWorld = Camera.lookAt(eye: Vec3d(2, -3, 1.5), target: Vec3d(0, 0, 0.3))
            if lens.isFisheye { camera.fx = 800; camera.fy = 800 }
            let rays = PixelRays(camera)
            for (x, y) in [(0.5, 0.5), (1079.5, 0.5), (540.0, 960.0), (10.5, 1900.5), (800.25, 333.75)] {
                let d = camera.worldDirection(x: x, y: y)
                let p = camera.project(camera.origin + 2.7 * d)!
                #expect(abs(p.x - x) < 1e-6 && abs(p.y - y) < 1e-6, "\(lens) at (\(x), \(y)): (\(p.x), \(p.y))")
                let f = rays.direction(x: Float(x), y: Float(y))
                #expect(length(Vec3d(Double(f.x), Double(f.y), Double(f.z)) - d) < 1e-5)
            }
        }
        // the image centre looks down the optical axis; a barrel lens (k1 < 0) bends corner rays outwards
        var barrel = Self.phone
        barrel.distortion = .radial(k1: -0.2, k2: 0)
        let pinhole = Camera(width: 1080, height: 1920, fx: 1480, fy: 1480, cx: 541.3, cy: 958.2, cameraToWorld: .identity)
        #expect(length(barrel.worldDirection(x: barrel.cx, y: barrel.cy) - Vec3d(0, 0, -1)) < 1e-12)
        let corner = barrel.cameraDirection(x: 0, y: 0), ideal = pinhole.cameraDirection(x: 0, y: 0)
        #expect(abs(corner.x) > abs(ideal.x) && abs(corner.y) > abs(ideal.y))
    }

    @Test func theJacobianMatchesFiniteDifferences() {
        var rng = RandomStream(seed: 9)
        for lens in Self.lenses where !lens.isFisheye {
            for _ in 0..<50 {
                let p = SIMD2(rng.nextDouble() - 0.5, rng.nextDouble() - 0.5) * 1.2
                let (_, j) = lens.jacobianForTesting(p)
                let h = 1e-6
                let du = (lens.distort(p + SIMD2(h, 0)) - lens.distort(p - SIMD2(h, 0))) / (2 * h)
                let dv = (lens.distort(p + SIMD2(0, h)) - lens.distort(p - SIMD2(0, h))) / (2 * h)
                for (analytic, numeric) in [(j.0, du.x), (j.1, dv.x), (j.2, du.y), (j.3, dv.y)] {
                    #expect(abs(analytic - numeric) < 1e-7 * max(1, abs(numeric)), "\(lens) at \(p)")
                }
            }
        }
    }

    @Test func scalingTheImageKeepsTheLens() {
        let half = Self.phone.downscaled(by: 2)
        #expect(half.distortion == Self.phone.distortion)
        let d = Self.phone.worldDirection(x: 100, y: 200), h = half.worldDirection(x: 50, y: 100)
        #expect(length(d - h) < 1e-9)
    }
}
