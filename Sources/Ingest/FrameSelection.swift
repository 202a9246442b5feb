import Foundation
import Media

/// Picks the frames of a clip to reconstruct from: spread over the whole clip, the sharpest of each stretch.
public enum FrameSelection {
    /// Sharpness of an RGB image: the variance of the 4-neighbour Laplacian of its luma (Pech-Pacheco et al.
    /// 2000). Motion blur and defocus remove the high frequencies the Laplacian responds to.
    public static func sharpness(_ image: Image8) -> Double {
        let w = image.width, h = image.height
        guard w >= 3, h >= 3 else { return 0 }
        var luma = [Double](repeating: 0, count: w * h)
        image.samples.withUnsafeBufferPointer { s in
            for i in 0..<(w * h) {
                luma[i] = 0.299 * Double(s[3 * i]) + 0.587 * Double(s[3 * i + 1]) + 0.114 * Double(s[3 * i + 2])
            }
        }
        var sum = 0.0, sumSquares = 0.0
        for y in 1..<(h - 1) {
            for x in 1..<(w - 1) {
                let i = y * w + x
                let l = luma[i - 1] + luma[i + 1] + luma[i - w] + luma[i + w] - 4 * luma[i]
                sum += l; sumSquares += l * l
            }
        }
        let n = Double((w - 2) * (h - 2))
        return sumSquares / n - (sum / n) * (sum / n)
    }

    /// `count` frame indices out of `scores.count`: the clip is cut into `count` stretches of (nearly) equal
    /// length and the sharpest frame of each is taken (the earliest on ties), so the picks cover the whole clip.
    public static func select(scores: [Double], count: Int) -> [Int] {
        precondition(count >= 1 && count <= scores.count)
        return (0..<count).map { k in
            let start = k * scores.count / count, end = (k + 1) * scores.count / count
            var best = start
            for i in start..<end where scores[i] > scores[best] { best = i }
            return best
        }
    }
}
