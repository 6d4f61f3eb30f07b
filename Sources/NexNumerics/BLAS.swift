import CBLAS

/// Thin, typed entry points to BLAS. Every matrix product in NexTraction goes through here,
/// so `Numerics` is the only module that calls BLAS (STYLE.md, layer 1).
///
/// All matrices are row-major. Functions taking unsafe pointers do not retain them; the caller
/// keeps the storage alive for the duration of the call (use `withUnsafeBufferPointer`).
public enum BLAS {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none, transposed
        @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// C ← alpha · op(A) · op(B) + beta · C, with op(A) m×k, op(B) k×n, C m×n, all row-major.
    ///
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before transposition).
    @inlinable
    public static func sgemm(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // BLAS leaves C untouched-but-scaled when k == 0; make that explicit.
            for row in 0..<m { for col in 0..<n { c[row * ldc + col] *= beta } }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA.cblas, transB.cblas,
            Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc)
        )
    }

    /// y ← alpha · op(A) · x + beta · y for a row-major m×n matrix A.
    @inlinable
    public static func sgemv(
        _ trans: Transpose, m: Int, n: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemv(CblasRowMajor, trans.cblas, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// The inner product of two vectors of `count` floats.
    @inlinable
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        count > 0 ? cblas_sdot(Int32(count), x, 1, y, 1) : 0
    }

    /// y ← alpha · x + y.
    @inlinable
    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        if count > 0 { cblas_saxpy(Int32(count), alpha, x, 1, y, 1) }
    }

    /// x ← alpha · x.
    @inlinable
    public static func scale(count: Int, alpha: Float, x: UnsafeMutablePointer<Float>) {
        if count > 0 { cblas_sscal(Int32(count), alpha, x, 1) }
    }

    /// The Euclidean norm of a vector.
    @inlinable
    public static func norm(_ x: UnsafePointer<Float>, count: Int) -> Float {
        count > 0 ? cblas_snrm2(Int32(count), x, 1) : 0
    }
}
