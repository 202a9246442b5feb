import Dispatch
import Foundation
import Geometry

/// Scalar values on a regular lattice: point (i, j, k) sits at `origin + (i, j, k) · spacing` and is stored at
/// `values[(k · ny + j) · nx + i]` (x fastest, the same layout as the radiance field's lattice).
public struct ScalarGrid: Sendable {
    public var nx: Int, ny: Int, nz: Int
    public var origin: Vec3d
    public var spacing: Vec3d
    public var values: [Float]

    public init(nx: Int, ny: Int, nz: Int, origin: Vec3d, spacing: Vec3d, values: [Float]) {
        precondition(nx >= 2 && ny >= 2 && nz >= 2 && values.count == nx * ny * nz)
        self.nx = nx; self.ny = ny; self.nz = nz; self.origin = origin; self.spacing = spacing; self.values = values
    }

    /// A grid of `n³` points spanning `bounds`, filled by `f(position)`.
    public init(resolution n: Int, bounds: Bounds3, _ f: (Vec3d) -> Float) {
        let spacing = (bounds.upper - bounds.lower) / Double(n - 1)
        var values = [Float](repeating: 0, count: n * n * n)
        for k in 0..<n { for j in 0..<n { for i in 0..<n {
            values[(k * n + j) * n + i] = f(bounds.lower + Vec3d(Double(i), Double(j), Double(k)) * spacing)
        } } }
        self.init(nx: n, ny: n, nz: n, origin: bounds.lower, spacing: spacing, values: values)
    }

    public var bounds: Bounds3 {
        Bounds3(lower: origin, upper: origin + spacing * Vec3d(Double(nx - 1), Double(ny - 1), Double(nz - 1)))
    }

    @inline(__always) public func value(_ i: Int, _ j: Int, _ k: Int) -> Float { values[(k * ny + j) * nx + i] }

    /// Trilinear interpolation at a world position (clamped to the lattice).
    public func sample(_ p: Vec3d) -> Float {
        let q = (p - origin) / spacing
        let (i, fx) = Trilinear.split(q.x, count: nx), (j, fy) = Trilinear.split(q.y, count: ny), (k, fz) = Trilinear.split(q.z, count: nz)
        let base = (k * ny + j) * nx + i
        var corners = SIMD8<Float>()
        for c in 0..<8 { corners[c] = values[base + Trilinear.offset(c, row: nx, slice: nx * ny)] }
        return Trilinear.interpolate(corners, SIMD3(Float(fx), Float(fy), Float(fz)))
    }

    /// The gradient at a world position by central differences of `sample` one lattice step apart: smooth across
    /// cells, unlike the piecewise-constant derivative of the trilinear interpolant.
    public func gradient(_ p: Vec3d) -> Vec3 {
        var g = Vec3.zero
        for a in 0..<3 {
            var e = Vec3d.zero
            e[a] = spacing[a]
            g[a] = (sample(p + e) - sample(p - e)) / Float(2 * spacing[a])
        }
        return g
    }
}

extension ScalarGrid {
    /// True at every point within `radius` lattice steps (along each axis: a cube) of a point whose value is above
    /// `level`: a separable maximum filter.
    public func dilatedMask(above level: Float, radius: Int) -> [Bool] {
        var mask = values.map { $0 > level }
        let strides = [1, nx, nx * ny], counts = [nx, ny, nz]
        for axis in 0..<3 {
            let stride = strides[axis], count = counts[axis]
            var next = mask
            for index in mask.indices {
                let position = (index / stride) % count
                guard !mask[index] else { continue }
                for d in -radius...radius where d != 0 && position + d >= 0 && position + d < count {
                    if mask[index + d * stride] { next[index] = true; break }
                }
            }
            mask = next
        }
        return mask
    }

