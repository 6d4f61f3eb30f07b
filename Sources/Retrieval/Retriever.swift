import Embedding
import Foundation
import IndexStore
import NexNumerics
import Storage
import TextKit
import VectorIndex

/// One retrieved chunk with the scores that ranked it.
public struct RetrievedChunk: Sendable {
    public var chunk: StoredChunk
    /// Cosine similarity to the question (nil when only the full-text search found it).
    public var dense: Float?
    /// BM25 score (nil when only the vector search found it).
    public var lexical: Double?
    public var fused: Double
}

/// The result of one retrieval.
public struct Retrieval: Sendable {
    public var results: [RetrievedChunk]
    public var questionVector: [Float]
    public var embedSeconds: Double
    public var searchSeconds: Double
}

/// Hybrid retrieval over one collection: dense (question embedding → vector index) and
/// lexical (SQLite FTS5 BM25 with weighted title/heading/body columns), fused by reciprocal
/// rank or normalised weighted sum, then capped per page so the top k are not all one page.
public struct Retriever: Sendable {
    public let database: AppDatabase
    public let embedder: any Embedder
    public let indexes: IndexRegistry
    public var configuration: RetrievalConfiguration

    public init(database: AppDatabase, embedder: any Embedder, indexes: IndexRegistry, configuration: RetrievalConfiguration = RetrievalConfiguration()) {
        self.database = database
        self.embedder = embedder
        self.indexes = indexes
        self.configuration = configuration
    }

    /// The `k` best chunks of `collectionID` for `question`. `perDocumentCap` nil uses the
    /// configured cap; evaluation passes `.max` and aggregates per document itself.
    public func retrieve(_ question: String, collectionID: Int64, k: Int, mode: RetrievalMode = .hybrid,
                         perDocumentCap: Int? = nil) async throws -> Retrieval {
        let embedStart = Stopwatch.seconds()
        let vector = mode == .lexical ? [] : try await embedder.embedQuery(question)
        let embedSeconds = Stopwatch.seconds() - embedStart
        let searchStart = Stopwatch.seconds()
        let dense = mode == .lexical ? [] : try denseSearch(vector, collectionID: collectionID)
        let lexical = mode == .dense ? [] : try lexicalSearch(question, collectionID: collectionID)
        let fused = fuse(dense: dense, lexical: lexical)
        // Load enough candidates to fill k after the per-document cap.
        let cap = perDocumentCap ?? configuration.perDocumentCap
        let candidates = Array(fused.prefix(max(k * 4, k + 20)))
        let chunks = try database.chunks(ids: candidates.map(\.id), collectionID: collectionID)
        let byID = Dictionary(uniqueKeysWithValues: chunks.map { ($0.id, $0) })
        var perDocument: [Int64: Int] = [:]
        var results: [RetrievedChunk] = []
        for candidate in candidates {
            guard let chunk = byID[candidate.id] else { continue }
            guard perDocument[chunk.documentID, default: 0] < cap else { continue }
            perDocument[chunk.documentID, default: 0] += 1
            results.append(RetrievedChunk(chunk: chunk, dense: candidate.dense, lexical: candidate.lexical, fused: candidate.fused))
            if results.count == k { break }
        }
        return Retrieval(results: results, questionVector: vector, embedSeconds: embedSeconds,
                         searchSeconds: Stopwatch.seconds() - searchStart)
    }

    /// The vector index's candidates for a question vector, best first.
    public func denseSearch(_ vector: [Float], collectionID: Int64) throws -> [(id: Int64, score: Float)] {
        guard let index = try indexes.snapshot(collectionID: collectionID), index.count > 0 else { return [] }
        let results = try index.search(Matrix(rows: 1, cols: vector.count, storage: vector), k: configuration.denseCandidates,
                                       parameters: SearchParameters(nprobe: configuration.nprobe, threads: 1))
        return zip(results.ids, results.scores).filter { $0.0 >= 0 }.map { ($0.0, $0.1) }
    }

    /// The full-text index's candidates for a question, best first.
    public func lexicalSearch(_ question: String, collectionID: Int64) throws -> [(id: Int64, score: Double)] {
        guard let query = QueryTerms.ftsQuery(QueryTerms.terms(question)) else { return [] }
        return try database.searchFullText(collectionID: collectionID, query: query, limit: configuration.lexicalCandidates,
                                           weights: configuration.fullTextWeights)
    }

    /// A candidate with its scores from each list and the fused score.
    public struct Fused: Sendable {
        public var id: Int64
        public var dense: Float?
        public var lexical: Double?
        public var fused: Double
    }

    /// Combines the two ranked lists into one, best first.
    public func fuse(dense: [(id: Int64, score: Float)], lexical: [(id: Int64, score: Double)]) -> [Fused] {
        var entries: [Int64: Fused] = [:]
        let w = dense.isEmpty ? 0 : (lexical.isEmpty ? 1 : configuration.denseWeight)
        switch configuration.fusion {
        case .reciprocalRank(let k):
            for (rank, hit) in dense.enumerated() {
                entries[hit.id, default: Fused(id: hit.id, fused: 0)].dense = hit.score
                entries[hit.id]?.fused += w / (k + Double(rank + 1))
            }
            for (rank, hit) in lexical.enumerated() {
                entries[hit.id, default: Fused(id: hit.id, fused: 0)].lexical = hit.score
                entries[hit.id]?.fused += (1 - w) / (k + Double(rank + 1))
            }
        case .weighted:
            let (dMin, dMax) = (dense.map(\.score).min() ?? 0, dense.map(\.score).max() ?? 1)
            let (lMin, lMax) = (lexical.map(\.score).min() ?? 0, lexical.map(\.score).max() ?? 1)
            for hit in dense {
                entries[hit.id, default: Fused(id: hit.id, fused: 0)].dense = hit.score
                entries[hit.id]?.fused += w * Double(dMax > dMin ? (hit.score - dMin) / (dMax - dMin) : 1)
            }
            for hit in lexical {
                entries[hit.id, default: Fused(id: hit.id, fused: 0)].lexical = hit.score
                entries[hit.id]?.fused += (1 - w) * (lMax > lMin ? (hit.score - lMin) / (lMax - lMin) : 1)
            }
        }
        return entries.values.sorted { $0.fused > $1.fused || ($0.fused == $1.fused && $0.id < $1.id) }
    }
}
