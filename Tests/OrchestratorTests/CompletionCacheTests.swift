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

/// The generation quota on a real SQLite file, under concurrency.
@Suite("Generation quota")
struct QuotaTests {
    @Test("concurrent reservations never exceed the limit; released ones come back, confirmed ones count")
    func reservations() async throws {
        let directory = try TemporaryDirectory()
        let database = try AppDatabase.open(path: directory.appending("quota.sqlite"))
        let user = try database.createUser(email: "quota@example.com", passwordHash: "h")
        let quota = Quota(database: database, limit: 3)
        let granted = await withTaskGroup(of: Quota.Reservation?.self) { group in
            for _ in 0..<12 { group.addTask { try? quota.reserve(userID: user.id!, kind: "plan") } }
            var all: [Quota.Reservation] = []
            for await reservation in group { if let reservation { all.append(reservation) } }
            return all
        }
        #expect(granted.count == 3)
        #expect(try quota.usage(userID: user.id!) == Quota.Usage(limit: 3, used: 3, remaining: 0))
        granted[0].release()                       // that work failed: the generation comes back
        granted[1].confirm()
        #expect(try quota.usage(userID: user.id!).remaining == 1)
        let again = try quota.reserve(userID: user.id!, kind: "answer")
        #expect(throws: Quota.Exhausted.self) { try quota.reserve(userID: user.id!, kind: "answer") }
        again.confirm()
        granted[0].confirm()                       // confirming a released reservation changes nothing
        #expect(try quota.usage(userID: user.id!).used == 3)
        // A restart gives back what a stopped server had reserved.
        try database.releasePendingGenerations()
        #expect(try quota.usage(userID: user.id!).used == 2)
    }
}
