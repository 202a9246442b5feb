import Dataset
import Foundation
import Geometry
import Media
import Reconstruction
import Testing
import TestSupport

@Suite struct MetricTests {
    /// Pairs of images defined by integer formulas; the reference values were computed independently with
    /// scikit-image 0.25 (`peak_signal_noise_ratio(data_range=1)` and `structural_similarity(gaussian_weights=True,
    /// sigma=1.5, use_sample_covariance=False, channel_axis=-1, data_range=1)`).
    func pair(noise: Bool) -> ([Vec3], [Vec3]) {
        var a: [Vec3] = [], b: [Vec3] = []
        for y in 0..<24 { for x in 0..<32 {
            var ca = [Double](repeating: 0, count: 3), cb = [Double](repeating: 0, count: 3)
            for c in 0..<3 {
                let codeA: Int = (x * 7 + y * 13 + c * 29) % 256
                ca[c] = Double(codeA) / 255
                if noise {
                    let phase: Double = Double(x) * 0.7 + Double(y) * 0.3 + Double(c)
                    let wave: Double = 0.05 * sin(phase)
                    cb[c] = min(max(ca[c] + wave, 0), 1)
                } else {
                    let codeB: Int = (x * 7 + y * 11 + c * 31 + (x * y) % 17) % 256
                    cb[c] = Double(codeB) / 255
                }
            }
            a.append(Vec3(Float(ca[0]), Float(ca[1]), Float(ca[2]))); b.append(Vec3(Float(cb[0]), Float(cb[1]), Float(cb[2])))
        } }
        return (a, b)
    }

    @Test func psnrAndSSIMMatchScikitImage() {
        let (a, b) = pair(noise: false)
        #expect(abs(ImageMetrics.psnr(a, b) - 12.646032356925547) < 1e-4)
        #expect(abs(ImageMetrics.ssim(a, b, width: 32, height: 24) - 0.6731694329896413) < 1e-5)
        let (c, d) = pair(noise: true)
        #expect(abs(ImageMetrics.psnr(c, d) - 29.1552059780779) < 1e-4)
        #expect(abs(ImageMetrics.ssim(c, d, width: 32, height: 24) - 0.9657970016583938) < 1e-5)
        #expect(ImageMetrics.ssim(a, a, width: 32, height: 24) == 1)
    }
}
