import Foundation
import IndexStore
import NexNumerics
import Storage
import TestSupport
import Testing
import VectorIndex

/// Two servers' derived indexes on one database: each a registry with a folder of its own.
@Suite("Indexes following the change log")
struct IndexFollowingTests {
    static let dimension = 4

    struct Replicas {
        let opened: Backend.Opened
        let owner: Owner
        let folders: TemporaryDirectory
        let a: IndexRegistry
        let b: IndexRegistry

        init(_ backend: Backend) async throws {
            opened = try await backend.open()
            owner = try await Owner(opened.store)
            folders = try TemporaryDirectory(prefix: "replicas")
            // Reads wait as long as it takes here (a loaded machine is slow, never wrong); the
            // stale path has its own test.
            a = IndexRegistry(directory: folders.appending("a"), dimension: IndexFollowingTests.dimension, database: opened.store,
                              freshnessWait: Backend.timeout)
            // Server B on its own connection, as another process would be.
            b = IndexRegistry(directory: folders.appending("b"), dimension: IndexFollowingTests.dimension,
                              database: try await opened.reopen(), freshnessWait: Backend.timeout)
        }

        var store: any DataStore { opened.store }

        func truth() async throws -> Set<Int64> { Set(try await store.chunkIDs(collectionID: owner.collectionID)) }
    }

    @Test("a write through one server is in the other's index before it answers: added, replaced, deleted; deltas, not rewrites",
          arguments: Backend.allCases)
    func readYourWrites(_ backend: Backend) async throws {
        let replicas = try await Replicas(backend)
        let collection = replicas.owner.collectionID
        try await replicas.store.storeTestPage(collectionID: collection, url: "https://x.test/a", texts: ["one", "two"])
        try await replicas.a.catchUp(collectionID: collection)

        // B never held this collection: it builds the index from the stored vectors.
        var read = try await replicas.b.freshSnapshot(collectionID: collection)
        #expect(!read.stale)
        #expect(Set(read.index?.allIDs ?? []) == (try await replicas.truth()))

        // A new page, a changed page and a deleted page, each written once by "A": B sees each at once.
        try await replicas.store.storeTestPage(collectionID: collection, url: "https://x.test/b", texts: ["three"])
        read = try await replicas.b.freshSnapshot(collectionID: collection)
        #expect(Set(read.index?.allIDs ?? []) == (try await replicas.truth()) && read.index?.count == 3)
        try await replicas.store.storeTestPage(collectionID: collection, url: "https://x.test/a", texts: ["one, rewritten"])
        try await replicas.store.deleteDocument(collectionID: collection, url: "https://x.test/b")
        read = try await replicas.b.freshSnapshot(collectionID: collection)
        #expect(Set(read.index?.allIDs ?? []) == (try await replicas.truth()) && read.index?.count == 1)
        let committed = try await replicas.store.committedSequence(collectionID: collection)
        let folder = try IndexGenerations(directory: replicas.folders.appending("b/\(collection)"))
        #expect(try folder.snapshot()?.sequence == committed)
        // One full file from the first build; every later change was a delta file.
        #expect(folder.files().full.count == 1 && folder.files().deltas.count == 2, "\(folder.files())")
        // A's own index catches up from the same log.
        #expect(try await replicas.a.catchUp(collectionID: collection) == committed)
        #expect(Set(try await replicas.a.snapshot(collectionID: collection)?.allIDs ?? []) == (try await replicas.truth()))
    }

