import ArgumentParser
import Capture
import Foundation
import Physics
import SceneFormat

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a world scene's physics only (no rendering) and report its invariants.")

    @Argument(help: "Scene file with a \"physics\" section.")
    var scene: String

    @Flag(help: "Also print the state at every frame: time, kinetic and potential energy, deepest contact, fastest body.")
    var perFrame = false

    @OptionGroup var safety: SafetyOptions

    func run() throws {
        safety.apply()
        let loaded = loadScene(scene)
        do {
            let result = try Generator.simulate(loaded, check: false)
            let t = result.trajectory
            print(String(format: "%@: simulated %.2f s in %d steps (%.3f s), %d dynamic objects, %d collisions; %@",
                         scene, t.steps.last!.time, t.steps.count - 1, result.wallSeconds, result.compiled.dynamicObjects.count,
                         t.collisions.count, t.settledAt.map { String(format: "at rest from %.2f s", $0) } ?? "still moving at the end"))
            if perFrame {
                print("       t        KE (J)        PE (J)   depth (mm)   speed (m/s)")
                for s in t.samples {
                    let r = t.steps[s.step]
                    print(String(format: "%8.3f  %12.4f  %12.4f  %10.3f  %12.4f", r.time, r.kinetic, r.potential, r.penetration * 1000, r.maxSpeed))
                }
            }
            for c in result.invariants.checks { print("  \(c.passed ? "ok  " : "FAIL") \(c.name): \(c.detail)") }
            if let failure = result.invariants.failureMessage { fail(PhysicsError(failure)) }
        } catch { fail(error) }
    }
}
