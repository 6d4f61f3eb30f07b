import NexNumerics

/// Exact search: every query is scored against every stored vector.
///
/// Storage is a short list of immutable segments (ids + row-major vectors). `add` appends a
/// segment instead of copying what is there, so publishing a generation after an ingest batch
/// costs the size of the batch; more than `maxSegments` are merged into one. Search scores
/// blocks of the base with `sgemm` (bounded scratch memory) and keeps the top k per query in a
/// bounded heap, so recall is exactly 1.0.
public struct FlatIndex: VectorSearchIndex {
    public let dimension: Int
    var segments: [FlatSegment]
    static let maxSegments = 8

    public init(dimension: Int) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        segments = []
    }

    init(dimension: Int, segments: [FlatSegment]) {
        self.dimension = dimension
        self.segments = segments
    }

    public var count: Int { segments.reduce(0) { $0 + $1.count } }
    public var isTrained: Bool { true }

    public mutating func train(_ vectors: Matrix) throws {
        try checkDimension(vectors)
    }

    public mutating func add(_ vectors: Matrix, ids: [Int64]) throws {
        try checkDimension(vectors)
        guard vectors.rows == ids.count else { throw VectorIndexError.idCountMismatch(vectors: vectors.rows, ids: ids.count) }
        guard !ids.isEmpty else { return }
        segments.append(FlatSegment(vectors: StoredArray(vectors.storage), ids: StoredArray(ids)))
        if segments.count > Self.maxSegments { segments = [FlatSegment.merging(segments, dimension: dimension)] }
    }

    @discardableResult
    public mutating func remove(_ ids: Set<Int64>) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var removed = 0
        segments = segments.compactMap { segment in
            let (kept, dropped) = segment.removing(ids, dimension: dimension)
            removed += dropped
            return kept.count > 0 ? kept : nil
        }
        return removed
    }

    public func search(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> SearchResults {
        try checkDimension(queries)
        guard k >= 0 else { throw VectorIndexError.invalidParameter("k must not be negative") }
        var results = SearchResults(queryCount: queries.rows, k: k)
        guard queries.rows > 0, k > 0, count > 0 else { return results }
        let pieces = segments.enumerated().flatMap { index, segment in
            stride(from: 0, to: segment.count, by: BlockScanner.baseBlock).map {
                ScanPiece(vectors: segment.vectors.pointer + $0 * dimension, ids: segment.ids.pointer + $0,
                          count: min(BlockScanner.baseBlock, segment.count - $0))
            }
        }
        queries.storage.withUnsafeBufferPointer { q in
            guard let base = q.baseAddress else { return }
            BlockScanner(dimension: dimension, k: k).search(
                queries: base, queryCount: queries.rows, pieces: pieces,
                threads: parameters.threads, results: &results
            )
        }
        results.scannedPerQuery = Double(count)
        return results
    }

    /// All stored ids, in storage order.
    public var allIDs: [Int64] { segments.flatMap { $0.ids.array } }
}

/// One immutable run of stored vectors.
struct FlatSegment: Sendable {
    let vectors: StoredArray<Float>
    let ids: StoredArray<Int64>
    var count: Int { ids.count }

    static func merging(_ segments: [FlatSegment], dimension: Int) -> FlatSegment {
        let total = segments.reduce(0) { $0 + $1.count }
        let vectors = UnsafeMutablePointer<Float>.allocate(capacity: max(1, total * dimension))
        let ids = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, total))
        var offset = 0
        for segment in segments {
            (vectors + offset * dimension).initialize(from: segment.vectors.pointer, count: segment.count * dimension)
            (ids + offset).initialize(from: segment.ids.pointer, count: segment.count)
            offset += segment.count
        }
        return FlatSegment(vectors: StoredArray(adopting: vectors, count: total * dimension), ids: StoredArray(adopting: ids, count: total))
    }

    func removing(_ doomed: Set<Int64>, dimension: Int) -> (FlatSegment, Int) {
        let keep = (0..<count).filter { !doomed.contains(ids[$0]) }
        guard keep.count < count else { return (self, 0) }
        let vectors = UnsafeMutablePointer<Float>.allocate(capacity: max(1, keep.count * dimension))
        let keptIDs = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, keep.count))
        for (row, source) in keep.enumerated() {
            (vectors + row * dimension).initialize(from: self.vectors.pointer + source * dimension, count: dimension)
            (keptIDs + row).initialize(to: ids[source])
        }
        let segment = FlatSegment(vectors: StoredArray(adopting: vectors, count: keep.count * dimension),
                                  ids: StoredArray(adopting: keptIDs, count: keep.count))
        return (segment, count - keep.count)
    }
}
