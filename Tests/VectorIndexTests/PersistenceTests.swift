import Foundation
import NexNumerics
import TestSupport
import Testing
import VectorIndex

@Suite("Index files and generations")
struct PersistenceTests {
    func sampleIndexes() throws -> [AnyVectorIndex] {
        let base = clusteredVectors(count: 3000, dimension: 32, clusters: 20, spread: 0.7, seed: 21)
        let ids = (0..<Int64(3000)).map { $0 + 100 }
        var flat = FlatIndex(dimension: 32)
        try flat.add(base, ids: ids)
        var ivf = IVFIndex(dimension: 32, nlist: 40)
        try ivf.train(base)
        try ivf.add(Matrix(rows: 1000, cols: 32, storage: Array(base.storage[0..<32_000])), ids: Array(ids[0..<1000]))
        try ivf.add(Matrix(rows: 2000, cols: 32, storage: Array(base.storage[32_000...])), ids: Array(ids[1000...]))
        return [.flat(flat), .ivf(ivf)]
    }

    @Test("save → load gives identical results for flat and IVF indexes")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let queries = clusteredVectors(count: 50, dimension: 32, clusters: 20, spread: 0.7, seed: 22)
        for (number, index) in try sampleIndexes().enumerated() {
            let path = directory.appending("index-\(number).nxi")
            try IndexFile.write(index, to: path, generation: 9)
            let (loaded, header) = try IndexFile.load(path)
            #expect(header.kind == index.kindName && header.count == 3000 && header.generation == 9)
            #expect(loaded.count == index.count && loaded.kindName == index.kindName)
            let parameters = SearchParameters(nprobe: 7)
            let before = try index.search(queries, k: 10, parameters: parameters)
            let after = try loaded.search(queries, k: 10, parameters: parameters)
            #expect(before.ids == after.ids)
            // The file holds merged segments, so BLAS may group sums differently: last-ulp
            // differences only.
            #expect(Vector.maxAbsDifference(before.scores, after.scores) <= 1e-6)
            // Loading twice gives bit-identical results.
            #expect(try IndexFile.load(path).index.search(queries, k: 10, parameters: parameters) == after)
        }
    }

    @Test("truncated, bit-flipped, foreign and empty files are refused with a clear error")
    func corruption() throws {
        let directory = try TemporaryDirectory()
        let path = directory.appending("good.nxi")
        try IndexFile.write(try sampleIndexes()[1], to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        func expectRefused(_ data: Data, _ name: String, mentioning word: String) {
            let bad = directory.appending(name)
            #expect(FileManager.default.createFile(atPath: bad, contents: data))
            do {
                _ = try IndexFile.load(bad)
                Issue.record("\(name) was accepted")
            } catch let error as VectorIndexError {
                guard case .corruptFile = error else { Issue.record("\(name): \(error)"); return }
                #expect("\(error)".contains(word), "\(name): \(error)")
                #expect("\(error)".contains("rebuild"))
            } catch {
                Issue.record("\(name): unexpected \(error)")
            }
        }
        expectRefused(good.prefix(good.count - 100), "truncated.nxi", mentioning: "truncated")
        expectRefused(good.prefix(100), "tiny.nxi", mentioning: "shorter")
        var flipped = good
        flipped[good.count - 5] ^= 0x40
        expectRefused(flipped, "flipped.nxi", mentioning: "checksum")
        var header = good
        header[20] ^= 0x01
        expectRefused(header, "header.nxi", mentioning: "header checksum")
        expectRefused(Data(repeating: 0x41, count: 4096), "foreign.nxi", mentioning: "not a NexTraction index")
        // The good file still loads.
        #expect(try IndexFile.load(path).index.count == 3000)
    }

    @Test("a reader keeps its snapshot while newer generations are published; old files are pruned")
    func generations() throws {
        let directory = try TemporaryDirectory()
        let store = try IndexGenerations(directory: directory.path, keep: 2)
        #expect(try store.snapshot() == nil)
        var index = FlatIndex(dimension: 2)
        try index.add(Matrix(rows: 1, cols: 2, storage: [1, 0]), ids: [1])
        let first = try store.publish(.flat(index))
        let reader = try #require(try store.snapshot())
        #expect(reader.generation == first.generation)

        for id in 2...4 {
            try index.add(Matrix(rows: 1, cols: 2, storage: [0, 1]), ids: [Int64(id)])
            try store.publish(.flat(index))
        }
        #expect(store.generationsOnDisk() == [3, 4])
        // The first reader's snapshot still answers from generation 1, though its file is gone.
        #expect(reader.index.count == 1)
        #expect(try reader.index.search(Matrix(rows: 1, cols: 2, storage: [0, 1]), k: 5, parameters: .init()).ids == [1, -1, -1, -1, -1])
        #expect(try store.snapshot()?.index.count == 4)

        // A second process-like instance sees the newest published generation, memory-mapped.
        let other = try IndexGenerations(directory: directory.path)
        let loaded = try #require(try other.snapshot())
        #expect(loaded.generation == 4 && loaded.index.count == 4)
        try index.add(Matrix(rows: 1, cols: 2, storage: [0.5, 0.5]), ids: [5])
        try store.publish(.flat(index))
        #expect(try other.reload()?.generation == 5)
    }

    @Test("many concurrent searches on a snapshot while a writer builds and publishes the next")
    func concurrentReaders() async throws {
        let directory = try TemporaryDirectory()
        let store = try IndexGenerations(directory: directory.path)
        let base = clusteredVectors(count: 4000, dimension: 16, clusters: 10, spread: 0.5, seed: 31)
        var index = FlatIndex(dimension: 16)
        try index.add(base, ids: (0..<4000).map { Int64($0) })
        let published = try store.publish(.flat(index))
        let queries = clusteredVectors(count: 32, dimension: 16, clusters: 10, spread: 0.5, seed: 32)
        let expected = try published.index.search(queries, k: 5, parameters: .init())
        let current = index
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let snapshot = published.index
                    for _ in 0..<5 where try snapshot.search(queries, k: 5, parameters: .init()) != expected { return false }
                    return true
                }
            }
            group.addTask {
                var next = current
                try next.add(queries, ids: (10_000..<10_032).map { Int64($0) })
                try store.publish(.flat(next))
                return true
            }
            for try await ok in group { #expect(ok) }
        }
        #expect(try store.snapshot()?.index.count == 4032)
    }
}
