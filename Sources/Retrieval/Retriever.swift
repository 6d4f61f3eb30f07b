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
    /// Chunks, page by page: the best chunks (at most the per-page cap) of the best page
    /// first, then of the next page, and so on; at most `k`.
    public var results: [RetrievedChunk]
    /// Every page among the candidates, best first, with all its candidate chunks.
    public var pages: [RankedPage]
    public var questionVector: [Float]
    /// The question's terms with their collection statistics (nil for a dense-only retrieval).
    public var weights: QuestionWeights?
    /// Stored vectors of the results and of the top pages' chunks, by chunk id (empty for a
    /// lexical-only retrieval).
    public var vectors: [Int64: [Float]] = [:]
    public var embedSeconds: Double
    public var searchSeconds: Double
    /// The vector index had not caught up with the collection's latest changes in time (see
    /// `IndexRegistry.freshSnapshot`): recently stored pages may be missing from the dense results.
    public var stale = false
}

/// Hybrid retrieval over one collection: dense (question embedding → vector index) and
/// lexical (SQLite FTS5 BM25 with weighted title/heading/body columns), fused by reciprocal
/// rank or normalised weighted sum, then ranked by page (`PageRanking`) and capped per page so
/// the top k are not all one page.
public struct Retriever: Sendable {
    public let database: any DocumentStore & LexicalSearch & CollectionStore
    public let embedder: any Embedder
    public let indexes: IndexRegistry
    public var configuration: RetrievalConfiguration

