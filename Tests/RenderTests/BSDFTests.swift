import Foundation
import Geometry
import Render
import Testing

/// Known answers for the GGX lobes (metal and dielectric specular), which the furnace renders only see mixed
/// with the diffuse lobe: the pdf integrates to at most one, a white metal reflects at most all the light, and
/// the directions `sample` draws follow `evaluate`'s pdf.
@Suite struct BSDFTests {
    /// ∫ g(ω) dω over the upper hemisphere by the midpoint rule in (cos θ, φ), where dω = d(cos θ) dφ.
    func hemisphere(_ n: Int = 600, _ g: (Vec3) -> Double) -> Double {
        var sum = 0.0
        for i in 0..<n {
            let c = (Double(i) + 0.5) / Double(n), s = (1 - c * c).squareRoot()
            for j in 0..<(2 * n) {
                let phi = 2 * Double.pi * (Double(j) + 0.5) / Double(2 * n)
                sum += g(Vec3(Float(s * cos(phi)), Float(s * sin(phi)), Float(c)))
            }
        }
        return sum * (1.0 / Double(n)) * (2 * Double.pi / Double(2 * n))
    }

    func direction(degrees: Double) -> Vec3 {
        let t = degrees * Double.pi / 180
        return Vec3(Float(sin(t)), 0, Float(cos(t)))
    }

    static let cases: [(roughness: Float, metallic: Float, degrees: Double)] = [
        (0.4, 1, 20), (0.4, 1, 60), (0.7, 1, 45), (1.0, 1, 70), (0.5, 0, 30), (0.8, 0.5, 60),
    ]

    /// The pdf over the upper hemisphere integrates to one less the probability that `sample` draws a
    /// direction below the surface (visible-normal sampling reflects some there).
    @Test(arguments: cases.indices)
    func pdfIntegratesToTheProbabilityOfASampleAboveTheSurface(index: Int) {
        let (roughness, metallic, degrees) = Self.cases[index]
        let wo = direction(degrees: degrees)
        let bsdf = BSDF(baseColor: Vec3(0.8, 0.6, 0.4), metallic: metallic, roughness: roughness, specular: 1, cosThetaO: wo.z)
        let total = hemisphere { Double(bsdf.evaluate(wo: wo, wi: $0).pdf) }
        var rng = RandomStream(seed: 5, UInt64(index))
        let n = 200_000
        var above = 0
        for _ in 0..<n where bsdf.sample(wo: wo, u0: rng.nextFloat(), u1: rng.nextFloat(), u2: rng.nextFloat()) != nil { above += 1 }
        let p = Double(above) / Double(n), standardError = (p * (1 - p) / Double(n)).squareRoot()
        #expect(total <= 1.005 && abs(total - p) < 5 * standardError + 3e-3,
                "roughness \(roughness), metallic \(metallic), θo \(degrees)°: ∫ pdf = \(total), samples above the surface \(p)")
    }

    /// The albedo estimated with `sample` and `evaluate`'s pdf equals the quadrature: a mismatch between the
    /// sampled density and the reported pdf would bias the estimate.
    @Test(arguments: cases.indices)
    func sampledDirectionsFollowThePdf(index: Int) {
        let (roughness, metallic, degrees) = Self.cases[index]
        let wo = direction(degrees: degrees)
        let bsdf = BSDF(baseColor: Vec3(0.8, 0.6, 0.4), metallic: metallic, roughness: roughness, specular: 1, cosThetaO: wo.z)
        let truth = hemisphere { Double(bsdf.evaluate(wo: wo, wi: $0).f.y * $0.z) }
        var rng = RandomStream(seed: 11, UInt64(index))
        let n = 200_000
        var values: [Double] = []
        values.reserveCapacity(n)
        for _ in 0..<n {
            guard let wi = bsdf.sample(wo: wo, u0: rng.nextFloat(), u1: rng.nextFloat(), u2: rng.nextFloat()) else { values.append(0); continue }
            let (f, pdf) = bsdf.evaluate(wo: wo, wi: wi)
            values.append(pdf > 0 ? Double(f.y * wi.z / pdf) : 0)
        }
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let standardError = (variance / Double(n)).squareRoot()
        #expect(abs(mean - truth) < 5 * standardError + 2e-3, "roughness \(roughness), metallic \(metallic), θo \(degrees)°: estimate \(mean) ± \(standardError), quadrature \(truth)")
    }
}

extension BSDFTests {
    /// A white metal reflects at most all the light (single-scattering GGX loses what bounces between
    /// microfacets, more the rougher it is), and nearly all of it when smooth.
    @Test(arguments: [(Float(0.2), 0.0), (0.3, 30), (0.6, 60), (1.0, 45), (1.0, 80)])
    func whiteMetalReflectsAtMostAllTheLight(roughness: Float, degrees: Double) {
        let wo = direction(degrees: degrees)
        let bsdf = BSDF(baseColor: Vec3(1, 1, 1), metallic: 1, roughness: roughness, specular: 1, cosThetaO: wo.z)
        let albedo = hemisphere(1200) { Double(bsdf.evaluate(wo: wo, wi: $0).f.x * $0.z) }
        #expect(albedo <= 1.0, "roughness \(roughness), θo \(degrees)°: albedo \(albedo)")
        if roughness <= 0.3 { #expect(albedo > 0.95, "roughness \(roughness), θo \(degrees)°: albedo \(albedo)") }
    }
}
