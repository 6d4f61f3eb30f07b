import NexNumerics
import Testing
import VectorIndex

@Suite("Flat index")
struct FlatIndexTests {
    @Test("recall@10 is exactly 1.0 against brute force, batched and one query at a time, 1 and 2 threads")
    func exact() throws {
        let base = clusteredVectors(count: 5000, dimension: 48, clusters: 40, spread: 0.6, seed: 1)
        let queries = clusteredVectors(count: 60, dimension: 48, clusters: 40, spread: 0.6, seed: 2)
        let ids = (0..<Int64(base.rows)).map { $0 * 3 + 7 }
        var index = FlatIndex(dimension: 48)
        // Three adds → three segments: the scan must cover them all.
        try index.add(Matrix(rows: 2000, cols: 48, storage: Array(base.storage[0..<(2000 * 48)])), ids: Array(ids[0..<2000]))
        try index.add(Matrix(rows: 2500, cols: 48, storage: Array(base.storage[(2000 * 48)..<(4500 * 48)])), ids: Array(ids[2000..<4500]))
        try index.add(Matrix(rows: 500, cols: 48, storage: Array(base.storage[(4500 * 48)...])), ids: Array(ids[4500...]))
        #expect(index.count == 5000)
        let truth = bruteForce(base, ids: ids, queries: queries, k: 10)
        for threads in [1, 2] {
            let batch = try index.search(queries, k: 10, parameters: SearchParameters(threads: threads))
            #expect(recall(batch, truth: truth, k: 10) == 1.0)
            #expect(batch.scannedPerQuery == 5000)
            for q in [0, 17, 59] {
                let single = try index.search(Matrix(rows: 1, cols: 48, storage: queries.row(q)), k: 10,
                                              parameters: SearchParameters(threads: threads))
                #expect(Array(single.ids(of: 0)) == truth[q])
                // Scores are the inner products, best first.
                let scores = Array(single.scores(of: 0))
                #expect(scores == scores.sorted(by: >))
            }
        }
    }

    @Test("k larger than the index pads with −1; k = 0 and an empty index return padding only")
    func padding() throws {
        var index = FlatIndex(dimension: 4)
        let empty = try index.search(Matrix(rows: 1, cols: 4, storage: [1, 0, 0, 0]), k: 3, parameters: .init())
        #expect(empty.ids == [-1, -1, -1])
        try index.add(Matrix(rows: 2, cols: 4, storage: [1, 0, 0, 0, 0, 1, 0, 0]), ids: [10, 20])
        let result = try index.search(Matrix(rows: 1, cols: 4, storage: [0.8, 0.6, 0, 0]), k: 5, parameters: .init())
        #expect(result.ids == [10, 20, -1, -1, -1])
        #expect(abs(result.scores[0] - 0.8) < 1e-6 && result.scores[4] == -.infinity)
        #expect(try index.search(Matrix(rows: 1, cols: 4, storage: [1, 0, 0, 0]), k: 0, parameters: .init()).ids.isEmpty)
    }

    @Test("remove(ids) removes exactly those ids from every segment")
    func remove() throws {
        var index = FlatIndex(dimension: 2)
        try index.add(Matrix(rows: 3, cols: 2, storage: [1, 0, 0.9, 0.1, 0, 1]), ids: [1, 2, 3])
        try index.add(Matrix(rows: 2, cols: 2, storage: [0.95, 0.05, 0.5, 0.5]), ids: [4, 5])
        let snapshot = index
        #expect(try index.remove([2, 4, 99]) == 2)
        #expect(index.count == 3)
        let result = try index.search(Matrix(rows: 1, cols: 2, storage: [1, 0]), k: 5, parameters: .init())
        #expect(result.ids == [1, 5, 3, -1, -1])
        #expect(Set(index.allIDs) == [1, 3, 5])
        // The value taken before the removal is untouched (readers keep their snapshot).
        #expect(snapshot.count == 5)
        #expect(try snapshot.search(Matrix(rows: 1, cols: 2, storage: [1, 0]), k: 2, parameters: .init()).ids == [1, 4])
    }

    @Test("a dimension mismatch throws on add, train and search; vector and id counts must agree")
    func dimensionMismatch() throws {
        var index = FlatIndex(dimension: 3)
        #expect(throws: VectorIndexError.dimensionMismatch(expected: 3, got: 2)) {
            try index.add(Matrix(rows: 1, cols: 2, storage: [1, 0]), ids: [1])
        }
        #expect(throws: VectorIndexError.dimensionMismatch(expected: 3, got: 4)) {
            try index.search(Matrix(rows: 1, cols: 4, storage: [1, 0, 0, 0]), k: 1, parameters: .init())
        }
        #expect(throws: VectorIndexError.dimensionMismatch(expected: 3, got: 1)) {
            try index.train(Matrix(rows: 1, cols: 1, storage: [1]))
        }
        #expect(throws: VectorIndexError.idCountMismatch(vectors: 1, ids: 2)) {
            try index.add(Matrix(rows: 1, cols: 3, storage: [1, 0, 0]), ids: [1, 2])
        }
    }
}
