import NexNumerics

extension IVFIndex {
    public func search(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> SearchResults {
        guard !tombstones.isEmpty else { return try searchStored(queries, k: k, parameters: parameters) }
        return try searchStored(queries, k: k + tombstones.count, parameters: parameters).excluding(tombstones, k: k)
    }

    func searchStored(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> SearchResults {
        try checkDimension(queries)
        guard k >= 0 else { throw VectorIndexError.invalidParameter("k must not be negative") }
        guard parameters.nprobe > 0 else { throw VectorIndexError.invalidParameter("nprobe must be positive") }
        var results = SearchResults(queryCount: queries.rows, k: k)
        guard let centroids, queries.rows > 0, k > 0, count > 0 else { return results }
        let nq = queries.rows, d = dimension
        let nprobe = min(parameters.nprobe, nlist)

        // 1. Coarse step: the nprobe best lists of each query.
        let probes = coarseProbes(queries, centroids: centroids, nprobe: nprobe, threads: parameters.threads)

        // A handful of queries: scan each query's lists directly (no inversion, one thread:
        //    a few hundred microseconds of work does not pay for a hand-off).
        if nq <= 2 {
            queries.storage.withUnsafeBufferPointer { q in
                results.scores.withUnsafeMutableBufferPointer { scores in
                    results.ids.withUnsafeMutableBufferPointer { ids in
                        guard let queryBase = q.baseAddress, let outScores = scores.baseAddress, let outIDs = ids.baseAddress else { return }
                        var scanned = 0
                        for query in 0..<nq {
                            let lists = probes[(query * nprobe)..<((query + 1) * nprobe)].map { Int($0) }
                            // Split the lists between threads only when the scan is large
                            // (a memory-bound pass over megabytes of vectors).
                            let bytes = lists.reduce(0) { $0 + cachedListSizes[$1] } * d * 4
                            let parts = bytes < 4 << 20 ? 1 : Parallel.partitions(count: lists.count, workers: parameters.threads)
                            var partial = [TopK](repeating: TopK(k: k), count: parts)
                            var counts = [Int](repeating: 0, count: parts)
                            partial.withUnsafeMutableBufferPointer { heaps in
                                counts.withUnsafeMutableBufferPointer { tallies in
                                    Parallel.forEachPartition(count: lists.count, workers: parts) { part, range in
                                        for list in lists[range] {
                                            tallies[part] += scanList(list, query: queryBase + query * d, heap: &heaps[part])
                                        }
                                    }
                                }
                            }
                            for heap in partial.dropFirst() { partial[0].merge(heap) }
                            partial[0].write(scores: outScores + query * k, ids: outIDs + query * k)
                            scanned += counts.reduce(0, +)
                        }
                        results.scannedPerQuery = Double(scanned) / Double(nq)
                    }
                }
            }
            return results
        }

        // 2. Invert to list-major: the queries probing each list, so a list's vectors are
        //    read once per batch and scored against all its queries in one sgemm.
        var listQueries = [[Int32]](repeating: [], count: nlist)
        for query in 0..<nq {
            for probe in 0..<nprobe { listQueries[Int(probes[query * nprobe + probe])].append(Int32(query)) }
        }
        let active = (0..<nlist).filter { !listQueries[$0].isEmpty }
        let sizes = cachedListSizes
        let costs = active.map { sizes[$0] * listQueries[$0].count }
        let work = costs.reduce(0, +) * d
        let workers = work < 1 << 20 ? 1 : parameters.threads
        let plan = Parallel.balance(costs: costs, workers: workers)

        // 3. Each worker scans its lists into its own heaps; partial heaps are merged.
        var partial = [[TopK]](repeating: [], count: plan.count)
        var scanned = [Int](repeating: 0, count: plan.count)
        queries.storage.withUnsafeBufferPointer { q in
            partial.withUnsafeMutableBufferPointer { slots in
                scanned.withUnsafeMutableBufferPointer { scannedSlots in
                    guard let queryBase = q.baseAddress else { return }
                    Parallel.run(workers: plan.count) { worker in
                        var heaps = (0..<nq).map { _ in TopK(k: k) }
                        scannedSlots[worker] = scanLists(plan[worker].map { active[$0] }, listQueries: listQueries,
                                                         queries: queryBase, heaps: &heaps)
                        slots[worker] = heaps
                    }
                }
            }
        }
        results.scannedPerQuery = Double(scanned.reduce(0, +)) / Double(nq)
        results.scores.withUnsafeMutableBufferPointer { scores in
            results.ids.withUnsafeMutableBufferPointer { ids in
                guard let outScores = scores.baseAddress, let outIDs = ids.baseAddress else { return }
                for query in 0..<nq {
                    var merged = partial[0][query]
                    for worker in partial.indices.dropFirst() { merged.merge(partial[worker][query]) }
                    merged.write(scores: outScores + query * k, ids: outIDs + query * k)
                }
            }
        }
        return results
    }

    /// For each query, the `nprobe` lists with the highest centroid score (row-major nq × nprobe).
    private func coarseProbes(_ queries: Matrix, centroids: StoredArray<Float>, nprobe: Int, threads: Int) -> [Int32] {
        let nq = queries.rows, d = dimension, lists = nlist
        var probes = [Int32](repeating: 0, count: nq * nprobe)
        let block = max(1, min(nq, (1 << 20) / max(lists, 1)))
        let workers = nq * lists * d < 1 << 20 ? 1 : threads
        queries.storage.withUnsafeBufferPointer { q in
            probes.withUnsafeMutableBufferPointer { out in
                guard let queryBase = q.baseAddress, let outBase = out.baseAddress else { return }
                Parallel.forEachRange(count: nq, workers: workers) { range in
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: block * lists)
                    defer { scores.deallocate() }
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let rows = min(block, range.upperBound - start)
                        if rows == 1 {
                            RowDot.scores(centroids.pointer, rows: lists, dimension: d, x: queryBase + start * d, y: scores)
                        } else {
                            BLAS.sgemm(.none, .transposed, m: rows, n: lists, k: d, a: queryBase + start * d, lda: d,
                                       b: centroids.pointer, ldb: d, c: scores, ldc: lists)
                        }
                        for row in 0..<rows {
                            var best = TopK(k: nprobe)
                            best.push(scores: scores + row * lists, count: lists, firstID: 0)
                            let ids = best.sorted().ids
                            for probe in 0..<nprobe { outBase[(start + row) * nprobe + probe] = Int32(ids[probe]) }
                        }
                        start += rows
                    }
                }
            }
        }
        return probes
    }

