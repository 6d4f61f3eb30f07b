import NexNumerics

/// The index contract, after FAISS's `Index`: inner product on unit vectors (cosine),
/// row-major `n × d` batches, caller-chosen `Int64` ids, results padded with id −1.
///
/// Implementations are value types over immutable storage: a search works on the snapshot it
/// was called on while a writer builds the next value (`add` and `remove` return new storage,
/// never touching what readers see). Ids must be unique; the caller keeps that invariant.
public protocol VectorSearchIndex: Sendable {
    var dimension: Int { get }
    var count: Int { get }
    var isTrained: Bool { get }

    /// Learns what the index needs from sample vectors (IVF: its centroids). No-op for flat.
    mutating func train(_ vectors: Matrix) throws

    /// Adds vectors with their ids.
    mutating func add(_ vectors: Matrix, ids: [Int64]) throws

    /// The `k` best matches of each query, best first, padded with (−∞, −1).
    func search(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> SearchResults

    /// Removes vectors by id; returns how many were found and removed.
    @discardableResult
    mutating func remove(_ ids: Set<Int64>) throws -> Int
}

/// Search-time knobs.
public struct SearchParameters: Sendable, Equatable {
    /// IVF: inverted lists scanned per query (ignored by flat indexes).
    public var nprobe: Int
    /// Threads a search may use.
    public var threads: Int

    public init(nprobe: Int = 16, threads: Int = Parallel.processorCount) {
        self.nprobe = nprobe
        self.threads = max(1, threads)
    }
}

/// `k` results for each of `queryCount` queries, row-major.
public struct SearchResults: Sendable, Equatable {
    public let queryCount: Int
    public let k: Int
    public var scores: [Float]
    public var ids: [Int64]
    /// Candidate vectors scored per query (the work a search did; FAISS's `ndis`).
    public var scannedPerQuery: Double = 0

    public init(queryCount: Int, k: Int) {
        self.queryCount = queryCount
        self.k = k
        scores = [Float](repeating: -.infinity, count: queryCount * k)
        ids = [Int64](repeating: -1, count: queryCount * k)
    }

    /// The ids of query `index`, best first (−1 where fewer than k exist).
    public func ids(of index: Int) -> ArraySlice<Int64> { ids[(index * k)..<((index + 1) * k)] }

    /// The scores of query `index`, best first.
    public func scores(of index: Int) -> ArraySlice<Float> { scores[(index * k)..<((index + 1) * k)] }
}

extension VectorSearchIndex {
    func checkDimension(_ vectors: Matrix) throws {
        guard vectors.cols == dimension else {
            throw VectorIndexError.dimensionMismatch(expected: dimension, got: vectors.cols)
        }
    }
}