    @Test("an index behind a pruned log, or unreadable, is rebuilt; a deleted collection's files go", arguments: Backend.allCases)
    func recovery(_ backend: Backend) async throws {
        let replicas = try await Replicas(backend)
        let collection = replicas.owner.collectionID
        try await replicas.store.storeTestPage(collectionID: collection, url: "https://x.test/a", texts: ["one"])
        #expect(try await replicas.b.freshSnapshot(collectionID: collection).index?.count == 1)
        // B falls behind by two changes, and the log forgets them.
        try await replicas.store.storeTestPage(collectionID: collection, url: "https://x.test/b", texts: ["two", "three"])
        try await replicas.store.deleteDocument(collectionID: collection, url: "https://x.test/a")
        try await replicas.store.pruneChunkChanges(before: Date().addingTimeInterval(60))
        #expect(Set(try await replicas.b.freshSnapshot(collectionID: collection).index?.allIDs ?? []) == (try await replicas.truth()))

        // Its newest file damaged: rebuilt from the database, not served.
        try await replicas.store.storeTestPage(collectionID: collection, url: "https://x.test/c", texts: ["four"])
        try await replicas.b.catchUp(collectionID: collection)
        let folder = replicas.folders.appending("b/\(collection)")
        let generations = try IndexGenerations(directory: folder)
        let newest = try #require(generations.generationsOnDisk().last)
        let damaged = generations.files().deltas.contains(newest) ? generations.deltaPath(for: newest) : generations.path(for: newest)
        try Data(repeating: 0x41, count: 512).write(to: URL(fileURLWithPath: damaged))
        let fresh = IndexRegistry(directory: replicas.folders.appending("b"), dimension: Self.dimension, database: replicas.store,
                                  freshnessWait: Backend.timeout)
        #expect(Set(try await fresh.freshSnapshot(collectionID: collection).index?.allIDs ?? []) == (try await replicas.truth()))

        // The collection deleted through another server: gone here too, files and all.
        try await replicas.store.deleteCollection(userID: replicas.owner.userID, name: "docs")
        let gone = try await fresh.freshSnapshot(collectionID: collection)
        #expect(gone.index == nil && !gone.stale)
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(fresh.localCollectionIDs().isEmpty)
    }

    @Test("a server with an empty folder answers a big collection, and its index becomes IVF in the background")
    func bigCollectionFromScratch() async throws {
        let opened = try await Backend.sqlite.open()
        let owner = try await Owner(opened.store)
        var rng = SplitMix64(seed: 5)
        for page in 0..<210 {
            let chunks = (0..<100).map { ordinal -> NewChunk in
                var vector = (0..<8).map { _ in rng.nextGaussian() }
                Vector.normalize(&vector)
                return NewChunk(ordinal: ordinal, headingPath: "", text: "chunk \(page)-\(ordinal)", tokenCount: 2, vector: vector,
                                contentHash: "c\(page)-\(ordinal)")
            }
            let document = DocumentRecord(collectionID: owner.collectionID, url: "https://x.test/\(page)", canonicalURL: nil, title: "P",
                                          lang: "en", contentHash: "p\(page)", fetchedAt: Date(), etag: nil, lastModified: nil, links: [],
                                          httpStatus: 200, depth: 0, bytes: 0)
            _ = try await opened.store.storePage(document, chunks: chunks)
        }
        let folders = try TemporaryDirectory(prefix: "big")
        let registry = IndexRegistry(directory: folders.path, dimension: 8, database: opened.store, freshnessWait: Backend.timeout)
        let first = try await registry.freshSnapshot(collectionID: owner.collectionID)
        // Exact first (no training in the way; how much sooner is `bench replicas`' business),
        // IVF once the background build is done — which on a loaded machine may be already.
        #expect(["flat", "ivf"].contains(first.index?.kindName ?? "") && first.index?.count == 21_000 && !first.stale,
                "\(first.index?.kindName ?? "none") \(first.index?.count ?? -1) \(first.stale)")
        let folder = try IndexGenerations(directory: folders.appending("\(owner.collectionID)"))
        let deadline = Date().addingTimeInterval(120)
        while (try? folder.reload()?.index.kindName) != "ivf" && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))   // polling a condition: the background build
            folder.invalidate()
        }
        let built = try #require(try folder.reload())
        let stored = Set(try await opened.store.chunkIDs(collectionID: owner.collectionID))
        #expect(built.index.kindName == "ivf" && Set(built.index.allIDs) == stored)
    }

    @Test("past its wait a read answers from the index it has and says it is stale; the catch-up finishes behind it")
    func staleness() async throws {
        let opened = try await Backend.sqlite.open()
        let owner = try await Owner(opened.store)
        let folders = try TemporaryDirectory(prefix: "stale")
        let gate = GatedChangeLog(opened.store)
        let registry = IndexRegistry(directory: folders.path, dimension: Self.dimension, database: gate, freshnessWait: .milliseconds(50))
        try await opened.store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/a", texts: ["one"])
        try await registry.catchUp(collectionID: owner.collectionID)
        #expect(try await registry.snapshot(collectionID: owner.collectionID)?.count == 1)
        try await opened.store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/b", texts: ["two"])
        // The change log does not answer (a database under load): the read does not wait for it.
        await gate.close()
        let read = try await registry.freshSnapshot(collectionID: owner.collectionID)
        #expect(read.stale && read.index?.count == 1)
        await gate.open()
        #expect(try await registry.catchUp(collectionID: owner.collectionID) == (try await opened.store.committedSequence(collectionID: owner.collectionID)))
        let after = try await registry.freshSnapshot(collectionID: owner.collectionID)
        #expect(!after.stale && after.index?.count == 2)
    }
}

