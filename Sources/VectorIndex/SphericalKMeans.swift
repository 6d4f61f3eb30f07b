import NexNumerics

/// Spherical k-means (cosine): Lloyd iterations whose assignment step is one `sgemm` per
/// block of points, with centroids re-normalised to unit length after each update.
///
/// Follows FAISS's `Clustering` defaults for IVF (10 iterations, random distinct points as
/// initial centroids, at most 256 points per centroid — more are subsampled, seeded) and its
/// empty-cluster repair: an empty cluster takes a copy of a cluster picked with probability
/// proportional to its size, and the two are pushed apart by ±ε so that they split its points.
/// Reference: Dhillon & Modha 2001 (spherical k-means); faiss/Clustering.cpp.
public struct SphericalKMeans: Sendable {
    public var clusters: Int
    public var iterations = 10
    public var seed: UInt64 = 1234
    public var maxPointsPerCentroid = 256
    public var threads = Parallel.processorCount

    public init(clusters: Int) {
        self.clusters = clusters
    }

    public struct Result: Sendable {
        /// `clusters × d`, unit rows.
        public var centroids: Matrix
        /// Mean inner product of each training point with its centroid, per iteration.
        public var objective: [Float]
    }

    public func train(_ data: Matrix) throws -> Result {
        guard clusters > 0 else { throw VectorIndexError.invalidParameter("k-means needs at least one cluster") }
        guard data.rows >= clusters else {
            throw VectorIndexError.trainingSetTooSmall(vectors: data.rows, needed: clusters)
        }
        var rng = SplitMix64(seed: seed)
        let points = subsample(data, limit: clusters * maxPointsPerCentroid, rng: &rng)
        let d = data.cols
        // Initial centroids: distinct random points.
        var centroids = Matrix(rows: clusters, cols: d)
        for (row, index) in sampleIndices(points.rows, count: clusters, rng: &rng).enumerated() {
            centroids.storage.replaceSubrange((row * d)..<((row + 1) * d), with: points.storage[(index * d)..<((index + 1) * d)])
        }
        centroids.normalizeRows()

        var objective: [Float] = []
        var assignment = [Int32](repeating: 0, count: points.rows)
        for _ in 0..<iterations {
            let mean = Self.assign(points, to: centroids, threads: threads, assignment: &assignment, bestScores: nil)
            objective.append(mean)
            centroids = update(points, assignment: assignment, previous: centroids, rng: &rng)
        }
        return Result(centroids: centroids, objective: objective)
    }

    /// Assigns each point to its best centroid (largest inner product); returns the mean best score.
    static func assign(
        _ points: Matrix, to centroids: Matrix, threads: Int, assignment: inout [Int32], bestScores: UnsafeMutablePointer<Float>?
    ) -> Float {
        let n = points.rows, k = centroids.rows, d = points.cols
        let block = max(16, min(1024, (1 << 20) / max(k, 1)))
        var partialSums = [Double](repeating: 0, count: Parallel.partitions(count: n, workers: threads, alignment: block))
        points.storage.withUnsafeBufferPointer { p in
            centroids.storage.withUnsafeBufferPointer { c in
                assignment.withUnsafeMutableBufferPointer { out in
                    partialSums.withUnsafeMutableBufferPointer { sums in
                        guard let pBase = p.baseAddress, let cBase = c.baseAddress, let outBase = out.baseAddress else { return }
                        Parallel.forEachPartition(count: n, workers: threads, alignment: block) { part, range in
                            let scores = UnsafeMutablePointer<Float>.allocate(capacity: block * k)
                            defer { scores.deallocate() }
                            var total: Double = 0
                            var start = range.lowerBound
                            while start < range.upperBound {
                                let rows = min(block, range.upperBound - start)
                                BLAS.sgemm(.none, .transposed, m: rows, n: k, k: d, a: pBase + start * d, lda: d,
                                           b: cBase, ldb: d, c: scores, ldc: k)
                                for row in 0..<rows {
                                    let (best, score) = argmax(scores + row * k, count: k)
                                    outBase[start + row] = Int32(best)
                                    bestScores?[start + row] = score
                                    total += Double(score)
                                }
                                start += rows
                            }
                            sums[part] = total
                        }
                    }
                }
            }
        }
        return Float(partialSums.reduce(0, +) / Double(max(n, 1)))
    }

    /// The index and value of the largest of `count` floats (first one on ties).
    @inline(__always)
    static func argmax(_ values: UnsafePointer<Float>, count: Int) -> (Int, Float) {
        var best = 0
        var bestValue = values[0]
        for i in 1..<count where values[i] > bestValue {
            best = i
            bestValue = values[i]
        }
        return (best, bestValue)
    }

    /// New centroids: the normalised sum of each cluster's points, with empty clusters repaired.
    private func update(_ points: Matrix, assignment: [Int32], previous: Matrix, rng: inout SplitMix64) -> Matrix {
        let k = clusters, d = points.cols
        var sums = Matrix(rows: k, cols: d)
        var sizes = [Int](repeating: 0, count: k)
        points.storage.withUnsafeBufferPointer { p in
            sums.storage.withUnsafeMutableBufferPointer { s in
                guard let pBase = p.baseAddress, let sBase = s.baseAddress else { return }
                for (index, cluster) in assignment.enumerated() {
                    BLAS.axpy(count: d, alpha: 1, x: pBase + index * d, y: sBase + Int(cluster) * d)
                    sizes[Int(cluster)] += 1
                }
            }
        }
        let epsilon: Float = 1 / 1024
        for empty in 0..<k where sizes[empty] == 0 {
            // Pick a cluster with probability proportional to its size (beyond one point).
            let total = sizes.reduce(0) { $0 + max($1 - 1, 0) }
            guard total > 0 else { break }
            var target = Int(rng.next() % UInt64(total))
            var donor = 0
            while target >= max(sizes[donor] - 1, 0) { target -= max(sizes[donor] - 1, 0); donor += 1 }
            for j in 0..<d {
                let value = sums[donor, j]
                let factor: Float = j % 2 == 0 ? 1 + epsilon : 1 - epsilon
                sums[empty, j] = value * factor
                sums[donor, j] = value * (2 - factor)
            }
            sizes[empty] = sizes[donor] / 2
            sizes[donor] -= sizes[empty]
        }
        for cluster in 0..<k where sizes[cluster] == 0 {
            // No donor (fewer points than clusters): keep the previous centroid.
            for j in 0..<d { sums[cluster, j] = previous[cluster, j] }
        }
        sums.normalizeRows()
        return sums
    }

    private func subsample(_ data: Matrix, limit: Int, rng: inout SplitMix64) -> Matrix {
        guard data.rows > limit else { return data }
        let d = data.cols
        var storage = [Float]()
        storage.reserveCapacity(limit * d)
        for index in sampleIndices(data.rows, count: limit, rng: &rng).sorted() {
            storage.append(contentsOf: data.storage[(index * d)..<((index + 1) * d)])
        }
        return Matrix(rows: limit, cols: d, storage: storage)
    }

    /// `count` distinct indices of `0..<n` (partial Fisher–Yates, seeded).
    private func sampleIndices(_ n: Int, count: Int, rng: inout SplitMix64) -> [Int] {
        var pool = Array(0..<n)
        for i in 0..<count {
            let j = i + Int(rng.next() % UInt64(n - i))
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(count))
    }
}
