/// Keeps the `k` best (highest-scoring) of a stream of (score, id) pairs in a bounded
/// min-heap: O(n log k) and no allocation after `init`, instead of sorting all n scores.
///
/// Ties are broken towards the smaller id, so results are deterministic and match exact
/// ground truth computed the same way (FAISS pads missing results with id −1; so do we).
///
/// Not thread-safe: use one accumulator per query.
public struct TopK: Sendable {
    public let k: Int
    @usableFromInline var scores: [Float]
    @usableFromInline var ids: [Int64]
    @usableFromInline var count = 0

    public init(k: Int) {
        precondition(k >= 0, "k must not be negative")
        self.k = k
        scores = [Float](repeating: -.infinity, count: k)
        ids = [Int64](repeating: -1, count: k)
    }

    /// The score a candidate must beat to enter once the heap is full (−∞ before).
    @inlinable
    public var threshold: Float { count < k ? -.infinity : scores[0] }

    /// Empties the accumulator, keeping its storage.
    @inlinable
    public mutating func reset() { count = 0 }

    /// Offers one candidate.
    @inlinable
    public mutating func push(score: Float, id: Int64) {
        guard k > 0 else { return }
        if count < k {
            var child = count
            count += 1
            // Sift up: the root holds the worst kept candidate.
            while child > 0 {
                let parent = (child - 1) / 2
                if Self.isWorse(score, id, than: scores[parent], ids[parent]) {
                    scores[child] = scores[parent]
                    ids[child] = ids[parent]
                    child = parent
                } else { break }
            }
            scores[child] = score
            ids[child] = id
        } else if Self.isWorse(scores[0], ids[0], than: score, id) {
            siftDownRoot(score: score, id: id)
        }
    }

    /// Offers `count` consecutive scores whose ids are `firstID`, `firstID + 1`, ...
    @inlinable
    public mutating func push(scores block: UnsafePointer<Float>, count n: Int, firstID: Int64) {
        var limit = threshold
        for i in 0..<n {
            let score = block[i]
            // Strictly greater, or equal when this id would win the tie (it cannot: ids grow).
            if score > limit {
                push(score: score, id: firstID + Int64(i))
                limit = threshold
            }
        }
    }

    /// The kept candidates, best first, padded with (−∞, −1) up to `k`.
    public func sorted() -> (scores: [Float], ids: [Int64]) {
        var pairs = (0..<count).map { (scores[$0], ids[$0]) }
        pairs.sort { Self.isWorse($1.0, $1.1, than: $0.0, $0.1) }
        var outScores = pairs.map(\.0)
        var outIDs = pairs.map(\.1)
        outScores.append(contentsOf: repeatElement(-.infinity, count: k - count))
        outIDs.append(contentsOf: repeatElement(-1, count: k - count))
        return (outScores, outIDs)
    }

    /// Whether (a, aID) ranks below (b, bID): lower score, or equal score and larger id.
    @inlinable
    static func isWorse(_ a: Float, _ aID: Int64, than b: Float, _ bID: Int64) -> Bool {
        a < b || (a == b && aID > bID)
    }

    @inlinable
    mutating func siftDownRoot(score: Float, id: Int64) {
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            var worst = left
            let right = left + 1
            if right < count, Self.isWorse(scores[right], ids[right], than: scores[left], ids[left]) {
                worst = right
            }
            if Self.isWorse(scores[worst], ids[worst], than: score, id) {
                scores[parent] = scores[worst]
                ids[parent] = ids[worst]
                parent = worst
            } else { break }
        }
        scores[parent] = score
        ids[parent] = id
    }
}

extension TopK {
    /// The indices and scores of the `k` largest values of `values`, best first
    /// (ties towards the smaller index); fewer than `k` when `values` is shorter.
    public static func select(_ values: [Float], k: Int) -> [(index: Int, score: Float)] {
        var heap = TopK(k: min(k, values.count))
        values.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { heap.push(scores: base, count: values.count, firstID: 0) }
        }
        let result = heap.sorted()
        return zip(result.ids, result.scores).map { (Int($0), $1) }
    }
}