    /// Raises every point at or below `iso` that cannot be reached from the lattice's boundary through points at
    /// or below `iso` (6-connected) to `fill`: the unobserved inside of closed objects, which a radiance field
    /// leaves at arbitrary density and which would otherwise become inner shells. Returns how many points changed.
    @discardableResult
    public mutating func fillEnclosedRegions(below iso: Float, with fill: Float) -> Int {
        var reached = [Bool](repeating: false, count: values.count)
        var stack: [Int32] = []
        let sx = 1, sy = nx, sz = nx * ny
        func push(_ index: Int) {
            if !reached[index] && values[index] <= iso { reached[index] = true; stack.append(Int32(index)) }
        }
        for k in 0..<nz { for j in 0..<ny { for i in 0..<nx where i == 0 || j == 0 || k == 0 || i == nx - 1 || j == ny - 1 || k == nz - 1 {
            push((k * ny + j) * nx + i)
        } } }
        while let top = stack.popLast() {
            let index = Int(top)
            let i = index % nx, j = (index / nx) % ny, k = index / sz
            if i > 0 { push(index - sx) }; if i < nx - 1 { push(index + sx) }
            if j > 0 { push(index - sy) }; if j < ny - 1 { push(index + sy) }
            if k > 0 { push(index - sz) }; if k < nz - 1 { push(index + sz) }
        }
        var changed = 0
        for index in values.indices where !reached[index] && values[index] <= iso { values[index] = fill; changed += 1 }
        return changed
    }
}

extension ScalarGrid {
    /// The grid convolved with a Gaussian of standard deviation `sigma` lattice steps (separable, truncated at 3σ,
    /// renormalised at the lattice's edges). Each point's value is computed in a fixed order: deterministic.
    public func gaussianBlurred(sigma: Double) -> ScalarGrid {
        guard sigma > 0 else { return self }
        let radius = Int((3 * sigma).rounded(.up))
        let kernel = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        var current = values
        let dims = [nx, ny, nz], strides = [1, nx, nx * ny]
        for axis in 0..<3 {
            let n = dims[axis], step = strides[axis]
            var next = [Float](repeating: 0, count: current.count)
            current.withUnsafeBufferPointer { src in
            next.withUnsafeMutableBufferPointer { dst in
            kernel.withUnsafeBufferPointer { kernel in
                let s = UnsafeSendable(src.baseAddress!), d = UnsafeSendable(dst.baseAddress!), w = UnsafeSendable(kernel.baseAddress!)
                if axis == 0 {
                    // along x: each row is a line
                    let lines = current.count / n
                    DispatchQueue.concurrentPerform(iterations: 64) { part in
                        for line in stride(from: part, to: lines, by: 64) {
                            let base = line * n
                            for i in 0..<n {
                                var sum: Float = 0, weight: Float = 0
                                for k in max(-radius, -i)...min(radius, n - 1 - i) {
                                    sum += w.pointer[k + radius] * s.pointer[base + i + k]; weight += w.pointer[k + radius]
                                }
                                d.pointer[base + i] = sum / weight
                            }
                        }
                    }
                } else {
                    // along y or z: whole rows of x at a time (contiguous, so the loop over x vectorises), the same
                    // sums in the same order per point as along x
                    let rowLength = nx, rowsAcross = axis == 1 ? 1 : ny, outer = axis == 1 ? nz : 1
                    DispatchQueue.concurrentPerform(iterations: outer * n) { task in
                        let o = task / n, i = task % n
                        for r in 0..<rowsAcross {
                            let base = (axis == 1 ? o * nx * ny : r * nx) + i * step
                            let out = d.pointer + base
                            var weight: Float = 0
                            for x in 0..<rowLength { out[x] = 0 }
                            for k in max(-radius, -i)...min(radius, n - 1 - i) {
                                let wk = w.pointer[k + radius], row = s.pointer + base + k * step
                                for x in 0..<rowLength { out[x] += wk * row[x] }
                                weight += wk
                            }
                            for x in 0..<rowLength { out[x] /= weight }
                        }
                    }
                }
            }}}
            current = next
        }
        return ScalarGrid(nx: nx, ny: ny, nz: nz, origin: origin, spacing: spacing, values: current)
    }
}
