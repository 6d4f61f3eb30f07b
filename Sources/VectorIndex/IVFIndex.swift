import Foundation
import NexNumerics

/// Inverted-file index (IVF-Flat, inner product): a coarse quantizer of `nlist` unit
/// centroids (spherical k-means) routes each vector to one inverted list; a query scans only
/// the `nprobe` lists whose centroids score highest. Lists store ids and full vectors
/// contiguously, so scanning a list is one small `sgemm`.
///
/// Storage, as for `FlatIndex`, is a few immutable segments: each `add` builds a segment
/// holding all lists of the new vectors; more than `maxSegments` are merged. Reference: Jégou
/// et al. 2011; faiss/IndexIVF.h, IndexIVFFlat.h.
public struct IVFIndex: VectorSearchIndex {
    public let dimension: Int
    public let nlist: Int
    /// `nlist × d` unit centroids once trained.
    var centroids: StoredArray<Float>?
    var segments: [IVFSegment] {
        didSet { refreshListStatistics() }
    }
    /// Per-list sizes over all segments, and the longest list in any one segment (scratch size).
    private(set) var cachedListSizes: [Int] = []
    private(set) var longestList = 0
    /// k-means settings used by `train`.
    public var kmeans: SphericalKMeans
    static let maxSegments = 8

    public init(dimension: Int, nlist: Int, seed: UInt64 = 1234) {
        precondition(dimension > 0 && nlist > 0, "dimension and nlist must be positive")
        self.dimension = dimension
        self.nlist = nlist
        segments = []
        kmeans = SphericalKMeans(clusters: nlist)
        kmeans.seed = seed
        refreshListStatistics()
    }

    init(dimension: Int, centroids: StoredArray<Float>, segments: [IVFSegment]) {
        self.dimension = dimension
        nlist = centroids.count / dimension
        self.centroids = centroids
        self.segments = segments
        kmeans = SphericalKMeans(clusters: nlist)
        refreshListStatistics()
    }

    private mutating func refreshListStatistics() {
        cachedListSizes = (0..<nlist).map { list in segments.reduce(0) { $0 + $1.size(of: list) } }
        longestList = segments.map { segment in (0..<nlist).map { segment.size(of: $0) }.max() ?? 0 }.max() ?? 0
    }

    /// FAISS's rule of thumb: about 4·√N lists.
    public static func defaultListCount(for count: Int) -> Int {
        max(1, Int((4 * Double(count).squareRoot()).rounded()))
    }

    /// Recommended training-set size: 64 vectors per list.
    public static func trainingSize(nlist: Int) -> Int { 64 * nlist }

    public var count: Int { segments.reduce(0) { $0 + $1.ids.count } }
    public var isTrained: Bool { centroids != nil }

    /// Vectors per list, over all segments.
    public var listSizes: [Int] { cachedListSizes }

    public mutating func train(_ vectors: Matrix) throws {
        try checkDimension(vectors)
        let result = try kmeans.train(vectors)
        centroids = StoredArray(result.centroids.storage)
    }

    /// The best centroid of each vector and its inner product.
    public func nearestLists(_ vectors: Matrix, threads: Int = Parallel.processorCount) throws -> (lists: [Int32], scores: [Float]) {
        try checkDimension(vectors)
        guard let centroids else { throw VectorIndexError.notTrained }
        var lists = [Int32](repeating: 0, count: vectors.rows)
        var scores = [Float](repeating: 0, count: vectors.rows)
        let quantizer = Matrix(rows: nlist, cols: dimension, storage: centroids.array)
        scores.withUnsafeMutableBufferPointer { best in
            _ = SphericalKMeans.assign(vectors, to: quantizer, threads: threads, assignment: &lists, bestScores: best.baseAddress)
        }
        return (lists, scores)
    }

    public mutating func add(_ vectors: Matrix, ids: [Int64]) throws {
        try checkDimension(vectors)
        guard vectors.rows == ids.count else { throw VectorIndexError.idCountMismatch(vectors: vectors.rows, ids: ids.count) }
        guard isTrained else { throw VectorIndexError.notTrained }
        guard !ids.isEmpty else { return }
        let (lists, _) = try nearestLists(vectors)
        segments.append(IVFSegment.build(vectors: vectors, ids: ids, lists: lists, nlist: nlist))
        if segments.count > Self.maxSegments { segments = [IVFSegment.merging(segments, nlist: nlist, dimension: dimension)] }
    }

