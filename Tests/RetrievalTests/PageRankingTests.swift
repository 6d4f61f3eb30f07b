import Embedding
import Foundation
import IndexStore
@testable import Retrieval
import Storage
import TestSupport
import Testing

/// Page ranking on a real SQLite collection: a page's opening (its first chunk, read from the
/// store even when it was not retrieved) counts towards the page.
@Suite("Page ranking")
struct PageRankingTests {
    /// A unit vector along axis `axis` of the model's 384 dimensions.
    static func axis(_ axis: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: 384)
        vector[axis] = 1
        return vector
    }

    @Test("of two pages whose retrieved chunks tie, the one whose opening is about the question ranks first")
    func openingCounts() async throws {
        let directory = try TemporaryDirectory()
        let database = try AppDatabase.inMemory()
        let collection = try await Owner(database, email: "pages@example.com").collectionID
        // Both pages have a second chunk along axis 1 (the one retrieved); only the overview
        // opens along axis 0, the question's direction.
        var retrievedIDs: [String: Int64] = [:]
        for (name, opening) in [("mention", 2), ("overview", 0)] {
            retrievedIDs[name] = try await database.storeTestPage(collectionID: collection, url: "https://x.test/\(name)", title: name,
                                                                  texts: ["\(name) 0", "\(name) 1"],
                                                                  vectors: [Self.axis(opening), Self.axis(1)])[1]
        }
        let embedder = try TestModel.embedder()
        let indexes = IndexRegistry(directory: directory.appending("index"), dimension: embedder.dimension, database: database)
        let retriever = Retriever(database: database, embedder: embedder, indexes: indexes)
        let candidates = ["mention", "overview"].map { Retriever.Fused(id: retrievedIDs[$0]!, dense: 0.5, lexical: nil, fused: 1) }

        let ranked = try await retriever.rankPages(candidates, weights: nil, vector: Self.axis(0), collectionID: collection)
        #expect(ranked.map(\.url) == ["https://x.test/overview", "https://x.test/mention"])
        let overview = try #require(ranked.first)
        #expect(abs(overview.score - (1 + retriever.configuration.pageOpeningWeight)) < 1e-9)
        // Without the opening's weight the tie keeps the retrieval's order.
        var configuration = RetrievalConfiguration()
        configuration.pageOpeningWeight = 0
        let unweighted = try await retriever.with(configuration).rankPages(candidates, weights: nil, vector: Self.axis(0), collectionID: collection)
        #expect(unweighted.map(\.url) == ["https://x.test/mention", "https://x.test/overview"])
    }
}
