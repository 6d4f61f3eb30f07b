import NexNumerics
import Testing

@Suite("Vector and Matrix helpers")
struct VectorTests {
    @Test("dot equals the sum of products")
    func dot() {
        let x = randomValues(384, seed: 3)
        let y = randomValues(384, seed: 4)
        let expected = zip(x, y).reduce(Double(0)) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(Double(Vector.dot(x, y)) - expected) < 1e-4)
    }

    @Test("normalize gives unit norm, keeps direction, and leaves a zero vector at zero")
    func normalize() {
        var x: [Float] = [3, 4]
        Vector.normalize(&x)
        #expect(abs(x[0] - 0.6) < 1e-6 && abs(x[1] - 0.8) < 1e-6)
        var zero: [Float] = [0, 0, 0]
        Vector.normalize(&zero)
        #expect(zero == [0, 0, 0])
        var m = Matrix(rows: 2, cols: 2, storage: [0, 2, 5, 0])
        m.normalizeRows()
        #expect(m.storage == [0, 1, 1, 0])
    }

    @Test("cosine of parallel, orthogonal and opposite vectors")
    func cosine() {
        #expect(abs(Vector.cosine([1, 2], [2, 4]) - 1) < 1e-6)
        #expect(abs(Vector.cosine([1, 0], [0, 3])) < 1e-6)
        #expect(abs(Vector.cosine([1, 1], [-1, -1]) + 1) < 1e-6)
        #expect(Vector.cosine([0, 0], [1, 1]) == 0)
    }
}