    @discardableResult
    public mutating func remove(_ ids: Set<Int64>) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var removed = 0
        segments = segments.compactMap { segment in
            let (kept, dropped) = segment.removing(ids, nlist: nlist, dimension: dimension)
            removed += dropped
            return kept.ids.count > 0 ? kept : nil
        }
        return removed
    }
}

/// The inverted lists of one batch of vectors: list `l` holds rows
/// `offsets[l] ..< offsets[l + 1]` of `ids` and `vectors`.
struct IVFSegment: Sendable {
    let offsets: StoredArray<Int64>
    let ids: StoredArray<Int64>
    let vectors: StoredArray<Float>

    func range(of list: Int) -> Range<Int> { Int(offsets[list])..<Int(offsets[list + 1]) }
    func size(of list: Int) -> Int { Int(offsets[list + 1] - offsets[list]) }

    /// Counting sort of the rows by list.
    static func build(vectors: Matrix, ids: [Int64], lists: [Int32], nlist: Int) -> IVFSegment {
        let d = vectors.cols
        var offsets = [Int64](repeating: 0, count: nlist + 1)
        for list in lists { offsets[Int(list) + 1] += 1 }
        for list in 0..<nlist { offsets[list + 1] += offsets[list] }
        var cursor = offsets
        let outIDs = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, ids.count))
        let outVectors = UnsafeMutablePointer<Float>.allocate(capacity: max(1, ids.count * d))
        vectors.storage.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            for (row, list) in lists.enumerated() {
                let slot = Int(cursor[Int(list)])
                cursor[Int(list)] += 1
                (outIDs + slot).initialize(to: ids[row])
                (outVectors + slot * d).initialize(from: base + row * d, count: d)
            }
        }
        return IVFSegment(offsets: StoredArray(offsets), ids: StoredArray(adopting: outIDs, count: ids.count),
                          vectors: StoredArray(adopting: outVectors, count: ids.count * d))
    }

    static func merging(_ segments: [IVFSegment], nlist: Int, dimension d: Int) -> IVFSegment {
        let total = segments.reduce(0) { $0 + $1.ids.count }
        var offsets = [Int64](repeating: 0, count: nlist + 1)
        let outIDs = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, total))
        let outVectors = UnsafeMutablePointer<Float>.allocate(capacity: max(1, total * d))
        var slot = 0
        for list in 0..<nlist {
            offsets[list] = Int64(slot)
            for segment in segments {
                let range = segment.range(of: list)
                (outIDs + slot).initialize(from: segment.ids.pointer + range.lowerBound, count: range.count)
                (outVectors + slot * d).initialize(from: segment.vectors.pointer + range.lowerBound * d, count: range.count * d)
                slot += range.count
            }
        }
        offsets[nlist] = Int64(slot)
        return IVFSegment(offsets: StoredArray(offsets), ids: StoredArray(adopting: outIDs, count: total),
                          vectors: StoredArray(adopting: outVectors, count: total * d))
    }

    func removing(_ doomed: Set<Int64>, nlist: Int, dimension d: Int) -> (IVFSegment, Int) {
        let dropped = (0..<ids.count).reduce(0) { $0 + (doomed.contains(ids[$1]) ? 1 : 0) }
        guard dropped > 0 else { return (self, 0) }
        let total = ids.count - dropped
        var newOffsets = [Int64](repeating: 0, count: nlist + 1)
        let outIDs = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, total))
        let outVectors = UnsafeMutablePointer<Float>.allocate(capacity: max(1, total * d))
        var slot = 0
        for list in 0..<nlist {
            newOffsets[list] = Int64(slot)
            for row in range(of: list) where !doomed.contains(ids[row]) {
                (outIDs + slot).initialize(to: ids[row])
                (outVectors + slot * d).initialize(from: vectors.pointer + row * d, count: d)
                slot += 1
            }
        }
        newOffsets[nlist] = Int64(slot)
        let segment = IVFSegment(offsets: StoredArray(newOffsets), ids: StoredArray(adopting: outIDs, count: total),
                                 vectors: StoredArray(adopting: outVectors, count: total * d))
        return (segment, dropped)
    }
}
