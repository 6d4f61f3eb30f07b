import CLAPACK

/// Errors from LAPACK routines, turned into Swift errors here and nowhere else.
public enum NumericsError: Error, Equatable, CustomStringConvertible {
    case lapack(routine: String, info: Int)
    case shape(String)

    public var description: String {
        switch self {
        case .lapack(let routine, let info) where info > 0:
            return "\(routine) failed: the matrix is singular or not positive definite (info \(info))"
        case .lapack(let routine, let info):
            return "\(routine) rejected argument \(-info)"
        case .shape(let message):
            return message
        }
    }
}

/// Dense linear algebra through LAPACK (only `Numerics` calls it).
public enum LinearAlgebra {
    /// The eigenvalues (ascending) and eigenvectors (as the rows of `vectors`) of a symmetric
    /// n×n matrix, via `ssyev`. Used for PCA-style diagnostics of embedding sets.
    public static func symmetricEigen(_ matrix: Matrix) throws -> (values: [Float], vectors: Matrix) {
        guard matrix.rows == matrix.cols else {
            throw NumericsError.shape("symmetricEigen needs a square matrix, got \(matrix.rows)×\(matrix.cols)")
        }
        var n = Int32(matrix.rows)
        var lda = n
        // A symmetric matrix reads the same in row- and column-major order; LAPACK writes the
        // eigenvectors as columns (column-major), i.e. as rows in our row-major view.
        var a = matrix.storage
        var w = [Float](repeating: 0, count: matrix.rows)
        var info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "V"))
        var uplo = CChar(UInt8(ascii: "U"))
        var workSize: Float = 0
        var query: Int32 = -1
        ssyev_(&jobz, &uplo, &n, &a, &lda, &w, &workSize, &query, &info)
        guard info == 0 else { throw NumericsError.lapack(routine: "ssyev", info: Int(info)) }
        var lwork = Int32(workSize)
        var work = [Float](repeating: 0, count: Int(lwork))
        ssyev_(&jobz, &uplo, &n, &a, &lda, &w, &work, &lwork, &info)
        guard info == 0 else { throw NumericsError.lapack(routine: "ssyev", info: Int(info)) }
        return (w, Matrix(rows: matrix.rows, cols: matrix.cols, storage: a))
    }

    /// Solves A·x = b for a symmetric positive-definite A (Cholesky, `sposv`). Used to fit
    /// small least-squares models (normal equations) such as score calibrations.
    public static func solveSymmetricPositiveDefinite(_ matrix: Matrix, _ rhs: [Float]) throws -> [Float] {
        guard matrix.rows == matrix.cols, rhs.count == matrix.rows else {
            throw NumericsError.shape("solve needs an n×n matrix and n values, got \(matrix.rows)×\(matrix.cols) and \(rhs.count)")
        }
        var n = Int32(matrix.rows)
        var nrhs: Int32 = 1
        var lda = n
        var ldb = n
        var a = matrix.storage
        var b = rhs
        var info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        sposv_(&uplo, &n, &nrhs, &a, &lda, &b, &ldb, &info)
        guard info == 0 else { throw NumericsError.lapack(routine: "sposv", info: Int(info)) }
        return b
    }
}
