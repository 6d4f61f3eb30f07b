import Foundation
import Storage
import TestSupport
import Testing

/// Each collection's embedding precision, on both backends: claimed by the first writer,
/// checked by readers and later writers, fp32 for collections from before it was recorded.
@Suite("Embedding precision in the store")
struct EmbedPrecisionStoreTests {
    @Test("an empty collection is claimed by the first writer; a full one of another precision is refused on both paths", arguments: Backend.allCases)
    func claims(_ backend: Backend) async throws {
        let opened = try await backend.open()   // holds the database's folder while the test runs
        let store = opened.store
        let owner = try await Owner(store)
        let id = owner.collectionID
        #expect(try await store.embedPrecision(collectionID: id) == nil)
        // Empty: any reader is fine, and the first writer's precision sticks.
        try await store.checkEmbedPrecision(collectionID: id, precision: "int8")
        try await store.claimEmbedPrecision(collectionID: id, precision: "int8")
        #expect(try await store.embedPrecision(collectionID: id) == "int8")
        _ = try await store.storeTestPage(collectionID: id, url: "https://x.test/a", texts: ["alpha"])
        try await store.checkEmbedPrecision(collectionID: id, precision: "int8")
        try await store.claimEmbedPrecision(collectionID: id, precision: "int8")
        await #expect(throws: StorageError.precisionMismatch(collection: "docs", stored: "int8", running: "fp32")) {
            try await store.checkEmbedPrecision(collectionID: id, precision: "fp32")
        }
        await #expect(throws: StorageError.precisionMismatch(collection: "docs", stored: "int8", running: "fp32")) {
            try await store.claimEmbedPrecision(collectionID: id, precision: "fp32")
        }
        #expect(try await store.embedPrecision(collectionID: id) == "int8")

        // Vectors stored before precisions were recorded are fp32.
        let legacy = try await store.ensureCollection(userID: owner.userID, name: "legacy").id ?? 0
        _ = try await store.storeTestPage(collectionID: legacy, url: "https://x.test/b", texts: ["beta"])
        try await store.checkEmbedPrecision(collectionID: legacy, precision: "fp32")
        await #expect(throws: StorageError.self) { try await store.checkEmbedPrecision(collectionID: legacy, precision: "int8") }
        try await store.claimEmbedPrecision(collectionID: legacy, precision: "fp32")
        #expect(try await store.embedPrecision(collectionID: legacy) == "fp32")
    }
}
