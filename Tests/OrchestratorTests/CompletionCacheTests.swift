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
    @Test("exact hits need the same request and scope; semantic hits a close prompt in the same scope, provider and model, unexpired")
    func cache() async throws {
        let embedder = try TestModel.embedder()
        let database = try AppDatabase.inMemory()
        let alice = try await database.createUser(email: "alice@example.com", passwordHash: "h").id!
        let bob = try await database.createUser(email: "bob@example.com", passwordHash: "h").id!
        let scope = CacheScope(userID: alice, shapedBy: ["Context: the rose garden notes", "collection 1", "chunk 7"])
        let cache = CompletionCache(database: database, embedder: embedder, ttl: 3600, semanticThreshold: 0.95)
        let request = ChatRequest(messages: [ChatMessage(.user, "When should roses be pruned?")], maxTokens: 32)
        let result = ChatResult(text: "In late winter.", promptTokens: 10, completionTokens: 4, usageEstimated: false, provider: "p", model: "m",
                                cost: 0.1, retries: 0, seconds: 1, firstTokenSeconds: nil)
        let vector = try #require(await cache.semanticVector(for: "When should roses be pruned?"))
        try await cache.store(result, request: request, vector: vector, scope: scope)

        #expect(try await cache.exact(provider: "p", model: "m", request: request, scope: scope)?.text == "In late winter.")
        var longer = request
        longer.maxTokens = 64
        #expect(try await cache.exact(provider: "p", model: "m", request: longer, scope: scope) == nil)      // parameters are part of the key
        #expect(try await cache.exact(provider: "q", model: "m", request: request, scope: scope) == nil)

        let close = try await embedder.embedQuery("When should the roses be pruned?")
        let far = try await embedder.embedQuery("How do I bake sourdough bread?")
        #expect(try await cache.semantic(provider: "p", model: "m", vector: close, scope: scope)?.text == "In late winter.")
        #expect(try await cache.semantic(provider: "p", model: "m", vector: far, scope: scope) == nil)
        #expect(try await cache.semantic(provider: "p", model: "other", vector: close, scope: scope) == nil)

        // Another user never gets it, with or without the same context; nor does the same user
        // asking with another context (or none).
        let bobsSame = CacheScope(userID: bob, shapedBy: ["Context: the rose garden notes", "collection 1", "chunk 7"])
        let bobsNone = CacheScope(userID: bob, shapedBy: [""])
        let alicesOther = CacheScope(userID: alice, shapedBy: ["Context: the rose garden notes", "collection 1", "chunk 8"])
        for other in [bobsSame, bobsNone, alicesOther] {
            #expect(try await cache.exact(provider: "p", model: "m", request: request, scope: other) == nil)
            #expect(try await cache.semantic(provider: "p", model: "m", vector: vector, scope: other) == nil)
        }

        // A prompt longer than the model's input is not matched by meaning: its tail would not count.
        let long = "When should roses be pruned? " + String(repeating: "Describe the garden in detail. ", count: 60)
        #expect(await cache.semanticVector(for: long) == nil)

        // Expired entries are not served.
        let expired = CompletionCache(database: database, embedder: embedder, ttl: -1, semanticThreshold: 0.95)
        let other = ChatRequest(messages: [ChatMessage(.user, "Old question")], maxTokens: 32)
        try await expired.store(result, request: other, vector: nil, scope: scope)
        #expect(try await cache.exact(provider: "p", model: "m", request: other, scope: scope) == nil)
    }
}

/// The generation quota on a real SQLite file, under concurrency.
@Suite("Generation quota")
struct QuotaTests {
    @Test("concurrent reservations never exceed the limit; released ones come back, confirmed ones count")
    func reservations() async throws {
        let directory = try TemporaryDirectory()
        let database = try AppDatabase.open(path: directory.appending("quota.sqlite"))
        let user = try await database.createUser(email: "quota@example.com", passwordHash: "h")
        let quota = Quota(database: database, limit: 3)
        let granted = await withTaskGroup(of: Quota.Reservation?.self) { group in
            for _ in 0..<12 { group.addTask { try? await quota.reserve(userID: user.id!, kind: "plan") } }
            var all: [Quota.Reservation] = []
            for await reservation in group { if let reservation { all.append(reservation) } }
            return all
        }
        #expect(granted.count == 3)
        #expect(try await quota.usage(userID: user.id!) == Quota.Usage(limit: 3, used: 3, remaining: 0))
        await granted[0].release()                       // that work failed: the generation comes back
        await granted[1].confirm()
        #expect(try await quota.usage(userID: user.id!).remaining == 1)
        let again = try await quota.reserve(userID: user.id!, kind: "answer")
        await #expect(throws: Quota.Exhausted.self) { try await quota.reserve(userID: user.id!, kind: "answer") }
        await again.confirm()
        await granted[0].confirm()                       // confirming a released reservation changes nothing
        #expect(try await quota.usage(userID: user.id!).used == 3)
        // A restart gives back what a stopped server had reserved.
        try database.releasePendingGenerations(before: Date().addingTimeInterval(1))
        #expect(try await quota.usage(userID: user.id!).used == 2)
    }
}
