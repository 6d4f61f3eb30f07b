import Embedding
import Foundation
import LLM
@testable import Orchestrator
import Storage
import TestSupport
import Testing

/// The exact and semantic LLM caches on a real SQLite database with the real embedding model.
@Suite("Completion cache")
struct CompletionCacheTests {
    @Test("exact hits need the same request; semantic hits need a close prompt, the same provider and model, and an unexpired entry")
    func cache() async throws {
        let embedder = try TestModel.embedder()
        let database = try AppDatabase.inMemory()
        let cache = CompletionCache(database: database, embedder: embedder, ttl: 3600, semanticThreshold: 0.95)
        let request = ChatRequest(messages: [ChatMessage(.user, "When should roses be pruned?")], maxTokens: 32)
        let result = ChatResult(text: "In late winter.", promptTokens: 10, completionTokens: 4, usageEstimated: false, provider: "p", model: "m",
                                cost: 0.1, retries: 0, seconds: 1, firstTokenSeconds: nil)
        let vector = try await embedder.embedQuery("When should roses be pruned?")
        try cache.store(result, request: request, vector: vector)

        #expect(try cache.exact(provider: "p", model: "m", request: request)?.text == "In late winter.")
        var longer = request
        longer.maxTokens = 64
        #expect(try cache.exact(provider: "p", model: "m", request: longer) == nil)      // parameters are part of the key
        #expect(try cache.exact(provider: "q", model: "m", request: request) == nil)

        let close = try await embedder.embedQuery("When should the roses be pruned?")
        let far = try await embedder.embedQuery("How do I bake sourdough bread?")
        #expect(try cache.semantic(provider: "p", model: "m", vector: close)?.text == "In late winter.")
        #expect(try cache.semantic(provider: "p", model: "m", vector: far) == nil)
        #expect(try cache.semantic(provider: "p", model: "other", vector: close) == nil)

        // Expired entries are not served.
        let expired = CompletionCache(database: database, embedder: embedder, ttl: -1, semanticThreshold: 0.95)
        let other = ChatRequest(messages: [ChatMessage(.user, "Old question")], maxTokens: 32)
        try expired.store(result, request: other, vector: nil)
        #expect(try cache.exact(provider: "p", model: "m", request: other) == nil)
    }
}
