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
    /// The collection's chunks matching an FTS5 `query`, best first, with their BM25 score
    /// (higher is better; SQLite's `bm25()` is negated). The query must come from
    /// `QueryTerms.ftsQuery` or be equally safe.
    public func searchFullText(collectionID: Int64, query: String, limit: Int, weights: FullTextWeights = FullTextWeights()) throws -> [(id: Int64, score: Double)] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT chunk_fts.rowid AS id, bm25(chunk_fts, ?, ?, ?) AS rank
                FROM chunk_fts
                JOIN chunk ON chunk.id = chunk_fts.rowid
                JOIN document ON document.id = chunk.document_id
                WHERE chunk_fts MATCH ? AND document.collection_id = ?
                ORDER BY rank LIMIT ?
                """, arguments: [weights.title, weights.heading, weights.body, query, collectionID, limit])
            return rows.map { (id: $0["id"], score: -($0["rank"] as Double)) }
        }
    }
}
