/// A dense row-major `rows × cols` matrix of `Float`.
///
/// Element (r, c) is `storage[r * cols + c]`. A batch of `n` vectors of dimension `d` is an
/// `n × d` matrix — the layout every module uses to pass vectors around.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public var storage: [Float]

    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "negative matrix shape")
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, storage: [Float]) {
        precondition(storage.count == rows * cols, "storage has \(storage.count) values, expected \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Stacks equally long vectors as the rows of a matrix.
    public init(stacking vectors: [[Float]], cols: Int) {
        var storage = [Float]()
        storage.reserveCapacity(vectors.count * cols)
        for vector in vectors {
            precondition(vector.count == cols, "vector of dimension \(vector.count), expected \(cols)")
            storage.append(contentsOf: vector)
        }
        self.init(rows: vectors.count, cols: cols, storage: storage)
    }

    public subscript(row: Int, col: Int) -> Float {
        get { storage[row * cols + col] }
        set { storage[row * cols + col] = newValue }
    }

    /// A copy of row `index`.
    public func row(_ index: Int) -> [Float] {
        Array(storage[(index * cols)..<((index + 1) * cols)])
    }

    /// The product `self · other` (or with either side transposed), computed by `sgemm`.
    public func multiplied(
        by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false
    ) -> Matrix {
        let m = transposeSelf ? cols : rows
        let k = transposeSelf ? rows : cols
        let otherK = transposeOther ? other.cols : other.rows
        let n = transposeOther ? other.rows : other.cols
        precondition(k == otherK, "inner dimensions differ: \(k) vs \(otherK)")
        var result = Matrix(rows: m, cols: n)
        storage.withUnsafeBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                result.storage.withUnsafeMutableBufferPointer { c in
                    guard let pa = a.baseAddress, let pb = b.baseAddress, let pc = c.baseAddress else { return }
                    BLAS.sgemm(
                        transposeSelf ? .transposed : .none, transposeOther ? .transposed : .none,
                        m: m, n: n, k: k, a: pa, lda: cols, b: pb, ldb: other.cols, c: pc, ldc: n
                    )
                }
            }
        }
        return result
    }

    /// Scales every row to unit Euclidean norm (rows of norm 0 are left as they are).
    public mutating func normalizeRows() {
        let cols = self.cols
        storage.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for row in 0..<rows { Vector.normalize(base + row * cols, count: cols) }
        }
    }
}
