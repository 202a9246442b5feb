/// A smoothness prior on lattice values: E = Σ over lattice edges (v(p) − v(p + e))², for the three axis
/// directions e. The optimiser adds λ · ∂E/∂v(p) for the points a batch touched:
///   ∂E/∂v(p) = 2 Σ over the up-to-six neighbours q of p (v(p) − v(q)).
public enum TotalVariation {
    /// The energy over a whole lattice of `r³` values spaced `stride` apart in `values` (for tests and logs).
    public static func energy<S: FieldScalar>(_ values: UnsafePointer<S>, resolution r: Int, stride: Int = 1) -> S {
        var e: S = 0
        for k in 0..<r { for j in 0..<r { for i in 0..<r {
            let p = (k * r + j) * r + i
            let v = values[p * stride]
            if i + 1 < r { let d = v - values[(p + 1) * stride]; e += d * d }
            if j + 1 < r { let d = v - values[(p + r) * stride]; e += d * d }
            if k + 1 < r { let d = v - values[(p + r * r) * stride]; e += d * d }
        } } }
        return e
    }

    /// ∂E/∂v at lattice point `p` = (i, j, k).
    @inline(__always)
    public static func gradient<S: FieldScalar>(_ values: UnsafePointer<S>, at p: Int, i: Int, j: Int, k: Int, resolution r: Int, stride: Int = 1) -> S {
        let v = values[p * stride]
        var g: S = 0
        if i > 0 { g += v - values[(p - 1) * stride] }
        if i + 1 < r { g += v - values[(p + 1) * stride] }
        if j > 0 { g += v - values[(p - r) * stride] }
        if j + 1 < r { g += v - values[(p + r) * stride] }
        if k > 0 { g += v - values[(p - r * r) * stride] }
        if k + 1 < r { g += v - values[(p + r * r) * stride] }
        return 2 * g
    }
}
