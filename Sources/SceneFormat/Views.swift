import Foundation
import Geometry

/// Which part of a dataset a view belongs to.
public enum Split: String, Sendable, CaseIterable {
    case train, val, test
}

/// One camera of a rig: its file stem (`frame_00012`), split (nil when the rig has none) and camera.
public struct View: Sendable {
    public var index: Int
    public var stem: String
    public var split: Split?
    public var camera: Camera
}

extension Scene {
    /// The cameras of the rig, in frame order.
    public func views() -> [View] {
        let c = camera
        func makeCamera(eye: Vec3d, target: Vec3d) -> Camera {
            var camera = Camera(width: c.width, height: c.height, fovX: c.fovX, cameraToWorld: Camera.lookAt(eye: eye, target: target))
            camera.distortion = c.distortion
            return camera
        }
        func onSphere(_ center: Vec3d, _ radius: Double, azimuth: Double, elevation: Double) -> Vec3d {
            center + radius * Vec3d(cos(elevation) * cos(azimuth), cos(elevation) * sin(azimuth), sin(elevation))
        }
        func split(_ i: Int, every: Int) -> Split? { every > 0 ? (i % every == every - 1 ? .test : .train) : nil }

        var placements: [(Split?, Vec3d, Vec3d)] = []
        switch rig {
        case .orbit(let o):
            for elevation in o.elevations {
                for f in 0..<o.framesPerRing {
                    let azimuth = o.startAzimuth + 2 * .pi * Double(f) / Double(o.framesPerRing)
                    placements.append((split(placements.count, every: o.testEvery), onSphere(o.lookAt, o.radius, azimuth: azimuth, elevation: elevation), o.lookAt))
                }
            }
        case .random(let r):
            var rng = RandomStream(seed: r.seed, 0x7269_67)
            let zLow = sin(r.minElevation), zHigh = sin(r.maxElevation)
            for i in 0..<r.count {
                // uniform on the band of the sphere between the two elevations
                let z = zLow + (zHigh - zLow) * rng.nextDouble()
                let azimuth = 2 * .pi * rng.nextDouble()
                placements.append((split(i, every: r.testEvery), onSphere(r.lookAt, r.radius, azimuth: azimuth, elevation: asin(z)), r.lookAt))
            }
        case .nerfSynthetic(let radius, let lookAt):
            var rng = RandomStream(seed: render.seed, 0x6e_6572_66)
            for s in [Split.train, .val] {
                for _ in 0..<100 {
                    let z = rng.nextDouble()  // uniform on the upper hemisphere
                    placements.append((s, onSphere(lookAt, radius, azimuth: 2 * .pi * rng.nextDouble(), elevation: asin(z)), lookAt))
                }
            }
            for f in 0..<200 {
                placements.append((.test, onSphere(lookAt, radius, azimuth: 2 * .pi * Double(f) / 200, elevation: 30 * .pi / 180), lookAt))
            }
        case .sv3d(let radius, let lookAt):
            for f in 0..<21 {
                placements.append((nil, onSphere(lookAt, radius, azimuth: 2 * .pi * Double(f) / 21, elevation: 10 * .pi / 180), lookAt))
            }
        case .fixed(let eye, let lookAt, let frames):
            for _ in 0..<frames { placements.append((nil, eye, lookAt)) }
        case .path(let keys, let frames):
            for f in 0..<frames {
                // position along the keyframes, first frame on the first key, last on the last
                let u = frames > 1 ? Double(f) / Double(frames - 1) * Double(keys.count - 1) : 0
                let i = min(Int(u), keys.count - 2), t = u - Double(i)
                let a = keys[i], b = keys[i + 1]
                placements.append((nil, a.eye + (b.eye - a.eye) * t, a.lookAt + (b.lookAt - a.lookAt) * t))
            }
        }
        return placements.enumerated().map { i, p in
            View(index: i, stem: String(format: "frame_%05d", i), split: p.0, camera: makeCamera(eye: p.1, target: p.2))
        }
    }
}
