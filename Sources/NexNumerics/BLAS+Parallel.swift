extension BLAS {
    /// `sgemm` split across `workers` threads, each calling single-threaded BLAS on its block:
    /// by rows of C when m is the larger side, by columns of C otherwise (so that a handful of
    /// query rows still divides the weight matrix between cores). Small products run inline.
    ///
    /// Same arguments and layout as `sgemm` (row-major).
    @inlinable
    public static func parallelSGEMM(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        workers: Int
    ) {
        // Below ~1 MFLOP a thread hand-off costs more than it saves.
        if workers <= 1 || m * n * k < 1 << 19 {
            sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if m >= n || m >= 64 * workers {
            Parallel.forEachRange(count: m, workers: workers, alignment: 16) { rows in
                let blockA = transA == .none ? a + rows.lowerBound * lda : a + rows.lowerBound
                sgemm(transA, transB, m: rows.count, n: n, k: k, alpha: alpha,
                      a: blockA, lda: lda, b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
            }
        } else {
            Parallel.forEachRange(count: n, workers: workers, alignment: 16) { cols in
                let blockB = transB == .transposed ? b + cols.lowerBound * ldb : b + cols.lowerBound
                sgemm(transA, transB, m: m, n: cols.count, k: k, alpha: alpha,
                      a: a, lda: lda, b: blockB, ldb: ldb, beta: beta, c: c + cols.lowerBound, ldc: ldc)
            }
        }
    }
}
