import Foundation
import NexNumerics
import TestSupport
import Testing
import VectorIndex

/// Delta generations: a publish writes the change, not the collection; loading base + deltas
/// equals building from scratch; a crash at any step leaves a loadable index.
@Suite("Segmented index generations")
struct SegmentTests {
    static let dimension = 32

    /// The final content of a seeded run of batches: ids kept and their vectors.
    struct Truth {
        var vectors: [Int64: [Float]] = [:]
        var matrix: (ids: [Int64], vectors: Matrix) {
            let ids = vectors.keys.sorted()
            return (ids, Matrix(rows: ids.count, cols: SegmentTests.dimension, storage: ids.flatMap { vectors[$0] ?? [] }))
        }
    }

    /// 1,000 batches of 10 new vectors, each also removing 2 existing ids, onto a 100k base;
    /// checks every publish's bytes against the batch and returns the store and the truth.
    func publishBatches(kind: AnyVectorIndex.Kind, in directory: String) throws -> (IndexGenerations, Truth, Matrix) {
        let d = Self.dimension
        // One distribution for the base, the batches and the queries (the last 40 rows).
        let all = clusteredVectors(count: 110_040, dimension: d, clusters: 64, spread: 0.6, seed: 71)
        let base = Matrix(rows: 100_000, cols: d, storage: Array(all.storage[0..<(100_000 * d)]))
        var truth = Truth()
        for row in 0..<base.rows { truth.vectors[Int64(row + 1)] = base.row(row) }
        let baseIDs = (1...Int64(base.rows)).map { $0 }
        let store = try IndexGenerations(directory: directory)
        // nlist as the default rule would pick for the grown collection, so no retraining interferes.
        let initial = try AnyVectorIndex.build(kind: kind, vectors: base, ids: baseIDs, nlist: kind == .ivf ? 1300 : nil)
        let first = try store.publish(initial, sequence: 0)
        let fresh = Matrix(rows: 10_000, cols: d, storage: Array(all.storage[(100_000 * d)..<(110_000 * d)]))
        var rng = SplitMix64(seed: 73)
        var generation = first.generation
        var largest = 0
        for batch in 0..<1000 {
            let added = (0..<10).map { Int64(200_000 + batch * 10 + $0) }
            let vectors = (0..<10).flatMap { fresh.row(batch * 10 + $0) }
            let existing = truth.vectors.keys.filter { $0 <= 100_000 }
            let removed = (0..<2).map { _ in existing[Int(rng.next() % UInt64(existing.count))] }
            let delta = IndexDelta(added: added, vectors: vectors, removed: removed)
            // The kind is kept as built (the flat case would otherwise turn into IVF past 20k vectors).
            let published = try #require(try store.publish(delta: delta, dimension: d, sequence: Int64(batch + 1), onto: generation,
                                                           rebalance: false))
            generation = published.snapshot.generation
            largest = max(largest, published.bytes)
            for id in removed { truth.vectors[id] = nil }
            for (offset, id) in added.enumerated() { truth.vectors[id] = Array(vectors[(offset * d)..<((offset + 1) * d)]) }
        }
        // Header + 10 ids + 10 vectors + 2 removed ids + alignment: the batch, never the 100k.
        #expect(largest <= IndexFile.headerSize + 10 * 8 + 10 * d * 4 + 2 * 8 + 3 * 64, "a publish wrote \(largest) bytes")
        #expect(try store.snapshot()?.sequence == 1000)
        return (store, truth, Matrix(rows: 40, cols: d, storage: Array(all.storage[(110_000 * d)...])))
    }

    @Test("1,000 small flat publishes onto 100k vectors: bytes follow the batch; results equal a fresh index, also reloaded and compacted")
    func flatBatches() throws {
        let directory = try TemporaryDirectory()
        let (store, truth, queries) = try publishBatches(kind: .flat, in: directory.path)
        let (ids, vectors) = truth.matrix
        let reference = try AnyVectorIndex.build(kind: .flat, vectors: vectors, ids: ids)
        let expected = try reference.search(queries, k: 10, parameters: .init()).ids
        let live = try #require(try store.snapshot())
        #expect(live.index.count == ids.count)
        #expect(try live.index.search(queries, k: 10, parameters: .init()).ids == expected)

        // Another process loads the base file and the 1,000 deltas after it.
        let other = try IndexGenerations(directory: directory.path)
        let loaded = try #require(try other.snapshot())
        #expect(loaded.generation == live.generation && loaded.base < loaded.generation)
        #expect(Set(loaded.index.allIDs) == Set(ids))
        #expect(try loaded.index.search(queries, k: 10, parameters: .init()).ids == expected)

        // Compaction folds the chain into one file (the previous one and its deltas are kept
        // as the fallback, `keep` = 2); a fresh load reads just that, and there is nothing left to fold.
        #expect(store.needsCompaction())
        #expect(try store.compact() > 0)
        #expect(store.files().full.last == live.generation)
        #expect(try store.compact() == 0 && !store.needsCompaction())
        let compacted = try #require(try IndexGenerations(directory: directory.path).snapshot())
        #expect(compacted.base == compacted.generation && compacted.sequence == 1000)
        #expect(try compacted.index.search(queries, k: 10, parameters: .init()).ids == expected)
    }

    @Test("1,000 small IVF publishes onto 100k vectors: recall within 0.01 of an IVF built from scratch")
    func ivfBatches() throws {
        let directory = try TemporaryDirectory()
        let (store, truth, queries) = try publishBatches(kind: .ivf, in: directory.path)
        let (ids, vectors) = truth.matrix
        let exact = try AnyVectorIndex.build(kind: .flat, vectors: vectors, ids: ids).search(queries, k: 10, parameters: .init())
        let truthIDs = (0..<queries.rows).map { Array(exact.ids(of: $0)) }
        let scratch = try AnyVectorIndex.build(kind: .ivf, vectors: vectors, ids: ids, nlist: 1300)
        let parameters = SearchParameters(nprobe: 32)
        let scratchRecall = recall(try scratch.search(queries, k: 10, parameters: parameters), truth: truthIDs, k: 10)
        let loaded = try #require(try IndexGenerations(directory: directory.path).snapshot())
        #expect(loaded.index.kindName == "ivf" && Set(loaded.index.allIDs) == Set(ids))
        let segmentedRecall = recall(try loaded.index.search(queries, k: 10, parameters: parameters), truth: truthIDs, k: 10)
        #expect(abs(segmentedRecall - scratchRecall) <= 0.01, "segmented \(segmentedRecall) vs scratch \(scratchRecall)")
        #expect(try store.compact() > 0)
        let compacted = try #require(try IndexGenerations(directory: directory.path).snapshot())
        #expect(recall(try compacted.index.search(queries, k: 10, parameters: parameters), truth: truthIDs, k: 10) == segmentedRecall)
    }

    @Test("a crash at every step of a delta publish, a full publish and a compaction leaves a loadable index (old or new)",
          arguments: IndexFaults.Point.allCases)
    func crashes(at point: IndexFaults.Point) throws {
        let d = 8
        let base = clusteredVectors(count: 500, dimension: d, clusters: 5, spread: 0.5, seed: 81)
        let before = Set((1...Int64(500)).map { $0 })
        for step in ["delta", "full", "compact"] {
            let directory = try TemporaryDirectory()
            let store = try IndexGenerations(directory: directory.path)
            try store.publish(try AnyVectorIndex.build(kind: .flat, vectors: base, ids: Array(before)), sequence: 1)
            try store.publish(delta: IndexDelta(added: [900], vectors: base.row(0), removed: [1]), dimension: d, sequence: 2, onto: 1)
            let middle = before.subtracting([1]).union([900])
            var after = middle
            // A writer killed mid-way: the hook throws at the point, as if the process ended there.
            let crashed: Bool
            do {
                try IndexFaults.$hook.withValue({ reached in if reached == point { throw IndexFaults.Crash(point: reached) } }) {
                    switch step {
                    case "delta":
                        after = middle.union([901])
                        _ = try store.publish(delta: IndexDelta(added: [901], vectors: base.row(1)), dimension: d, sequence: 3, onto: 2)
                    case "full":
                        after = middle.subtracting([2])
                        let index = try #require(try store.snapshot()).index.applying(IndexDelta(removed: [2]))
                        try store.publish(index, sequence: 3)
                    default:
                        try store.compact()
                    }
                }
                crashed = false
            } catch is IndexFaults.Crash {
                crashed = true
            }
            // A leftover temporary file from a killed writer is ignored.
            FileManager.default.createFile(atPath: directory.appending(".delta-000000000009.nxd.tmp-1-2"), contents: Data([1, 2, 3]))
            let reopened = try #require(try IndexGenerations(directory: directory.path).snapshot(), "\(step) at \(point)")
            let ids = Set(reopened.index.allIDs)
            #expect(ids == middle || ids == after, "\(step) crashed at \(point) (\(crashed)): \(ids.count) ids")
            if !crashed || point == .beforeDirectorySync || point == .beforePrune { #expect(ids == after, "\(step) at \(point)") }
            if point == .beforeRename && crashed { #expect(ids == middle, "\(step) at \(point)") }
        }
    }

    @Test("removals from a big segment are marked, searched around, and dropped when written; a marked id can come back")
    func tombstones() throws {
        let d = 16
        let base = clusteredVectors(count: 6000, dimension: d, clusters: 8, spread: 0.5, seed: 91)
        var index = try AnyVectorIndex.build(kind: .flat, vectors: base, ids: (0..<Int64(6000)).map { $0 })
        let query = Matrix(rows: 1, cols: d, storage: base.row(10))
        #expect(try index.search(query, k: 1, parameters: .init()).ids == [10])
        index = try index.applying(IndexDelta(removed: [10, 11]))
        #expect(index.count == 5998)
        let results = try index.search(query, k: 5, parameters: .init())
        #expect(!results.ids.contains(10) && !results.ids.contains(11) && !results.ids.contains(-1))
        // Back again with its vector: found, not hidden by its old mark.
        index = try index.applying(IndexDelta(added: [10], vectors: base.row(10)))
        #expect(try index.search(query, k: 1, parameters: .init()).ids == [10])
        #expect(index.count == 5999)
        let directory = try TemporaryDirectory()
        try IndexFile.write(index, to: directory.appending("t.nxi"))
        let loaded = try IndexFile.load(directory.appending("t.nxi")).index
        #expect(loaded.count == 5999 && !Set(loaded.allIDs).contains(11))
    }
}