/// A real store whose change-log reads can be held back (fault injection: a database slow to
/// answer, which a real one cannot be made to be on demand). Everything else passes through.
final class GatedChangeLog: DocumentStore, ChunkChangeLog, @unchecked Sendable {
    let store: any DataStore
    private let state = GateState()

    init(_ store: any DataStore) { self.store = store }

    func close() async { await state.close() }
    func open() async { await state.open() }

    func committedSequence(collectionID: Int64) async throws -> Int64? { try await store.committedSequence(collectionID: collectionID) }
    func chunkChanges(collectionID: Int64, after: Int64, limit: Int) async throws -> ChunkChangePage {
        await state.pass()
        return try await store.chunkChanges(collectionID: collectionID, after: after, limit: limit)
    }
    func pruneChunkChanges(before date: Date) async throws -> Int { try await store.pruneChunkChanges(before: date) }
    func changeNotifications() -> AsyncStream<ChangeNotification>? { nil }

    func document(collectionID: Int64, url: String) async throws -> DocumentRecord? { try await store.document(collectionID: collectionID, url: url) }
    func document(collectionID: Int64, contentHash: String, excludingURL url: String) async throws -> DocumentRecord? {
        try await store.document(collectionID: collectionID, contentHash: contentHash, excludingURL: url)
    }
    func storePage(_ document: DocumentRecord, chunks: [NewChunk]) async throws -> (documentID: Int64, removed: [Int64], added: [Int64]) {
        try await store.storePage(document, chunks: chunks)
    }
    func touchDocument(id: Int64, fetchedAt: Date, etag: String?, lastModified: String?, links: [String]?) async throws {
        try await store.touchDocument(id: id, fetchedAt: fetchedAt, etag: etag, lastModified: lastModified, links: links)
    }
    func deleteDocument(collectionID: Int64, url: String) async throws -> [Int64] { try await store.deleteDocument(collectionID: collectionID, url: url) }
    func counts(collectionID: Int64) async throws -> (documents: Int, chunks: Int) { try await store.counts(collectionID: collectionID) }
    func documentURLs(collectionID: Int64, prefix: String) async throws -> [String] { try await store.documentURLs(collectionID: collectionID, prefix: prefix) }
    func chunkIDs(collectionID: Int64) async throws -> [Int64] { try await store.chunkIDs(collectionID: collectionID) }
    func chunkVectorBatch(collectionID: Int64, dimension: Int, after: Int64, limit: Int) async throws -> (ids: [Int64], vectors: [Float]) {
        try await store.chunkVectorBatch(collectionID: collectionID, dimension: dimension, after: after, limit: limit)
    }
    func chunkVectors(ids: [Int64], dimension: Int) async throws -> (ids: [Int64], vectors: [Float]) {
        try await store.chunkVectors(ids: ids, dimension: dimension)
    }
    func openingVectors(chunkIDs: [Int64], dimension: Int) async throws -> (documentIDs: [Int64], vectors: [Float]) {
        try await store.openingVectors(chunkIDs: chunkIDs, dimension: dimension)
    }
    func chunks(ids: [Int64], collectionID: Int64) async throws -> [StoredChunk] { try await store.chunks(ids: ids, collectionID: collectionID) }
    func chunks(documentID: Int64, ordinals: ClosedRange<Int>, collectionID: Int64) async throws -> [StoredChunk] {
        try await store.chunks(documentID: documentID, ordinals: ordinals, collectionID: collectionID)
    }
}

private actor GateState {
    private var closed = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func close() { closed = true }

    func open() {
        closed = false
        for waiter in waiting { waiter.resume() }
        waiting = []
    }

    func pass() async {
        guard closed else { return }
        await withCheckedContinuation { waiting.append($0) }
    }
}
