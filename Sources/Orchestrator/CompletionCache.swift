import Embedding
import Foundation
import LLM
import NexNumerics
import Storage
import TextKit

/// Whose cached result it is and what, besides the prompt, shaped it. A cached result is only
/// ever served within one scope: never to another user, never for another context.
public struct CacheScope: Sendable, Hashable {
    public var userID: Int64
    /// SHA-256 of everything besides the prompt that shapes the answer (retrieved context with
    /// its collection and chunk ids, outputs of the steps this one depends on).
    public var fingerprint: String

    public init(userID: Int64, shapedBy parts: [String]) {
        self.userID = userID
        fingerprint = ContentHash.sha256(parts.map { "\($0.utf8.count):\($0)" }.joined(separator: "\u{1}"))
    }
}

/// LLM results kept in SQLite, per user and scope: exact (a hash of scope, provider, model,
/// messages and parameters) and semantic (the step's prompt embedding; reused when the cosine
/// similarity with a cached prompt's is at least `semanticThreshold`, same scope, provider and
/// model). A prompt longer than the model's input is never matched semantically: its tail
/// would take no part in the match.
public struct CompletionCache: Sendable {
    public let database: any CompletionCacheStore
    public let embedder: (any Embedder)?
    public var ttl: TimeInterval
    public var semanticThreshold: Float

    public init(database: any CompletionCacheStore, embedder: (any Embedder)?, ttl: TimeInterval = 7 * 86_400, semanticThreshold: Float = 0.97) {
        self.database = database
        self.embedder = embedder
        self.ttl = ttl
        self.semanticThreshold = semanticThreshold
    }

    static func key(scope: CacheScope, provider: String, model: String, request: ChatRequest) -> String {
        var text = "\(scope.userID)\u{1}\(scope.fingerprint)\u{1}\(provider)\u{1}\(model)\u{1}\(request.maxTokens)\u{1}\(request.temperature)"
        for message in request.messages { text += "\u{1}\(message.role.rawValue)\u{2}\(message.content)" }
        return ContentHash.sha256(text)
    }

    func exact(provider: String, model: String, request: ChatRequest, scope: CacheScope) async throws -> ChatResult? {
        try await database.cachedCompletion(key: Self.key(scope: scope, provider: provider, model: model, request: request), userID: scope.userID)
            .flatMap(Self.decode)
    }

    /// The prompt's embedding for a semantic lookup, or nil when there is no model or the
    /// prompt does not fit the model's input whole.
    func semanticVector(for prompt: String) async -> [Float]? {
        guard let embedder, embedder.tokenCounter.countTokens(prompt) + 2 <= embedder.maxTokens else { return nil }
        return try? await embedder.embedQuery(prompt)
    }

    func semantic(provider: String, model: String, vector: [Float], scope: CacheScope) async throws -> ChatResult? {
        var best: (Float, ChatResult)?
        for entry in try await database.semanticCacheEntries(userID: scope.userID, scope: scope.fingerprint, provider: provider, model: model,
                                                             limit: 2000, now: Date()) {
            guard let stored = entry.embedding, stored.count == vector.count, let result = Self.decode(entry) else { continue }
            let cosine = Vector.dot(stored, vector)
            if cosine >= semanticThreshold, cosine > (best?.0 ?? -1) { best = (cosine, result) }
        }
        return best?.1
    }

    func store(_ result: ChatResult, request: ChatRequest, vector: [Float]?, scope: CacheScope) async throws {
        let data = try JSONEncoder().encode(result)
        try await database.storeCompletion(key: Self.key(scope: scope, provider: result.provider, model: result.model, request: request),
                                     userID: scope.userID, scope: scope.fingerprint, provider: result.provider, model: result.model,
                                     result: String(decoding: data, as: UTF8.self), embedding: vector, ttl: ttl, now: Date())
    }

    private static func decode(_ entry: CachedCompletion) -> ChatResult? {
        try? JSONDecoder().decode(ChatResult.self, from: Data(entry.result.utf8))
    }
}
