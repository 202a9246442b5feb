import Foundation
import Geometry

/// Image quality metrics with the literature's definitions, on RGB images with values in [0, 1]
/// (sRGB-encoded, composited on the background), stored row-major as `width × height` pixels.
public enum ImageMetrics {
    /// Peak signal-to-noise ratio in dB: 10 · log10(1 / MSE), MSE over all pixels and channels.
    public static func psnr(_ a: [Vec3], _ b: [Vec3]) -> Double {
        precondition(a.count == b.count && !a.isEmpty)
        var sum = 0.0
        for i in a.indices { let d = a[i] - b[i]; sum += Double(dot(d, d)) }
        let mse = sum / Double(3 * a.count)
        return mse > 0 ? -10 * log10(mse) : .infinity
    }

    /// Structural similarity (Wang et al. 2004) with an 11×11 Gaussian window of σ 1.5, C1 = 0.01², C2 = 0.03²,
    /// computed per channel over the window positions fully inside the image ("valid"), then averaged —
    /// as in mip-NeRF's evaluation and scikit-image's `structural_similarity(gaussian_weights=True,
    /// sigma=1.5, use_sample_covariance=False, data_range=1)`.
    public static func ssim(_ a: [Vec3], _ b: [Vec3], width: Int, height: Int) -> Double {
        precondition(a.count == width * height && b.count == a.count && width >= 11 && height >= 11)
        let radius = 5
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
        let outW = width - 2 * radius, outH = height - 2 * radius
        var sum = 0.0
        for channel in 0..<3 {
            let x = a.map { Double($0[channel]) }, y = b.map { Double($0[channel]) }
            // separable Gaussian filtering of x, y, x², y², xy
            let fields = [x, y, zip(x, x).map(*), zip(y, y).map(*), zip(x, y).map(*)]
            let filtered = fields.map { field -> [Double] in
                var rows = [Double](repeating: 0, count: outW * height)
                for r in 0..<height {
                    for c in 0..<outW {
                        var s = 0.0
                        for k in 0..<kernel.count { s += kernel[k] * field[r * width + c + k] }
                        rows[r * outW + c] = s
                    }
                }
                var out = [Double](repeating: 0, count: outW * outH)
                for r in 0..<outH {
                    for c in 0..<outW {
                        var s = 0.0
                        for k in 0..<kernel.count { s += kernel[k] * rows[(r + k) * outW + c] }
                        out[r * outW + c] = s
                    }
                }
                return out
            }
            for i in 0..<(outW * outH) {
                let mx = filtered[0][i], my = filtered[1][i]
                let vx = filtered[2][i] - mx * mx, vy = filtered[3][i] - my * my, cov = filtered[4][i] - mx * my
                sum += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
            }
        }
        return sum / Double(3 * outW * outH)
    }
}
