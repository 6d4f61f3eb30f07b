import Foundation
import PostgresNIO
import TextKit

/// BM25 over our own postings, computed as SQLite FTS5's `bm25()` computes it (fts5_aux.c):
/// for each query token, idf = ln((N − n + 0.5) / (n + 0.5)) (at least 1e-6), with N the
/// chunks of every collection and n those holding the token; a chunk scores
/// Σ idf · f · (k1 + 1) / (f + k1 · (1 − b + b · len / avglen)), where f weights the token's
/// counts in title, heading and text and len counts every token of the chunk; k1 = 1.2,
/// b = 0.75. One difference: a term of several tokens ("lru_cache") is matched token by token,
/// where FTS5 matches it as a phrase.
extension PostgresStore: LexicalSearch {
    static let k1 = 1.2, b = 0.75

    /// The distinct tokens of `terms`, in order.
    static func tokens(of terms: [String]) -> [String] {
        var seen = Set<String>()
        return terms.flatMap(FullTextTokenizer.tokens).filter { seen.insert($0).inserted }
    }

    public func searchFullText(collectionID: Int64, terms: [String], limit: Int, weights: FullTextWeights) async throws -> [(id: Int64, score: Double)] {
        let tokens = Self.tokens(of: terms)
        guard !tokens.isEmpty, limit > 0 else { return [] }
        // One round trip: the IDFs and the average length come from the statistics rows.
        return try await rows("""
            WITH s AS (SELECT chunks::float8 AS n, CASE WHEN chunks > 0 THEN tokens::float8 / chunks ELSE 1 END AS average
                       FROM lexical_stat WHERE id = 1),
                 q AS (SELECT t.term, greatest(ln((s.n - t.chunks + 0.5) / (t.chunks + 0.5)), 1e-6) AS idf
                       FROM term_stat t, s WHERE t.term = ANY(\(tokens)) AND t.chunks > 0)
            SELECT p.chunk_id,
                   sum(q.idf * f.w * \(Self.k1 + 1) / (f.w + \(Self.k1) * (\(1 - Self.b) + \(Self.b) * p.length / s.average))) AS score
            FROM chunk_term p
            JOIN q ON q.term = p.term
            CROSS JOIN s
            CROSS JOIN LATERAL (SELECT \(weights.title) * p.tf_title + \(weights.heading) * p.tf_heading
                                       + \(weights.body) * p.tf_body AS w) AS f
            WHERE p.collection_id = \(collectionID) AND p.term = ANY(\(tokens))
            GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT \(limit)
            """).map { row in
            let (id, score) = try row.decode((Int64, Double).self)
            return (id: id, score: score)
        }
    }

    public func termChunkCounts(_ words: [String]) async throws -> [String: Int] {
        var tokensOf: [String: [String]] = [:]
        for word in Set(words) {
            let tokens = FullTextTokenizer.tokens(word)
            if !tokens.isEmpty { tokensOf[word] = tokens }
        }
        guard !tokensOf.isEmpty else { return [:] }
        let all = Array(Set(tokensOf.values.joined()))
        var counts: [String: Int] = [:]
        for row in try await rows("SELECT term, chunks FROM term_stat WHERE term = ANY(\(all))") {
            let (term, chunks) = try row.decode((String, Int).self)
            counts[term] = chunks
        }
        return tokensOf.mapValues { tokens in tokens.map { counts[$0] ?? 0 }.min() ?? 0 }
    }

    public func collectionContains(collectionID: Int64, word: String) async throws -> Bool {
        let tokens = Self.tokens(of: [word])
        guard !tokens.isEmpty else { return false }
        return try await !rows("""
            SELECT chunk_id FROM chunk_term WHERE collection_id = \(collectionID) AND term = ANY(\(tokens))
            GROUP BY chunk_id HAVING count(*) = \(tokens.count) LIMIT 1
            """).isEmpty
    }

    public func documentsContain(documentIDs: [Int64], word: String) async throws -> Bool {
        let tokens = Self.tokens(of: [word])
        guard !tokens.isEmpty, !documentIDs.isEmpty else { return false }
        return try await !rows("""
            SELECT p.chunk_id FROM chunk_term p JOIN chunk k ON k.id = p.chunk_id
            WHERE k.document_id = ANY(\(documentIDs)) AND p.term = ANY(\(tokens))
            GROUP BY p.chunk_id HAVING count(*) = \(tokens.count) LIMIT 1
            """).isEmpty
    }

    public func vocabularyHasVariant(of word: String, slack: Int, minimumPrefix: Int) async throws -> Bool {
        guard let stem = FullTextTokenizer.tokens(word).max(by: { $0.count < $1.count }), stem.count >= minimumPrefix else { return false }
        let prefix = String(stem.prefix(max(minimumPrefix, stem.count - slack)))
        return try await !rows("""
            SELECT 1 FROM term_stat WHERE term >= \(prefix) AND term < \(prefix + "\u{10FFFF}") AND chunks > 0 LIMIT 1
            """).isEmpty
    }
}
