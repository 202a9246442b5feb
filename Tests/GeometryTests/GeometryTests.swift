import Foundation
import Geometry
import Testing

@Suite struct CameraTests {
    let camera = Camera(width: 64, height: 48, fovX: 50 * .pi / 180,
                        cameraToWorld: Camera.lookAt(eye: Vec3d(3, -2, 1.5), target: Vec3d(0.1, 0.2, 0.3)))

    @Test func lookAtIsRigidAndLooksDownMinusZ() {
        let m = camera.cameraToWorld
        let x = Vec3d(m[0, 0], m[1, 0], m[2, 0]), y = Vec3d(m[0, 1], m[1, 1], m[2, 1]), z = Vec3d(m[0, 2], m[1, 2], m[2, 2])
        #expect(abs(dot(x, y)) < 1e-12 && abs(dot(y, z)) < 1e-12 && abs(dot(x, z)) < 1e-12)
        #expect(abs(length(x) - 1) < 1e-12 && abs(length(y) - 1) < 1e-12 && abs(m.linearDeterminant - 1) < 1e-12)
        // the principal ray (through cx, cy) points at the target; +Y is up (positive world z component)
        let forward = camera.worldDirection(x: camera.cx, y: camera.cy)
        #expect(length(forward - normalize(Vec3d(0.1, 0.2, 0.3) - Vec3d(3, -2, 1.5))) < 1e-12)
        #expect(y.z > 0)
    }

    @Test func projectInvertsRayGenerationAtPixelCentres() {
        for (i, j) in [(0, 0), (63, 47), (10, 30), (32, 24)] {
            let x = Double(i) + 0.5, y = Double(j) + 0.5
            let p = camera.origin + 2.5 * camera.worldDirection(x: x, y: y)
            let projected = camera.project(p)!
            #expect(abs(projected.x - x) < 1e-9 && abs(projected.y - y) < 1e-9)
            // z-depth is the distance along the viewing axis, not along the ray
            let axis = camera.worldDirection(x: camera.cx, y: camera.cy)
            #expect(abs(projected.depth - dot(p - camera.origin, axis)) < 1e-9)
        }
        #expect(camera.project(camera.origin - 1 * camera.worldDirection(x: 32, y: 24)) == nil)
    }

    @Test func topRowIsUpAndLeftColumnIsLeft() {
        let top = camera.worldDirection(x: camera.cx, y: 0), bottom = camera.worldDirection(x: camera.cx, y: 48)
        #expect(top.z > bottom.z)
        let m = camera.cameraToWorld
        let right = Vec3d(m[0, 0], m[1, 0], m[2, 0])
        #expect(dot(camera.worldDirection(x: 64, y: camera.cy), right) > dot(camera.worldDirection(x: 0, y: camera.cy), right))
    }

    @Test func fieldOfViewRoundTrips() {
        #expect(abs(camera.fovX - 50 * .pi / 180) < 1e-12)
        #expect(abs(camera.fx - 32 / tan(25 * .pi / 180)) < 1e-9)
    }
}

@Suite struct TransformTests {
    @Test func normalsStayPerpendicularUnderNonUniformScale() {
        let m = Matrix4.translation(Vec3d(1, 2, 3)) * Matrix4.rotation(axis: Vec3d(1, 1, 0), angle: 0.7) * Matrix4.scale(Vec3d(2, 0.5, 3))
        let tangent = Vec3d(1, -1, 0.5), normal = normalize(Vec3d(1, 1, 0))  // perpendicular in object space
        #expect(abs(dot(tangent, normal)) < 1e-12)
        #expect(abs(dot(m.transformVector(tangent), m.transformNormal(normal))) < 1e-12)
    }

    @Test func mirroringKeepsTrianglesCounterClockwise() {
        let quad = Primitives.quad(size: Vec2(1, 1))
        let mirrored = quad.transformed(by: Matrix4.scale(Vec3d(-1, 1, 1)))
        let p = mirrored.positions, i = mirrored.indices.map(Int.init)
        let n = cross(p[i[1]] - p[i[0]], p[i[2]] - p[i[0]])
        #expect(n.z > 0)
    }
}

@Suite struct PrimitiveTests {
    @Test func closedPrimitivesHaveTheRightAreaAndOutwardWinding() {
        let cases: [(TriangleMesh, Double)] = [
            (Primitives.sphere(radius: 2, rings: 128, segments: 256), 4 * .pi * 4),
            (Primitives.box(size: Vec3(1, 2, 3)), 2 * (2 + 3 + 6)),
            (Primitives.cylinder(radius: 0.5, height: 2, segments: 512), 2 * .pi * 0.5 * 2 + 2 * .pi * 0.25),
            (Primitives.torusKnot(radius: 1, tube: 0.2, segments: 400, sides: 32), -1),
        ]
        for (mesh, area) in cases {
            if area > 0 { #expect(abs(mesh.surfaceArea - area) / area < 2e-3) }
            // outward winding: the signed volume is positive
            var volume = 0.0
            for t in 0..<mesh.triangleCount {
                let a = mesh.positions[Int(mesh.indices[3 * t])], b = mesh.positions[Int(mesh.indices[3 * t + 1])],
                    c = mesh.positions[Int(mesh.indices[3 * t + 2])]
                volume += Double(dot(a, cross(b, c))) / 6
            }
            #expect(volume > 0)
        }
    }
}

@Suite struct SamplingTests {
    @Test func streamsAreReproducibleAndUniform() {
        // the same key gives the same sequence, draw for draw; a key differing in any part gives another
        var a = RandomStream(seed: 7, 1, 2, 3), b = RandomStream(seed: 7, 1, 2, 3)
        let first = (0..<64).map { _ in a.nextUInt64() }
        #expect(first == (0..<64).map { _ in b.nextUInt64() })
        for var other in [RandomStream(seed: 8, 1, 2, 3), RandomStream(seed: 7, 0, 2, 3), RandomStream(seed: 7, 1, 3, 3), RandomStream(seed: 7, 1, 2, 4)] {
            let sequence = (0..<64).map { _ in other.nextUInt64() }
            #expect(Set(sequence).isDisjoint(with: first))
        }
        var sum = 0.0
        let n = 100_000
        for _ in 0..<n {
            let u = Double(a.nextFloat())
            #expect(u >= 0 && u < 1)
            sum += u
        }
        // mean of U(0,1): 0.5 ± 5 standard errors
        #expect(abs(sum / Double(n) - 0.5) < 5 * (1.0 / 12 / Double(n)).squareRoot())
    }

    @Test func srgbRoundTripsEveryCode() {
        for code in 0..<256 {
            #expect(SRGB.encode8(SRGB.decodeTable[code]) == UInt8(code))
        }
        #expect(abs(SRGB.encode(0.5) - 0.7353569) < 1e-6)
    }
}
