/// Operations on single vectors of `Float`.
public enum Vector {
    /// The inner product of two equally long vectors.
    public static func dot(_ x: [Float], _ y: [Float]) -> Float {
        precondition(x.count == y.count, "dot of vectors with \(x.count) and \(y.count) values")
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                guard let a = px.baseAddress, let b = py.baseAddress else { return 0 }
                return BLAS.dot(a, b, count: x.count)
            }
        }
    }

    /// The cosine similarity of two vectors (0 when either has norm 0).
    public static func cosine(_ x: [Float], _ y: [Float]) -> Float {
        let denominator = norm(x) * norm(y)
        return denominator > 0 ? dot(x, y) / denominator : 0
    }

    /// The Euclidean norm.
    public static func norm(_ x: [Float]) -> Float {
        x.withUnsafeBufferPointer { p in p.baseAddress.map { BLAS.norm($0, count: x.count) } ?? 0 }
    }

    /// Scales `x` to unit norm in place; a zero vector stays zero.
    public static func normalize(_ x: inout [Float]) {
        let count = x.count
        x.withUnsafeMutableBufferPointer { p in
            if let base = p.baseAddress { normalize(base, count: count) }
        }
    }

    /// A unit-norm copy of `x`.
    public static func normalized(_ x: [Float]) -> [Float] {
        var copy = x
        normalize(&copy)
        return copy
    }

    /// Scales `count` floats at `x` to unit norm in place; a zero vector stays zero.
    @inlinable
    public static func normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let length = BLAS.norm(x, count: count)
        if length > 0 { BLAS.scale(count: count, alpha: 1 / length, x: x) }
    }

    /// The largest absolute difference between two equally long vectors.
    public static func maxAbsDifference(_ x: [Float], _ y: [Float]) -> Float {
        precondition(x.count == y.count, "vectors of \(x.count) and \(y.count) values")
        var worst: Float = 0
        for i in x.indices { worst = max(worst, abs(x[i] - y[i])) }
        return worst
    }
}
