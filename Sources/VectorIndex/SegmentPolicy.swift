/// When in-memory segments are merged and when removals are marked instead of copied (both
/// index kinds). After a log-structured merge policy: a new segment is merged with the ones
/// before it while they are no more than twice its size, so sizes fall geometrically along
/// the list, there are O(log n) segments, and each vector is copied O(log n) times — adding a
/// batch to a big collection costs the batch, not the collection.
enum SegmentPolicy {
    /// Segments bigger than this are not copied to drop a removed id; the id is marked.
    static let copyOnRemoveLimit = 4096
    /// Marked ids beyond this are dropped for real (searches ask for k + marked candidates).
    static let tombstoneLimit = 4096

    /// Whether any of `wanted` may be stored in a segment whose ids lie in `bounds`.
    static func mayHold(_ bounds: ClosedRange<Int64>?, _ wanted: Set<Int64>) -> Bool {
        guard let bounds else { return false }
        return wanted.contains(where: bounds.contains)
    }

    /// How many trailing segments to merge into one (0 or 1: none), given segment sizes in order.
    static func tailToMerge(_ sizes: [Int]) -> Int {
        guard sizes.count > 1 else { return 0 }
        var tail = 1
        var merged = sizes[sizes.count - 1]
        while tail < sizes.count, sizes[sizes.count - 1 - tail] <= 2 * merged {
            merged += sizes[sizes.count - 1 - tail]
            tail += 1
        }
        return tail
    }
}

extension SearchResults {
    /// The best `k` of each query's results that are not in `excluded` (the results were asked
    /// for k + |excluded|, so each query still has k when it had them).
    func excluding(_ excluded: Set<Int64>, k: Int) -> SearchResults {
        var out = SearchResults(queryCount: queryCount, k: k)
        out.scannedPerQuery = scannedPerQuery
        for query in 0..<queryCount {
            var slot = 0
            for (id, score) in zip(ids(of: query), scores(of: query)) where slot < k && id >= 0 && !excluded.contains(id) {
                out.ids[query * k + slot] = id
                out.scores[query * k + slot] = score
                slot += 1
            }
        }
        return out
    }
}
