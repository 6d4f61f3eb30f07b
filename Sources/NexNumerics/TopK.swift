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

    /// The largest of 16 consecutive floats, as a tree of vector max operations.
    ///
    /// Written with `replacing(with:where:)`, which Swift lowers to vector compare/blend;
    /// `any(a .> b)` in a loop gets scalarised lane by lane (measured: 5× slower scans).
    @inline(__always) @usableFromInline
    static func max16(_ p: UnsafePointer<Float>) -> Float {
        let a = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        let b = UnsafeRawPointer(p + 8).loadUnaligned(as: SIMD8<Float>.self)
        let m8 = a.replacing(with: b, where: a .< b)
        let m4 = m8.lowHalf.replacing(with: m8.highHalf, where: m8.lowHalf .< m8.highHalf)
        let m2 = m4.lowHalf.replacing(with: m4.highHalf, where: m4.lowHalf .< m4.highHalf)
        return Swift.max(m2[0], m2[1])
    }

    /// Offers `count` consecutive scores whose ids are `firstID`, `firstID + 1`, ...
    ///
    /// Sixteen scores at a time are first reduced to their maximum; once the heap is full
    /// almost every block falls below the threshold there, which makes the scan over a large
    /// score matrix cheap next to the product that produced it.
    @inlinable
    public mutating func push(scores block: UnsafePointer<Float>, count n: Int, firstID: Int64) {
        var limit = threshold
        var i = 0
        while i + 16 <= n {
            // Strictly greater: an equal score has a larger id and loses the tie.
            if Self.max16(block + i) > limit {
                for j in i..<(i + 16) where block[j] > limit {
                    push(score: block[j], id: firstID + Int64(j))
                    limit = threshold
                }
            }
            i += 16
        }
        while i < n {
            if block[i] > limit {
                push(score: block[i], id: firstID + Int64(i))
                limit = threshold
            }
            i += 1
        }
    }

    /// Offers `count` scores with their own ids (same block prefilter; `>=` here, since an
    /// equal score may still win its tie by a smaller id).
    @inlinable
    public mutating func push(scores block: UnsafePointer<Float>, ids: UnsafePointer<Int64>, count n: Int) {
        var limit = threshold
        var i = 0
        while i + 16 <= n {
            if Self.max16(block + i) >= limit {
                for j in i..<(i + 16) where block[j] >= limit {
                    push(score: block[j], id: ids[j])
                    limit = threshold
                }
            }
            i += 16
        }
        while i < n {
            if block[i] >= limit {
                push(score: block[i], id: ids[i])
                limit = threshold
            }
            i += 1
        }
    }

    /// Offers every candidate kept by `other` (to merge per-thread partial results).
    public mutating func merge(_ other: TopK) {
        for i in 0..<other.count { push(score: other.scores[i], id: other.ids[i]) }
    }

    /// The number of candidates kept so far (at most `k`).
    public var keptCount: Int { count }

    /// Writes the kept candidates, best first and padded with (−∞, −1), to `k` slots each.
    public func write(scores outScores: UnsafeMutablePointer<Float>, ids outIDs: UnsafeMutablePointer<Int64>) {
        let result = sorted()
        for i in 0..<k {
            outScores[i] = result.scores[i]
            outIDs[i] = result.ids[i]
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
