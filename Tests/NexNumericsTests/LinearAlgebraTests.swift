import NexNumerics
import Testing

@Suite("LAPACK")
struct LinearAlgebraTests {
    @Test("symmetric eigen-decomposition reconstructs A·v = λ·v")
    func eigen() throws {
        let b = Matrix(rows: 6, cols: 4, storage: randomValues(24, seed: 5))
        let a = b.multiplied(by: b, transposeSelf: true)   // 4×4 symmetric PSD
        let (values, vectors) = try LinearAlgebra.symmetricEigen(a)
        #expect(values == values.sorted())
        for i in 0..<4 {
            let v = vectors.row(i)
            let av = a.multiplied(by: Matrix(rows: 4, cols: 1, storage: v)).storage
            for j in 0..<4 { #expect(abs(av[j] - values[i] * v[j]) < 1e-4) }
        }
    }

    @Test("Cholesky solve returns x with A·x = b, and rejects a non-positive-definite A")
    func solve() throws {
        let a = Matrix(rows: 3, cols: 3, storage: [4, 1, 0, 1, 3, 1, 0, 1, 2])
        let x = try LinearAlgebra.solveSymmetricPositiveDefinite(a, [1, 2, 3])
        let ax = a.multiplied(by: Matrix(rows: 3, cols: 1, storage: x)).storage
        #expect(Vector.maxAbsDifference(ax, [1, 2, 3]) < 1e-5)
        let indefinite = Matrix(rows: 2, cols: 2, storage: [1, 2, 2, 1])
        #expect(throws: NumericsError.self) { try LinearAlgebra.solveSymmetricPositiveDefinite(indefinite, [1, 1]) }
        #expect(throws: NumericsError.self) { try LinearAlgebra.symmetricEigen(Matrix(rows: 2, cols: 3)) }
    }

    @Test("the loaded BLAS reports its configuration")
    func runtime() {
        #expect(!BLASRuntime.configuration.isEmpty)
        #expect(BLASRuntime.threads >= 1)
    }
}
