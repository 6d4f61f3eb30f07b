import Foundation
import NexNumerics

/// Inverted-file index (IVF-Flat, inner product): a coarse quantizer of `nlist` unit
/// centroids (spherical k-means) routes each vector to one inverted list; a query scans only
/// the `nprobe` lists whose centroids score highest. Lists store ids and full vectors
/// contiguously, so scanning a list is one small `sgemm`.
///
/// Storage, as for `FlatIndex`, is a few immutable segments: each `add` builds a segment
/// holding all lists of the new vectors, merged as `SegmentPolicy` says; removals from big
/// segments are marked (`tombstones`). Reference: Jégou
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
    /// Removed ids still stored in a big segment (dropped when it is next merged or written).
    var tombstones: Set<Int64> = []
    /// k-means settings used by `train`.
    public var kmeans: SphericalKMeans

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

    public var count: Int { segments.reduce(0) { $0 + $1.ids.count } - tombstones.count }
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
        var next = segments
        let revived = tombstones.intersection(ids)
        if !revived.isEmpty {
            // A marked id added again: its old row must go for real, or the mark would hide the new one.
            next = next.compactMap { segment in
                let (kept, _) = segment.removing(revived, nlist: nlist, dimension: dimension)
                return kept.ids.count > 0 ? kept : nil
            }
            tombstones.subtract(revived)
        }
        next.append(IVFSegment.build(vectors: vectors, ids: ids, lists: lists, nlist: nlist))
        let tail = SegmentPolicy.tailToMerge(next.map(\.ids.count))
        if tail > 1 {
            let merging = Array(next.suffix(tail))
            next.removeLast(tail)
            var merged = IVFSegment.merging(merging, nlist: nlist, dimension: dimension)
            let dropped = tombstones.intersection(merging.flatMap { $0.ids.array })
            if !dropped.isEmpty {
                merged = merged.removing(dropped, nlist: nlist, dimension: dimension).0
                tombstones.subtract(dropped)
            }
            next.append(merged)
        }
        segments = next
    }

    @discardableResult
    public mutating func remove(_ ids: Set<Int64>) throws -> Int {
        let wanted = ids.subtracting(tombstones)
        guard !wanted.isEmpty else { return 0 }
        var removed = 0
        var marked = tombstones
        var next: [IVFSegment] = segments.compactMap { segment in
            guard segment.mayHold(wanted) else { return segment }
            if segment.ids.count > SegmentPolicy.copyOnRemoveLimit {
                let found = segment.ids.buffer.filter(wanted.contains)
                marked.formUnion(found)
                removed += found.count
                return segment
            }
            let (kept, dropped) = segment.removing(wanted, nlist: nlist, dimension: dimension)
            removed += dropped
            return kept.ids.count > 0 ? kept : nil
        }
        if marked.count > SegmentPolicy.tombstoneLimit {
            next = next.compactMap { segment in
                let (kept, _) = segment.removing(marked, nlist: nlist, dimension: dimension)
                return kept.ids.count > 0 ? kept : nil
            }
            marked = []
        }
        tombstones = marked
        segments = next
        return removed
    }

    /// All stored ids, in storage order.
    public var allIDs: [Int64] { segments.flatMap { $0.ids.array }.filter { !tombstones.contains($0) } }
}

/// The inverted lists of one batch of vectors: list `l` holds rows
/// `offsets[l] ..< offsets[l + 1]` of `ids` and `vectors`.
struct IVFSegment: Sendable {
    let offsets: StoredArray<Int64>
    let ids: StoredArray<Int64>
    let vectors: StoredArray<Float>
    /// The smallest and largest id stored (see `FlatSegment.idBounds`).
    let idBounds: ClosedRange<Int64>?

    init(offsets: StoredArray<Int64>, ids: StoredArray<Int64>, vectors: StoredArray<Float>) {
        self.offsets = offsets
        self.ids = ids
        self.vectors = vectors
        idBounds = ids.bounds
    }

    func mayHold(_ wanted: Set<Int64>) -> Bool { SegmentPolicy.mayHold(idBounds, wanted) }

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
