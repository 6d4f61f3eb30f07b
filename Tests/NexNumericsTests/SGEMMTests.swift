import NexNumerics
import Testing

/// A naive triple loop: the reference every BLAS call is checked against.
func naiveProduct(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum: Double = 0
            for p in 0..<k {
                let x = transA ? a[p * m + i] : a[i * k + p]
                let y = transB ? b[j * k + p] : b[p * n + j]
                sum += Double(x) * Double(y)
            }
            c[i * n + j] = Float(sum)
        }
    }
    return c
}

func randomValues(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in rng.nextFloat() * 2 - 1 }
}

@Suite("sgemm")
struct SGEMMTests {
    @Test("matches a naive triple loop on odd shapes, with and without transposes",
          arguments: [(1, 1, 1), (3, 5, 7), (384, 1000, 96), (17, 33, 64)])
    func matchesNaive(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = randomValues(m * k, seed: UInt64(m * 31 + k))
            let b = randomValues(k * n, seed: UInt64(n * 17 + k))
            let expected = naiveProduct(a, b, m: m, n: n, k: k, transA: transA, transB: transB)
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.sgemm(transA ? .transposed : .none, transB ? .transposed : .none,
                                   m: m, n: n, k: k,
                                   a: pa.baseAddress!, lda: transA ? m : k,
                                   b: pb.baseAddress!, ldb: transB ? k : n,
                                   c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            // Tolerance grows with k: float32 accumulation over k products.
            let tolerance = Float(k).squareRoot() * 1e-5 + 1e-6
            #expect(Vector.maxAbsDifference(c, expected) <= tolerance, "m=\(m) n=\(n) k=\(k) tA=\(transA) tB=\(transB)")
        }
    }

    @Test("3×7 · 7×5 through Matrix.multiplied equals the naive product")
    func matrixProduct() {
        let a = Matrix(rows: 3, cols: 7, storage: randomValues(21, seed: 1))
        let b = Matrix(rows: 7, cols: 5, storage: randomValues(35, seed: 2))
        let c = a.multiplied(by: b)
        #expect(c.rows == 3 && c.cols == 5)
        let expected = naiveProduct(a.storage, b.storage, m: 3, n: 5, k: 7, transA: false, transB: false)
        #expect(Vector.maxAbsDifference(c.storage, expected) < 1e-5)
        // Aᵀ·A is symmetric and matches the naive transposed product.
        let gram = a.multiplied(by: a, transposeSelf: true)
        #expect(gram.rows == 7 && gram.cols == 7)
        for i in 0..<7 { for j in 0..<7 { #expect(abs(gram[i, j] - gram[j, i]) < 1e-5) } }
    }

    @Test("beta accumulates into C instead of overwriting it")
    func betaAccumulates() {
        let a: [Float] = [1, 2, 3, 4]          // 2×2
        let b: [Float] = [1, 0, 0, 1]          // identity
        var c: [Float] = [10, 10, 10, 10]
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            BLAS.sgemm(.none, .none, m: 2, n: 2, k: 2, alpha: 2, a: pa.baseAddress!, lda: 2,
                       b: pb.baseAddress!, ldb: 2, beta: 1, c: pc.baseAddress!, ldc: 2)
        } } }
        #expect(c == [12, 14, 16, 18])
    }
}
