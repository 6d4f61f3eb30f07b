import NexNumerics

/// Exact search: every query is scored against every stored vector.
///
/// Storage is a short list of immutable segments (ids + row-major vectors). `add` appends a
/// segment instead of copying what is there, so publishing a generation after an ingest batch
/// costs the size of the batch; small segments are merged with their neighbours as they
/// accumulate (`SegmentPolicy`), so each vector is copied O(log n) times, not once per batch.
/// Removing ids from a big segment marks them deleted (`tombstones`) instead of copying it;
/// searches skip them. Search scores
/// blocks of the base with `sgemm` (bounded scratch memory) and keeps the top k per query in a
/// bounded heap, so recall is exactly 1.0.
public struct FlatIndex: VectorSearchIndex {
    public let dimension: Int
    var segments: [FlatSegment]
    /// Removed ids still stored in a big segment (dropped when it is next merged or written).
    var tombstones: Set<Int64> = []

    public init(dimension: Int) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        segments = []
    }

    init(dimension: Int, segments: [FlatSegment]) {
        self.dimension = dimension
        self.segments = segments
    }

    public var count: Int { segments.reduce(0) { $0 + $1.count } - tombstones.count }
    public var isTrained: Bool { true }

    public mutating func train(_ vectors: Matrix) throws {
        try checkDimension(vectors)
    }

    public mutating func add(_ vectors: Matrix, ids: [Int64]) throws {
        try checkDimension(vectors)
        guard vectors.rows == ids.count else { throw VectorIndexError.idCountMismatch(vectors: vectors.rows, ids: ids.count) }
        guard !ids.isEmpty else { return }
        let revived = tombstones.intersection(ids)
        if !revived.isEmpty {
            // A marked id added again: its old row must go for real, or the mark would hide the new one.
            segments = segments.compactMap { segment in
                let (kept, _) = segment.removing(revived, dimension: dimension)
                return kept.count > 0 ? kept : nil
            }
            tombstones.subtract(revived)
        }
        segments.append(FlatSegment(vectors: StoredArray(vectors.storage), ids: StoredArray(ids)))
        let tail = SegmentPolicy.tailToMerge(segments.map(\.count))
        if tail > 1 {
            let merging = Array(segments.suffix(tail))
            segments.removeLast(tail)
            let merged = FlatSegment.merging(merging, dimension: dimension, excluding: tombstones)
            tombstones.subtract(merging.flatMap { $0.ids.array })
            segments.append(merged)
        }
    }

    @discardableResult
    public mutating func remove(_ ids: Set<Int64>) throws -> Int {
        let wanted = ids.subtracting(tombstones)
        guard !wanted.isEmpty else { return 0 }
        var removed = 0
        segments = segments.compactMap { segment in
            guard segment.mayHold(wanted) else { return segment }
            if segment.count > SegmentPolicy.copyOnRemoveLimit {
                let marked = segment.ids.buffer.filter(wanted.contains)
                tombstones.formUnion(marked)
                removed += marked.count
                return segment
            }
            let (kept, dropped) = segment.removing(wanted, dimension: dimension)
            removed += dropped
            return kept.count > 0 ? kept : nil
        }
        if tombstones.count > SegmentPolicy.tombstoneLimit {
            segments = segments.compactMap { segment in
                let (kept, _) = segment.removing(tombstones, dimension: dimension)
                return kept.count > 0 ? kept : nil
            }
            tombstones = []
        }
        return removed
    }

    public func search(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> SearchResults {
        guard !tombstones.isEmpty else { return try searchStored(queries, k: k, parameters: parameters) }
        return try searchStored(queries, k: k + tombstones.count, parameters: parameters).excluding(tombstones, k: k)
    }

    func searchStored(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> SearchResults {
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
    public var allIDs: [Int64] { segments.flatMap { $0.ids.array }.filter { !tombstones.contains($0) } }
}

/// One immutable run of stored vectors.
struct FlatSegment: Sendable {
    let vectors: StoredArray<Float>
    let ids: StoredArray<Int64>
    /// The smallest and largest id stored: removing ids outside them needs no scan (new
    /// chunks get ids above every stored one).
    let idBounds: ClosedRange<Int64>?
    var count: Int { ids.count }

    init(vectors: StoredArray<Float>, ids: StoredArray<Int64>) {
        self.vectors = vectors
        self.ids = ids
        idBounds = ids.bounds
    }

    func mayHold(_ wanted: Set<Int64>) -> Bool { SegmentPolicy.mayHold(idBounds, wanted) }

    /// One segment holding the rows of `segments` except the ids in `excluding`.
    static func merging(_ segments: [FlatSegment], dimension: Int, excluding: Set<Int64> = []) -> FlatSegment {
        let total = segments.reduce(0) { $0 + $1.count }
        let vectors = UnsafeMutablePointer<Float>.allocate(capacity: max(1, total * dimension))
        let ids = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, total))
        var offset = 0
        for segment in segments {
            if excluding.isEmpty {
                (vectors + offset * dimension).initialize(from: segment.vectors.pointer, count: segment.count * dimension)
                (ids + offset).initialize(from: segment.ids.pointer, count: segment.count)
                offset += segment.count
                continue
            }
            for row in 0..<segment.count where !excluding.contains(segment.ids[row]) {
                (vectors + offset * dimension).initialize(from: segment.vectors.pointer + row * dimension, count: dimension)
                (ids + offset).initialize(to: segment.ids[row])
                offset += 1
            }
        }
        return FlatSegment(vectors: StoredArray(adopting: vectors, count: offset * dimension), ids: StoredArray(adopting: ids, count: offset))
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
