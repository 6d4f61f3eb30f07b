import Embedding
import Foundation
import LLM
import NexNumerics
import Storage
import TextKit

/// LLM results kept in SQLite: exact (a hash of provider, model, messages and parameters)
/// and semantic (the step's prompt embedding; reused when the cosine similarity with a
/// cached prompt's is at least `semanticThreshold`, same provider and model).
public struct CompletionCache: Sendable {
    public let database: AppDatabase
    public let embedder: (any Embedder)?
    public var ttl: TimeInterval
    public var semanticThreshold: Float

    public init(database: AppDatabase, embedder: (any Embedder)?, ttl: TimeInterval = 7 * 86_400, semanticThreshold: Float = 0.97) {
        self.database = database
        self.embedder = embedder
        self.ttl = ttl
        self.semanticThreshold = semanticThreshold
    }

    static func key(provider: String, model: String, request: ChatRequest) -> String {
        var text = "\(provider)\u{1}\(model)\u{1}\(request.maxTokens)\u{1}\(request.temperature)"
        for message in request.messages { text += "\u{1}\(message.role.rawValue)\u{2}\(message.content)" }
        return ContentHash.sha256(text)
    }

    func exact(provider: String, model: String, request: ChatRequest) throws -> ChatResult? {
        try database.cachedCompletion(key: Self.key(provider: provider, model: model, request: request)).flatMap(Self.decode)
    }

    func semantic(provider: String, model: String, vector: [Float]) throws -> ChatResult? {
        var best: (Float, ChatResult)?
        for entry in try database.semanticCacheEntries(provider: provider, model: model, limit: 2000) {
            guard let stored = entry.embedding, stored.count == vector.count, let result = Self.decode(entry) else { continue }
            let cosine = Vector.dot(stored, vector)
            if cosine >= semanticThreshold, cosine > (best?.0 ?? -1) { best = (cosine, result) }
        }
        return best?.1
    }

    func store(_ result: ChatResult, request: ChatRequest, vector: [Float]?) throws {
        let data = try JSONEncoder().encode(result)
        try database.storeCompletion(key: Self.key(provider: result.provider, model: result.model, request: request), provider: result.provider,
                                     model: result.model, result: String(decoding: data, as: UTF8.self), embedding: vector, ttl: ttl)
    }

    private static func decode(_ entry: CachedCompletion) -> ChatResult? {
        try? JSONDecoder().decode(ChatResult.self, from: Data(entry.result.utf8))
    }
}