    public init(database: any DocumentStore & LexicalSearch & CollectionStore, embedder: any Embedder, indexes: IndexRegistry, configuration: RetrievalConfiguration = RetrievalConfiguration()) {
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

    /// The question's profile and term statistics in `collectionID`.
    public func weights(_ question: String, collectionID: Int64) async throws -> QuestionWeights {
        let tokenizer = embedder.tokenCounter
        let profile = QuestionProfile(question) { tokenizer.knowsWord($0) }
        let counts = try await database.termChunkCounts(profile.terms + profile.specificTerms)
        let size = try await indexes.snapshot(collectionID: collectionID)?.count ?? 0
        return QuestionWeights(profile: profile, chunkCounts: counts, collectionSize: size)
    }

    /// The `k` best chunks of `collectionID` for `question`, page by page. `perDocumentCap`
    /// nil uses the configured cap; evaluation passes `.max` and aggregates per document itself.
    /// `questionVector`: the question's embedding when the caller has it already (the same
    /// question asked of several collections is embedded once).
    public func retrieve(_ question: String, collectionID: Int64, k: Int, mode: RetrievalMode = .hybrid,
                         perDocumentCap: Int? = nil, questionVector: [Float]? = nil) async throws -> Retrieval {
        let searchStart = Stopwatch.seconds()
        // The question's vector must be of the precision the collection was embedded in.
        if mode != .lexical { try await database.checkEmbedPrecision(collectionID: collectionID, precision: embedder.precision.rawValue) }
        let stale = mode == .lexical ? false : try await indexes.freshSnapshot(collectionID: collectionID).stale
        let weights = mode == .dense ? nil : try await self.weights(question, collectionID: collectionID)
        // The full-text search needs no vector: it runs while the question is embedded.
        async let lexicalResults = mode == .dense ? [] : try await lexicalSearch(weights, collectionID: collectionID)
        let embedStart = Stopwatch.seconds()
        var vector: [Float] = []
        if mode != .lexical {
            if let questionVector { vector = questionVector } else { vector = try await embedder.embedQuery(question) }
        }
        let embedSeconds = Stopwatch.seconds() - embedStart
        let dense = mode == .lexical ? [] : try await denseSearch(vector, collectionID: collectionID)
        let lexical = try await lexicalResults
        let fused = mode == .hybrid ? try await fuseWithFeedback(vector: vector, dense: dense, lexical: lexical, collectionID: collectionID)
                                    : fuse(dense: dense, lexical: lexical)
        // Load enough candidates to rank pages and fill k after the per-page cap.
        let cap = perDocumentCap ?? configuration.perDocumentCap
        var pages = try await rankPages(Array(fused.prefix(max(k * 4, k + 20, configuration.pageCandidates))), weights: weights,
                                  vector: vector, collectionID: collectionID)
        var results: [RetrievedChunk] = []
        for page in pages where results.count < k {
            results += page.chunks.prefix(min(cap, k - results.count))
        }
        // Stored vectors, read once: the answer step needs the top pages' chunks too.
        let vectorIDs = Set(results.map(\.chunk.id) + pages.prefix(configuration.answerPages).flatMap { $0.chunks.prefix(cap).map(\.chunk.id) })
        let vectors = vector.isEmpty ? [:] : try await storedVectors(Array(vectorIDs), dimension: vector.count)
        if mode == .hybrid, configuration.feedbackDepth > 0 {
            // The second round scored chunks against the expanded vector; report (and let the
            // answer's confidence use) their similarity to the question itself.
            func restore(_ hit: inout RetrievedChunk) {
                if hit.dense != nil, let stored = vectors[hit.chunk.id] { hit.dense = Vector.dot(stored, vector) }
            }
            for index in results.indices { restore(&results[index]) }
            for page in pages.indices { for chunk in pages[page].chunks.indices { restore(&pages[page].chunks[chunk]) } }
        }
        return Retrieval(results: results, pages: pages, questionVector: vector, weights: weights, vectors: vectors,
                         embedSeconds: embedSeconds, searchSeconds: Stopwatch.seconds() - searchStart - embedSeconds, stale: stale)
    }

    /// Fused candidates loaded and ranked by page (`PageRanking`): the step after fusion.
    public func rankPages(_ candidates: [Fused], weights: QuestionWeights?, vector: [Float], collectionID: Int64) async throws -> [RankedPage] {
        // The pages' openings are read beside their chunks.
        async let openings = openingSimilarities(chunkIDs: candidates.map(\.id), vector: vector)
        let chunks = try await database.chunks(ids: candidates.map(\.id), collectionID: collectionID)
        let byID = Dictionary(uniqueKeysWithValues: chunks.map { ($0.id, $0) })
        let retrieved = candidates.compactMap { candidate in
            byID[candidate.id].map { RetrievedChunk(chunk: $0, dense: candidate.dense, lexical: candidate.lexical, fused: candidate.fused) }
        }
        return PageRanking.rank(retrieved, weights: weights, openings: try await openings, configuration: configuration)
    }

    /// The cosine similarity of `vector` to the opening (first chunk) of each page that chunks
    /// `chunkIDs` belong to, by document id (empty when openings do not count or there is no vector).
    func openingSimilarities(chunkIDs: [Int64], vector: [Float]) async throws -> [Int64: Double] {
        guard configuration.pageOpeningWeight != 0, !vector.isEmpty, !chunkIDs.isEmpty else { return [:] }
        let stored = try await database.openingVectors(chunkIDs: chunkIDs, dimension: vector.count)
        var similarities: [Int64: Double] = [:]
        stored.vectors.withUnsafeBufferPointer { rows in
            vector.withUnsafeBufferPointer { question in
                guard let first = rows.baseAddress, let q = question.baseAddress else { return }
                for (row, id) in stored.documentIDs.enumerated() {
                    similarities[id] = Double(BLAS.dot(first + row * vector.count, q, count: vector.count))
                }
            }
        }
        return similarities
    }

    /// The vector index's candidates for a question vector, best first.
    public func denseSearch(_ vector: [Float], collectionID: Int64) async throws -> [(id: Int64, score: Float)] {
        guard let index = try await indexes.snapshot(collectionID: collectionID), index.count > 0 else { return [] }
        let results = try index.search(Matrix(rows: 1, cols: vector.count, storage: vector), k: configuration.denseCandidates,
                                       parameters: SearchParameters(nprobe: configuration.nprobe, threads: 1))
        return zip(results.ids, results.scores).filter { $0.0 >= 0 }.map { ($0.0, $0.1) }
    }

    /// Hybrid fusion with pseudo-relevance feedback: the first round's best results expand the
    /// question vector (`feedbackVector`), whose dense search is fused again with the lexical list.
    /// Without feedback configured it is `fuse`.
    public func fuseWithFeedback(vector: [Float], dense: [(id: Int64, score: Float)], lexical: [(id: Int64, score: Double)],
                                 collectionID: Int64) async throws -> [Fused] {
        let first = fuse(dense: dense, lexical: lexical)
        guard configuration.feedbackDepth > 0, !dense.isEmpty else { return first }
        let expanded = try await feedbackVector(vector, topIDs: first.prefix(configuration.feedbackDepth).map(\.id))
        return fuse(dense: try await denseSearch(expanded, collectionID: collectionID), lexical: lexical)
    }

    /// Pseudo-relevance feedback (Rocchio): the question vector moved towards the mean of
    /// the first `feedbackDepth` fused results' vectors by `feedbackWeight`, renormalised.
    public func feedbackVector(_ vector: [Float], topIDs: [Int64]) async throws -> [Float] {
        guard configuration.feedbackDepth > 0, !topIDs.isEmpty else { return vector }
        let stored = try await storedVectors(Array(topIDs.prefix(configuration.feedbackDepth)), dimension: vector.count)
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
    func storedVectors(_ ids: [Int64], dimension: Int) async throws -> [Int64: [Float]] {
        let stored = try await database.chunkVectors(ids: ids, dimension: dimension)
        var byID: [Int64: [Float]] = [:]
        for (row, id) in stored.ids.enumerated() { byID[id] = Array(stored.vectors[(row * dimension)..<((row + 1) * dimension)]) }
        return byID
    }

    /// The full-text index's candidates for a question, best first.
    public func lexicalSearch(_ question: String, collectionID: Int64) async throws -> [(id: Int64, score: Double)] {
        try await lexicalSearch(try await weights(question, collectionID: collectionID), collectionID: collectionID)
    }

    func lexicalSearch(_ weights: QuestionWeights?, collectionID: Int64) async throws -> [(id: Int64, score: Double)] {
        guard let weights else { return [] }
        let terms = try await selectedTerms(weights, collectionID: collectionID)
        guard !terms.isEmpty else { return [] }
        return try await database.searchFullText(collectionID: collectionID, terms: terms, limit: configuration.lexicalCandidates,
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
    /// term (exact BM25). Counts are the index's own (all collections: an estimate is all
    /// the selection needs).
    func selectedTerms(_ weights: QuestionWeights, collectionID: Int64) async throws -> [String] {
        let terms = Array(weights.profile.terms.prefix(24)).filter { !$0.isEmpty }
        let budget = configuration.lexicalPostingBudget
        guard budget > 0, terms.count > 1 else { return terms }
        let size = try await indexes.snapshot(collectionID: collectionID)?.count ?? 0
        guard size > budget else { return terms }
        let counts = terms.map { weights.chunkCounts[$0] ?? 0 }
        guard counts.reduce(0, +) > budget else { return terms }
        var kept: [String] = []
        var total = 0
        for (term, count) in zip(terms, counts).sorted(by: { $0.1 < $1.1 }) where count > 0 {
            guard kept.isEmpty || total + count <= budget else { break }
            kept.append(term)
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
