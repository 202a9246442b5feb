import Foundation

extension Image8 {
    /// The image scaled down to `width` × `height` by area averaging: each output pixel is the mean of the input
    /// area it covers (fractional pixels weighted), separably in x then y.
    public func areaResampled(width w: Int, height h: Int) -> Image8 {
        precondition(w >= 1 && h >= 1 && w <= width && h <= height)
        if w == width && h == height { return self }
        /// For each output index, the input indices it covers with their weights.
        func spans(_ n: Int, _ m: Int) -> [[(Int, Double)]] {
            let scale = Double(n) / Double(m)
            return (0..<m).map { o in
                let a = Double(o) * scale, b = Double(o + 1) * scale
                var out: [(Int, Double)] = []
                var i = Int(a)
                while Double(i) < b, i < n {
                    let weight = min(b, Double(i + 1)) - max(a, Double(i))
                    if weight > 0 { out.append((i, weight / scale)) }
                    i += 1
                }
                return out
            }
        }
        let xs = spans(width, w), ys = spans(height, h), c = channels
        var rows = [Double](repeating: 0, count: w * height * c)
        for y in 0..<height {
            for (ox, span) in xs.enumerated() {
                for ch in 0..<c {
                    var sum = 0.0
                    for (x, weight) in span { sum += weight * Double(samples[(y * width + x) * c + ch]) }
                    rows[(y * w + ox) * c + ch] = sum
                }
            }
        }
        var out = [UInt8](repeating: 0, count: w * h * c)
        for (oy, span) in ys.enumerated() {
            for x in 0..<w {
                for ch in 0..<c {
                    var sum = 0.0
                    for (y, weight) in span { sum += weight * rows[(y * w + x) * c + ch] }
                    out[(oy * w + x) * c + ch] = UInt8(min(255, max(0, sum.rounded())))
                }
            }
        }
        return Image8(width: w, height: h, channels: c, samples: out)
    }
}
