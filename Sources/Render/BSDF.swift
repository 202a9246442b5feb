import Foundation
import Geometry

/// A material resolved for shading: glTF metallic-roughness plus a specular factor.
public struct ShadingMaterial: Sendable {
    public var baseColor: Vec3
    /// Index into the scene's texture table, or −1.
    public var texture: Int32
    public var metallic: Float
    public var roughness: Float
    /// Scales the dielectric F0 of 0.04 (KHR_materials_specular's factor); 0 makes a dielectric pure Lambert.
    public var specular: Float
    public var emission: Vec3

    public var isEmissive: Bool { emission.max() > 0 }
}

/// The BSDF at one shading point, in a local frame whose +Z is the shading normal.
///
/// f(wo, wi) = (1 − metallic)(1 − F_d(cosθo)) · ρ/π  +  D(h) G₂(wo, wi) F(wo·h) / (4 cosθo cosθi)
/// with GGX D and height-correlated Smith G₂ (α = roughness², floored at 0.002), and Fresnel
/// F(c) = (1 − metallic) F_d(c) + metallic (ρ + (1 − ρ)(1 − c)⁵), where the dielectric part
/// F_d(c) = specular · (0.04 + 0.96 (1 − c)⁵) follows KHR_materials_specular (specular 0: pure Lambert).
/// Sampling picks a lobe by weight; the specular lobe samples visible normals (Heitz 2018).
public struct BSDF: Sendable {
    var diffuse: Vec3          // ρ (1 − metallic)(1 − F_d) / π
    var dielectricScale: Float // (1 − metallic) · specular
    var metalColor: Vec3       // metallic · ρ
    var metallic: Float
    var alpha: Float
    var specularWeight: Float  // probability of sampling the specular lobe
    var hasSpecular: Bool

    public init(baseColor: Vec3, metallic: Float, roughness: Float, specular: Float, cosThetaO: Float) {
        self.metallic = metallic
        dielectricScale = (1 - metallic) * specular
        metalColor = baseColor * metallic
        let hasFresnel = specular > 0 || metallic > 0
        let schlick: Float
        if hasFresnel { let m = 1 - min(max(cosThetaO, 0), 1); let m2 = m * m; schlick = m2 * m2 * m } else { schlick = 0 }
        let fd = specular * (0.04 + 0.96 * schlick)
        diffuse = baseColor * ((1 - metallic) * (1 - fd) / Float.pi)
        alpha = max(roughness * roughness, 0.002)
        hasSpecular = dielectricScale > 0 || metallic > 0
        let specularLuminance = hasSpecular ? luminance(Vec3(repeating: dielectricScale * (0.04 + 0.96 * schlick))
            + metalColor + (Vec3(repeating: metallic) - metalColor) * schlick) : 0
        let diffuseLuminance = luminance(diffuse) * Float.pi
        if !hasSpecular { specularWeight = 0 }
        else if diffuseLuminance <= 0 { specularWeight = 1 }
        else { specularWeight = min(max(specularLuminance / (specularLuminance + diffuseLuminance), 0.1), 0.9) }
    }

    /// Probability that `sample` picks the specular lobe.
    public var specularProbability: Float { specularWeight }

    @inline(__always) func ggxD(_ cosThetaH: Float) -> Float {
        let a2 = alpha * alpha
        let c2 = cosThetaH * cosThetaH
        let d = c2 * (a2 - 1) + 1
        return a2 / (Float.pi * d * d)
    }

    @inline(__always) func smithLambda(_ cosTheta: Float) -> Float {
        let c2 = max(cosTheta * cosTheta, 1e-12)
        let t2 = max(1 - c2, 0) / c2
        return ((1 + alpha * alpha * t2).squareRoot() - 1) / 2
    }

    @inline(__always) func fresnel(_ cosine: Float) -> Vec3 {
        let m = 1 - min(max(cosine, 0), 1), m2 = m * m
        let s = m2 * m2 * m
        return Vec3(repeating: dielectricScale * (0.04 + 0.96 * s)) + metalColor + (Vec3(repeating: metallic) - metalColor) * s
    }

    /// BSDF value times nothing (no cosine), and the solid-angle pdf of sampling `wi`; local frame.
    public func evaluate(wo: Vec3, wi: Vec3) -> (f: Vec3, pdf: Float) {
        guard wo.z > 0, wi.z > 0 else { return (.zero, 0) }
        var f = diffuse
        var pdf = (1 - specularWeight) * wi.z / Float.pi
        if hasSpecular {
            let h = normalize(wo + wi)
            let d = ggxD(h.z)
            let g2 = 1 / (1 + smithLambda(wo.z) + smithLambda(wi.z))
            let g1 = 1 / (1 + smithLambda(wo.z))
            f += fresnel(dot(wo, h)) * (d * g2 / (4 * wo.z * wi.z))
            // visible-normal pdf: G1(wo) D(h) / (4 cosθo)
            pdf += specularWeight * g1 * d / (4 * wo.z)
        }
        return (f, pdf)
    }

    /// Samples an incident direction; returns nil when the sample is below the surface.
    public func sample(wo: Vec3, u0: Float, u1: Float, u2: Float) -> Vec3? {
        var wi: Vec3
        if u0 < specularWeight {
            let h = sampleVisibleNormal(wo: wo, u1: u1, u2: u2)
            wi = 2 * dot(wo, h) * h - wo
        } else {
            // cosine-weighted hemisphere (Malley's method on a concentric disk)
            let r = u1.squareRoot(), phi = 2 * Float.pi * u2
            wi = Vec3(r * cos(phi), r * sin(phi), max(1 - u1, 0).squareRoot())
        }
        return wi.z > 0 ? wi : nil
    }

    /// Heitz 2018, "Sampling the GGX Distribution of Visible Normals".
    func sampleVisibleNormal(wo: Vec3, u1: Float, u2: Float) -> Vec3 {
        let vh = normalize(Vec3(alpha * wo.x, alpha * wo.y, wo.z))
        let lensq = vh.x * vh.x + vh.y * vh.y
        let t1 = lensq > 0 ? Vec3(-vh.y, vh.x, 0) / lensq.squareRoot() : Vec3(1, 0, 0)
        let t2 = cross(vh, t1)
        let r = u1.squareRoot(), phi = 2 * Float.pi * u2
        let p1 = r * cos(phi)
        var p2 = r * sin(phi)
        let s = 0.5 * (1 + vh.z)
        p2 = (1 - s) * (1 - p1 * p1).squareRoot() + s * p2
        let nh = p1 * t1 + p2 * t2 + max(1 - p1 * p1 - p2 * p2, 0).squareRoot() * vh
        return normalize(Vec3(alpha * nh.x, alpha * nh.y, max(nh.z, 1e-6)))
    }
}

@inline(__always) func luminance(_ c: Vec3) -> Float { 0.2126 * c.x + 0.7152 * c.y + 0.0722 * c.z }
