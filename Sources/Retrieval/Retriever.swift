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
    /// The results' stored vectors, by chunk id (empty for a lexical-only retrieval).
    public var vectors: [Int64: [Float]] = [:]
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
    /// Chunk counts of question terms, per collection, reused across questions.
    let termCounts = TermCountCache()

    public init(database: AppDatabase, embedder: any Embedder, indexes: IndexRegistry, configuration: RetrievalConfiguration = RetrievalConfiguration()) {
        self.database = database
        self.embedder = embedder
        self.indexes = indexes
        self.configuration = configuration
    }

    /// The same retriever with other settings.
    public func with(_ configuration: RetrievalConfiguration) -> Retriever {
        var copy = self
        copy.configuration = configuration
        return copy
    }

    /// The `k` best chunks of `collectionID` for `question`. `perDocumentCap` nil uses the
    /// configured cap; evaluation passes `.max` and aggregates per document itself.
    public func retrieve(_ question: String, collectionID: Int64, k: Int, mode: RetrievalMode = .hybrid,
                         perDocumentCap: Int? = nil) async throws -> Retrieval {
        // The full-text search needs no vector: it runs while the question is embedded.
        let searchStart = Stopwatch.seconds()
        async let lexicalResults = mode == .dense ? [] : try lexicalSearch(question, collectionID: collectionID)
        let embedStart = Stopwatch.seconds()
        let vector = mode == .lexical ? [] : try await embedder.embedQuery(question)
        let embedSeconds = Stopwatch.seconds() - embedStart
        let dense = mode == .lexical ? [] : try denseSearch(vector, collectionID: collectionID)
        let lexical = try await lexicalResults
        let fused = mode == .hybrid ? try fuseWithFeedback(vector: vector, dense: dense, lexical: lexical, collectionID: collectionID)
                                    : fuse(dense: dense, lexical: lexical)
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
        // The results' stored vectors, read once: the answer step needs them too.
        let vectors = vector.isEmpty ? [:] : try storedVectors(results.map(\.chunk.id), dimension: vector.count)
        if mode == .hybrid, configuration.feedbackDepth > 0 {
            // The second round scored chunks against the expanded vector; report (and let the
            // answer's confidence use) their similarity to the question itself.
            for index in results.indices where results[index].dense != nil {
                results[index].dense = vectors[results[index].chunk.id].map { Vector.dot($0, vector) }
            }
        }
        return Retrieval(results: results, questionVector: vector, vectors: vectors, embedSeconds: embedSeconds,
                         searchSeconds: Stopwatch.seconds() - searchStart - embedSeconds)
    }

    /// The vector index's candidates for a question vector, best first.
    public func denseSearch(_ vector: [Float], collectionID: Int64) throws -> [(id: Int64, score: Float)] {
        guard let index = try indexes.snapshot(collectionID: collectionID), index.count > 0 else { return [] }
        let results = try index.search(Matrix(rows: 1, cols: vector.count, storage: vector), k: configuration.denseCandidates,
                                       parameters: SearchParameters(nprobe: configuration.nprobe, threads: 1))
        return zip(results.ids, results.scores).filter { $0.0 >= 0 }.map { ($0.0, $0.1) }
    }

    /// Hybrid fusion with pseudo-relevance feedback: the first round's best results expand the
    /// question vector (`feedbackVector`), whose dense search is fused again with the lexical list.
    /// Without feedback configured it is `fuse`.
    public func fuseWithFeedback(vector: [Float], dense: [(id: Int64, score: Float)], lexical: [(id: Int64, score: Double)],
                                 collectionID: Int64) throws -> [Fused] {
        let first = fuse(dense: dense, lexical: lexical)
        guard configuration.feedbackDepth > 0, !dense.isEmpty else { return first }
        let expanded = try feedbackVector(vector, topIDs: first.prefix(configuration.feedbackDepth).map(\.id))
        return fuse(dense: try denseSearch(expanded, collectionID: collectionID), lexical: lexical)
    }

    /// Pseudo-relevance feedback (Rocchio): the question vector moved towards the mean of
    /// the first `feedbackDepth` fused results' vectors by `feedbackWeight`, renormalised.
    public func feedbackVector(_ vector: [Float], topIDs: [Int64]) throws -> [Float] {
        guard configuration.feedbackDepth > 0, !topIDs.isEmpty else { return vector }
        let stored = try storedVectors(Array(topIDs.prefix(configuration.feedbackDepth)), dimension: vector.count)
        guard !stored.isEmpty else { return vector }
        var expanded = vector
        let share = configuration.feedbackWeight / Float(stored.count)
        for row in stored.values {
            for j in 0..<vector.count { expanded[j] += share * row[j] }
        }
        let norm = expanded.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? expanded.map { $0 / norm } : vector
    }

    /// Stored chunk vectors by id (chunks without one are left out).
    func storedVectors(_ ids: [Int64], dimension: Int) throws -> [Int64: [Float]] {
        let stored = try database.chunkVectors(ids: ids, dimension: dimension)
        var byID: [Int64: [Float]] = [:]
        for (row, id) in stored.ids.enumerated() { byID[id] = Array(stored.vectors[(row * dimension)..<((row + 1) * dimension)]) }
        return byID
    }

    /// The full-text index's candidates for a question, best first.
    public func lexicalSearch(_ question: String, collectionID: Int64) throws -> [(id: Int64, score: Double)] {
        guard let query = QueryTerms.ftsQuery(phrases: try selectedPhrases(question, collectionID: collectionID)) else { return [] }
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

    /// The question's terms that the full-text search ranks by. SQLite's BM25 scores every
    /// chunk matching any term, so a term found in a large share of a big collection costs
    /// far more than it tells (its IDF is low). In a collection larger than
    /// `lexicalPostingBudget`, terms are taken rarest first while the chunks they match stay
    /// within the budget; the rarest term is always kept. Smaller collections keep every
    /// term (exact BM25) without counting anything.
    func selectedPhrases(_ question: String, collectionID: Int64) throws -> [String] {
        let phrases = QueryTerms.ftsPhrases(QueryTerms.terms(question))
        let budget = configuration.lexicalPostingBudget
        guard budget > 0, phrases.count > 1 else { return phrases }
        // The index's size decides, and stamps cached counts: after the collection grows or
        // shrinks, terms are counted again.
        let size = try indexes.snapshot(collectionID: collectionID)?.count ?? 0
        guard size > budget else { return phrases }
        var cached = phrases.map { termCounts.count(collectionID: collectionID, phrase: $0, stamp: size) }
        let missing = phrases.indices.filter { cached[$0] == nil }
        if !missing.isEmpty {
            let fresh = try database.chunkFrequencies(phrases: missing.map { phrases[$0] }, cap: budget + 1)
            for (index, count) in zip(missing, fresh) {
                cached[index] = count
                termCounts.store(count, collectionID: collectionID, phrase: phrases[index], stamp: size)
            }
        }
        let counts = cached.map { $0 ?? 0 }
        guard counts.reduce(0, +) > budget else { return phrases }
        var kept: [String] = []
        var total = 0
        for (phrase, count) in zip(phrases, counts).sorted(by: { $0.1 < $1.1 }) {
            guard kept.isEmpty || total + count <= budget else { break }
            kept.append(phrase)
            total += count
        }
        return kept
    }

    /// Puts one list's scores on a common scale.
    static func normalize(_ scores: [Double], _ method: RetrievalConfiguration.Normalization) -> [Double] {
        guard let low = scores.min(), let high = scores.max() else { return [] }
        switch method {
        case .minMax:
            return scores.map { high > low ? ($0 - low) / (high - low) : 1 }
        case .max:
            return scores.map { high > 0 ? $0 / high : 0 }
        case .zScore:
            let mean = scores.reduce(0, +) / Double(scores.count)
            let deviation = (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)).squareRoot()
            return scores.map { deviation > 0 ? ($0 - mean) / deviation : 0 }
        }
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
            let denseScores = Self.normalize(dense.map { Double($0.score) }, configuration.normalization)
            let lexicalScores = Self.normalize(lexical.map(\.score), configuration.normalization)
            for (hit, score) in zip(dense, denseScores) {
                entries[hit.id, default: Fused(id: hit.id, fused: 0)].dense = hit.score
                entries[hit.id]?.fused += w * score
            }
            for (hit, score) in zip(lexical, lexicalScores) {
                entries[hit.id, default: Fused(id: hit.id, fused: 0)].lexical = hit.score
                entries[hit.id]?.fused += (1 - w) * score
            }
        }
        return entries.values.sorted { $0.fused > $1.fused || ($0.fused == $1.fused && $0.id < $1.id) }
    }
}