    /// Scores one query against one list in every segment; returns vectors scored.
    private func scanList(_ list: Int, query: UnsafePointer<Float>, heap: inout TopK) -> Int {
        var scanned = 0
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, longestList)) { scores in
            guard let buffer = scores.baseAddress else { return }
            for segment in segments {
                let range = segment.range(of: list)
                guard !range.isEmpty else { continue }
                RowDot.scores(segment.vectors.pointer + range.lowerBound * dimension, rows: range.count,
                              dimension: dimension, x: query, y: buffer)
                heap.push(scores: buffer, ids: segment.ids.pointer + range.lowerBound, count: range.count)
                scanned += range.count
            }
        }
        return scanned
    }

    /// Scores every query probing each of `lists` against that list in every segment.
    /// Returns the number of (query, vector) pairs scored.
    private func scanLists(_ lists: [Int], listQueries: [[Int32]], queries: UnsafePointer<Float>, heaps: inout [TopK]) -> Int {
        let d = dimension
        let maxQueries = lists.map { listQueries[$0].count }.max() ?? 0
        let longest = longestList
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxQueries * d))
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxQueries * longest))
        defer {
            gathered.deallocate()
            scores.deallocate()
        }
        var scanned = 0
        for list in lists {
            let members = listQueries[list]
            for (row, query) in members.enumerated() {
                (gathered + row * d).update(from: queries + Int(query) * d, count: d)
            }
            for segment in segments {
                let range = segment.range(of: list)
                guard !range.isEmpty else { continue }
                let vectors = segment.vectors.pointer + range.lowerBound * d
                if members.count == 1 {
                    RowDot.scores(vectors, rows: range.count, dimension: d, x: gathered, y: scores)
                } else {
                    BLAS.sgemm(.none, .transposed, m: members.count, n: range.count, k: d, a: gathered, lda: d,
                               b: vectors, ldb: d, c: scores, ldc: range.count)
                }
                let ids = segment.ids.pointer + range.lowerBound
                for (row, query) in members.enumerated() {
                    heaps[Int(query)].push(scores: scores + row * range.count, ids: ids, count: range.count)
                }
                scanned += members.count * range.count
            }
        }
        return scanned
    }
}
