import Foundation
import GRDB

/// Weights of the full-text columns in BM25 (title and heading matches count more).
public struct FullTextWeights: Sendable, Equatable {
    public var title: Double
    public var heading: Double
    public var body: Double

    public init(title: Double = 2, heading: Double = 1.5, body: Double = 1) {
        self.title = title
        self.heading = heading
        self.body = body
    }
}

extension AppDatabase {
    /// The FTS5 filter restricting a match to one collection's chunks.
    static func scopeFilter(_ collectionID: Int64) -> String { "scope : c\(collectionID)" }

    /// The collection's chunks matching an FTS5 `query`, best first, with their BM25 score
    /// (higher is better; SQLite's `bm25()` is negated). The query must come from
    /// `QueryTerms.ftsQuery` or be equally safe.
    public func searchFullText(collectionID: Int64, query: String, limit: Int, weights: FullTextWeights = FullTextWeights()) throws -> [(id: Int64, score: Double)] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT rowid AS id, bm25(chunk_fts, ?, ?, ?, 0) AS rank
                FROM chunk_fts
                WHERE chunk_fts MATCH ?
                ORDER BY rank LIMIT ?
                """, arguments: [weights.title, weights.heading, weights.body, "\(Self.scopeFilter(collectionID)) AND (\(query))", limit])
            return rows.map { (id: $0["id"], score: -($0["rank"] as Double)) }
        }
    }

    /// How many chunks (of every collection) contain each term (an FTS5 phrase as made by
    /// `QueryTerms.ftsQuery`), counting no further than `cap`. Unscoped on purpose: counting
    /// inside one collection intersects with its scope token's postings (3× the cost), a
    /// column filter reads positions (1.5×), and an estimate is all term selection needs.
    public func chunkFrequencies(phrases: [String], cap: Int) throws -> [Int] {
        try read { db in
            try phrases.map { phrase in
                try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM (SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? LIMIT ?)
                    """, arguments: [phrase, cap]) ?? 0
            }
        }
    }
}
