import NexNumerics
import VectorIndex

/// Seeded test vectors: unit rows drawn around `clusters` random centres.
func clusteredVectors(count: Int, dimension: Int, clusters: Int, spread: Float, seed: UInt64) -> Matrix {
    var rng = SplitMix64(seed: seed)
    let centres = (0..<clusters).map { _ in (0..<dimension).map { _ in rng.nextGaussian() } }
    var storage = [Float]()
    storage.reserveCapacity(count * dimension)
    for _ in 0..<count {
        let centre = centres[Int(rng.next() % UInt64(clusters))]
        var row = centre.map { $0 + spread * rng.nextGaussian() }
        Vector.normalize(&row)
        storage.append(contentsOf: row)
    }
    return Matrix(rows: count, cols: dimension, storage: storage)
}

/// Exact top-k ids by brute force in double precision (ties: smaller id).
func bruteForce(_ base: Matrix, ids: [Int64], queries: Matrix, k: Int) -> [[Int64]] {
    (0..<queries.rows).map { q in
        let query = queries.row(q)
        let scored = (0..<base.rows).map { row -> (Double, Int64) in
            var sum = 0.0
            for j in 0..<base.cols { sum += Double(base[row, j]) * Double(query[j]) }
            return (sum, ids[row])
        }
        return scored.sorted { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.prefix(k).map(\.1)
    }
}

/// Mean |found ∩ truth| / k over queries (−1 never matches).
func recall(_ results: SearchResults, truth: [[Int64]], k: Int) -> Double {
    var hits = 0
    for q in 0..<results.queryCount {
        let found = Set(results.ids(of: q).prefix(k).filter { $0 >= 0 })
        hits += truth[q].prefix(k).filter { found.contains($0) }.count
    }
    return Double(hits) / Double(results.queryCount * k)
}
