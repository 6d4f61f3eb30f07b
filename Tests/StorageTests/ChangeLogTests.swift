import Foundation
import Storage
import Testing
import TestSupport

/// The chunk change log replicas follow, on both backends.
@Suite("Chunk change log")
struct ChangeLogTests {
    @Test("stores and deletions are logged in commit order with their chunk ids; pruning raises the floor", arguments: Backend.allCases)
    func log(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let owner = try await Owner(store)
        let other = try await Owner(store, email: "other@example.com", collection: "elsewhere")
        #expect(try await store.committedSequence(collectionID: owner.collectionID) == 0)
        let first = try await store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/a", texts: ["one", "two"])
        try await store.storeTestPage(collectionID: other.collectionID, url: "https://y.test/", texts: ["elsewhere"])
        let second = try await store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/a", texts: ["one again"])
        try await store.deleteDocument(collectionID: owner.collectionID, url: "https://x.test/a")
        // A page with nothing to change logs nothing.
        try await store.deleteDocument(collectionID: owner.collectionID, url: "https://x.test/missing")

        let page = try await store.chunkChanges(collectionID: owner.collectionID, after: 0, limit: 100)
        #expect(page.floor == 0)
        #expect(page.changes.map(\.added) == [first, second, []])
        #expect(page.changes.map(\.removed) == [[], first, second])
        let sequences = page.changes.map(\.sequence)
        #expect(sequences == sequences.sorted() && Set(sequences).count == 3)
        #expect(try await store.committedSequence(collectionID: owner.collectionID) == sequences.last)
        // The other collection's change is numbered between (one counter per database) but not listed here.
        let elsewhere = try #require(try await store.committedSequence(collectionID: other.collectionID))
        #expect(elsewhere > sequences[0] && elsewhere < sequences[1])
        #expect(try await store.chunkChanges(collectionID: owner.collectionID, after: sequences[1], limit: 100).changes.map(\.sequence)
                == [sequences[2]])
        #expect(try await store.chunkChanges(collectionID: owner.collectionID, after: 0, limit: 1).changes.count == 1)
        // A second connection (another server) sees the same log.
        #expect(try await opened.reopen().committedSequence(collectionID: owner.collectionID) == sequences.last)

        #expect(try await store.pruneChunkChanges(before: Date().addingTimeInterval(60)) == 4)
        let pruned = try await store.chunkChanges(collectionID: owner.collectionID, after: 0, limit: 100)
        #expect(pruned.changes.isEmpty && pruned.floor == sequences.last)
        #expect(try await store.committedSequence(collectionID: owner.collectionID) == sequences.last)
        try await store.deleteCollection(userID: owner.userID, name: "docs")
        #expect(try await store.committedSequence(collectionID: owner.collectionID) == nil)
    }

    @Test("PostgreSQL pushes each commit's sequence, and collection deletions, to listeners on another connection")
    func notifications() async throws {
        let opened = try await Backend.postgres.open()
        let owner = try await Owner(opened.store)
        let listener = try await opened.reopen()
        let stream = try #require(listener.changeNotifications())
        var iterator = stream.makeAsyncIterator()
        // The first event says the listener is connected (and that anything before may be missed).
        #expect(await iterator.next() == .resynchronize)
        try await opened.store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/a", texts: ["one"])
        let sequence = try #require(try await opened.store.committedSequence(collectionID: owner.collectionID))
        #expect(await iterator.next() == .chunks(collectionID: owner.collectionID, sequence: sequence))
        try await opened.store.deleteCollection(userID: owner.userID, name: "docs")
        #expect(await iterator.next() == .dropped(collectionID: owner.collectionID))
        #expect(try AppDatabase.inMemory().changeNotifications() == nil)
    }
}
