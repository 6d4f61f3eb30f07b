import NexNumerics

/// A contiguous run of candidate vectors with their ids.
struct ScanPiece: @unchecked Sendable {
    let vectors: UnsafePointer<Float>
    let ids: UnsafePointer<Int64>
    let count: Int
}

/// Scores queries against pieces of stored vectors with `sgemm` (`RowDot` for one query) and
/// keeps the top k of each query. Shared by the flat index and the IVF list scan.
///
/// Parallel split: with many queries, each worker takes a range of queries and scans every
/// piece; with few, each worker scans a share of the pieces for all queries, and the partial
/// heaps are merged. Scratch memory is `queryBlock × baseBlock` floats (2 MiB) per worker.
struct BlockScanner {
    // Measured on 100k × 384 with 1000 queries: 512 × 1024 blocks (2 MiB of scores) pack the
    // base once per 1024 queries and keep the score tile in cache for the top-k pass.
    static let baseBlock = 512
    static let queryBlock = 1024
    let dimension: Int
    let k: Int

    func search(queries: UnsafePointer<Float>, queryCount: Int, pieces: [ScanPiece], threads: Int, results: inout SearchResults) {
        let totalCandidates = pieces.reduce(0) { $0 + $1.count }
        let work = queryCount * totalCandidates * dimension
        let workers = work < 1 << 20 ? 1 : max(1, threads)
        results.scores.withUnsafeMutableBufferPointer { scores in
            results.ids.withUnsafeMutableBufferPointer { ids in
                guard let outScores = scores.baseAddress, let outIDs = ids.baseAddress else { return }
                if queryCount >= 4 * workers || workers == 1 {
                    // Split queries: each worker owns disjoint result rows.
                    Parallel.forEachRange(count: queryCount, workers: workers) { range in
                        var heaps = (0..<range.count).map { _ in TopK(k: k) }
                        scan(queries: queries + range.lowerBound * dimension, count: range.count, pieces: pieces[...], heaps: &heaps)
                        for (offset, heap) in heaps.enumerated() {
                            let row = range.lowerBound + offset
                            heap.write(scores: outScores + row * k, ids: outIDs + row * k)
                        }
                    }
                } else {
                    // Split pieces: partial heaps per worker, merged afterwards.
                    var partial = [[TopK]](repeating: [], count: Parallel.partitions(count: pieces.count, workers: workers))
                    partial.withUnsafeMutableBufferPointer { slots in
                        Parallel.forEachPartition(count: pieces.count, workers: workers) { part, range in
                            var heaps = (0..<queryCount).map { _ in TopK(k: k) }
                            scan(queries: queries, count: queryCount, pieces: pieces[range], heaps: &heaps)
                            slots[part] = heaps
                        }
                    }
                    for query in 0..<queryCount {
                        var merged = TopK(k: k)
                        for heaps in partial where !heaps.isEmpty { merged.merge(heaps[query]) }
                        merged.write(scores: outScores + query * k, ids: outIDs + query * k)
                    }
                }
            }
        }
    }

    /// Scores `count` queries against `pieces`, pushing into `heaps` (one per query).
    func scan(queries: UnsafePointer<Float>, count: Int, pieces: ArraySlice<ScanPiece>, heaps: inout [TopK]) {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Self.queryBlock * Self.baseBlock)
        defer { scratch.deallocate() }
        var start = 0
        while start < count {
            let rows = min(Self.queryBlock, count - start)
            let block = queries + start * dimension
            for piece in pieces {
                var offset = 0
                while offset < piece.count {
                    let columns = min(Self.baseBlock, piece.count - offset)
                    let candidates = piece.vectors + offset * dimension
                    if rows == 1 {
                        RowDot.scores(candidates, rows: columns, dimension: dimension, x: block, y: scratch)
                    } else {
                        BLAS.sgemm(.none, .transposed, m: rows, n: columns, k: dimension,
                                   a: block, lda: dimension, b: candidates, ldb: dimension, c: scratch, ldc: columns)
                    }
                    for row in 0..<rows {
                        heaps[start + row].push(scores: scratch + row * columns, ids: piece.ids + offset, count: columns)
                    }
                    offset += columns
                }
            }
            start += rows
        }
    }
}
