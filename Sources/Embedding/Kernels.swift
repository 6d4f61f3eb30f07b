/// Vectorised elementwise kernels of the encoder (8 floats per step: one AVX register).
///
/// All take raw pointers to row-major data and allocate nothing. `exp` and `erf` are our own
/// polynomial/rational approximations, accurate to a few float ulps:
/// - `exp`: Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, Taylor series to r⁷
///   (truncation error < 1e-8 relative), scaled by 2ⁿ through the exponent bits.
/// - `erf`: x·P(x²)/Q(x²) with degree-5 P and Q fitted on [0, 4] by reweighted least squares
///   (max error 2.4e-8 in exact arithmetic, 3.4e-7 evaluated in float32); |x| ≥ 4 gives ±1.
enum Kernels {
    typealias F8 = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> F8 {
        UnsafeRawPointer(p).loadUnaligned(as: F8.self)
    }

    @inline(__always) static func store(_ v: F8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self)
    }

    // MARK: min, max

    // The stdlib's generic `pointwiseMin/Max`, `clamped` and `max()` are not specialised for
    // SIMD8<Float> and cost a call per lane; compare-and-select compiles to vminps/vmaxps.
    @inline(__always) static func maximum(_ a: F8, _ b: F8) -> F8 { a.replacing(with: b, where: a .< b) }
    @inline(__always) static func minimum(_ a: F8, _ b: F8) -> F8 { a.replacing(with: b, where: b .< a) }
    @inline(__always) static func clamp(_ x: F8, _ low: Float, _ high: Float) -> F8 {
        minimum(maximum(x, F8(repeating: low)), F8(repeating: high))
    }
    @inline(__always) static func horizontalMax(_ v: F8) -> Float {
        var m = v[0]
        for lane in 1..<8 { m = Swift.max(m, v[lane]) }
        return m
    }

    // MARK: exp

    @inline(__always) static func exp(_ x: F8) -> F8 {
        let clamped = clamp(x, -87.0, 88.0)
        // Round x·log2(e) to the nearest integer n by adding 1.5·2²³: the float's low mantissa
        // bits then hold n, and subtracting the constant back gives n as a float.
        let magic = F8(repeating: 12_582_912)
        let t = clamped * 1.442_695_04 + magic
        let n = t - magic
        // ln2 split in a high part exact in float and a low correction.
        var r = clamped.addingProduct(n, F8(repeating: -0.693_145_751_953_125))
        r = r.addingProduct(n, F8(repeating: -1.428_606_765_330_187e-6))
        var p = F8(repeating: 1.0 / 720).addingProduct(F8(repeating: 1.0 / 5040), r)
        p = F8(repeating: 1.0 / 120).addingProduct(p, r)
        p = F8(repeating: 1.0 / 24).addingProduct(p, r)
        p = F8(repeating: 1.0 / 6).addingProduct(p, r)
        p = F8(repeating: 0.5).addingProduct(p, r)
        p = F8(repeating: 1).addingProduct(p, r)
        p = F8(repeating: 1).addingProduct(p, r)
        // 2ⁿ: n sits in the low bits of t's pattern (0x4B400000 + n); move n + 127 to the exponent.
        let bits = (unsafeBitCast(t, to: SIMD8<UInt32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: F8.self)
    }

    // MARK: erf and GELU

    @inline(__always) static func erf(_ x: F8) -> F8 {
        let a = clamp(x, -4, 4)
        let t = a * a
        var p = F8(repeating: 1.969_958_702_829_899_3e-06)
        p = F8(repeating: 2.886_420_115_828_514e-04).addingProduct(p, t)
        p = F8(repeating: 4.030_745_476_484_299e-03).addingProduct(p, t)
        p = F8(repeating: 5.355_162_918_567_657_6e-02).addingProduct(p, t)
        p = F8(repeating: 1.968_815_326_690_673_8e-01).addingProduct(p, t)
        p = F8(repeating: 1.128_378_987_312_317).addingProduct(p, t)
        var q = F8(repeating: 3.746_155_925_909_988_6e-05)
        q = F8(repeating: 1.222_902_094_013_989e-03).addingProduct(q, t)
        q = F8(repeating: 1.549_890_078_604_221_3e-02).addingProduct(q, t)
        q = F8(repeating: 1.167_383_119_463_920_6e-01).addingProduct(q, t)
        q = F8(repeating: 5.078_127_384_185_791e-01).addingProduct(q, t)
        q = F8(repeating: 1).addingProduct(q, t)
        let result = a * p / q
        return clamp(result, -1, 1)
    }

    /// x ← GELU(x) = ½·x·(1 + erf(x/√2)) for `count` values (count % 8 == 0).
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            let y = load(x + i)
            store(0.5 * y * (1 + erf(y * 0.707_106_781_186_547_5)), x + i)
            i += 8
        }
    }

    // MARK: softmax

    /// Unnormalised softmax of each of `rows` rows of `count` values stored `stride` apart:
    /// x ← exp(x − max(row)) in place, and `sums[row]` ← Σ of the row.
    ///
    /// The division by the sum is left to the caller, who applies it to the much smaller
    /// P·V product instead (32 values per row rather than L). That also keeps every
    /// probability ≥ e⁻⁸⁷ (exp's clamp), a normal float: dividing first would create
    /// subnormals, whose products are ~100× slower on x86.
    static func expRows(_ x: UnsafeMutablePointer<Float>, rows: Int, count: Int, stride: Int, sums: UnsafeMutablePointer<Float>) {
        let vectorEnd = count & ~7
        for row in 0..<rows {
            let line = x + row * stride
            var maxVector = F8(repeating: -.infinity)
            var i = 0
            while i < vectorEnd { maxVector = Kernels.maximum(maxVector, load(line + i)); i += 8 }
            var maximum = horizontalMax(maxVector)
            while i < count { maximum = Swift.max(maximum, line[i]); i += 1 }

            var sumVector = F8()
            i = 0
            let m = F8(repeating: maximum)
            while i < vectorEnd {
                let e = exp(load(line + i) - m)
                store(e, line + i)
                sumVector += e
                i += 8
            }
            var sum = sumVector.sum()
            if i < count {
                // Tail: pad one vector with −∞ (exp → 0) so every value uses the same exp.
                var tail = F8(repeating: -.infinity)
                for j in i..<count { tail[j - i] = line[j] }
                let e = exp(tail - m)
                for j in i..<count { line[j] = e[j - i]; sum += e[j - i] }
            }
            sums[row] = sum
        }
    }

    /// Divides row r of a `rows × cols` block (rows `stride` apart) by `sums[r]`.
    static func divideRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int, sums: UnsafePointer<Float>) {
        for row in 0..<rows {
            let line = x + row * stride
            let scale = F8(repeating: 1 / sums[row])
            var col = 0
            while col < cols { store(load(line + col) * scale, line + col); col += 8 }
        }
    }

    // MARK: LayerNorm

    /// For each row: residual ← LayerNorm(x + bias + residual) · γ + β (eps inside the root),
    /// with the mean and variance over `cols` values (two passes, as PyTorch). Rows of `x` are
    /// `rowStride` apart (0 adds the same row to every residual row).
    static func addBiasResidualNorm(
        _ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, residual: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, rowStride: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        let inverseCount = 1 / Float(cols)
        for row in 0..<rows {
            let input = x + row * rowStride
            let output = residual + row * cols
            var sum = F8()
            var col = 0
            while col < cols {
                var v = load(input + col) + load(output + col)
                if let bias { v += load(bias + col) }
                store(v, output + col)
                sum += v
                col += 8
            }
            let mean = F8(repeating: sum.sum() * inverseCount)
            var squares = F8()
            col = 0
            while col < cols {
                let d = load(output + col) - mean
                squares = squares.addingProduct(d, d)
                col += 8
            }
            let inverseDeviation = F8(repeating: 1 / (squares.sum() * inverseCount + epsilon).squareRoot())
            col = 0
            while col < cols {
                let normalized = (load(output + col) - mean) * inverseDeviation
                store(load(beta + col).addingProduct(normalized, load(gamma + col)), output + col)
                col += 8
            }
        }
    }
}
