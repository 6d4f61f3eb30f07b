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

    /// Each term as a quoted FTS5 phrase, so that no term can act as an FTS operator or
    /// column filter (quotes inside removed; empty ones dropped).
    static func phrase(_ term: String) -> String? {
        let phrase = "\"" + term.replacingOccurrences(of: "\"", with: "") + "\""
        return phrase.count > 2 ? phrase : nil
    }

    /// FTS5's `bm25()` over the weighted title, heading and body columns (negated: higher is
    /// better), for chunks matching any of `terms`.
    public func searchFullText(collectionID: Int64, terms: [String], limit: Int, weights: FullTextWeights) throws -> [(id: Int64, score: Double)] {
        let phrases = terms.compactMap(Self.phrase)
        guard !phrases.isEmpty else { return [] }
        return try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT rowid AS id, bm25(chunk_fts, ?, ?, ?, 0) AS rank
                FROM chunk_fts
                WHERE chunk_fts MATCH ?
                ORDER BY rank LIMIT ?
                """, arguments: [weights.title, weights.heading, weights.body,
                                 "\(Self.scopeFilter(collectionID)) AND (\(phrases.joined(separator: " OR ")))", limit])
            return rows.map { (id: $0["id"], score: -($0["rank"] as Double)) }
        }
    }
}

extension AppDatabase {
    /// The full-text index's tokenizer (as `chunk_fts` declares it): words become what the
    /// index stores and counts (Porter stems of folded, lowercased words).
    static let fullTextTokenizer = FTS5TokenizerDescriptor(components: ["porter", "unicode61", "remove_diacritics", "2"])

    /// How many chunks (of every collection) contain each word, as the full-text index
    /// tokenizes it: a word that becomes several tokens ("lru_cache") counts the chunks of its
    /// rarest one; a word that is no token at all is left out. One index lookup per token
    /// (`fts5vocab`), so this is cheap enough for every question.
    public func termChunkCounts(_ words: [String]) throws -> [String: Int] {
        guard !words.isEmpty else { return [:] }
        return try read { db in
            let tokenizer = try db.makeTokenizer(Self.fullTextTokenizer)
            var tokensOf: [String: [String]] = [:]
            for word in Set(words) {
                let tokens = try tokenizer.tokenize(query: word).map(\.token)
                if !tokens.isEmpty { tokensOf[word] = tokens }
            }
            let all = Array(Set(tokensOf.values.joined()))
            var counts: [String: Int] = [:]
            for start in stride(from: 0, to: all.count, by: 200) {
                let slice = Array(all[start..<min(all.count, start + 200)])
                let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT term, doc FROM chunk_vocab WHERE term IN (\(placeholders))",
                                            arguments: StatementArguments(slice)) {
                    counts[row["term"]] = row["doc"]
                }
            }
            return tokensOf.mapValues { tokens in tokens.map { counts[$0] ?? 0 }.min() ?? 0 }
        }
    }

    /// Whether the collection has a chunk containing `word` (as the index tokenizes it).
    public func collectionContains(collectionID: Int64, word: String) throws -> Bool {
        guard let phrase = Self.phrase(word) else { return false }
        return try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM chunk_fts WHERE chunk_fts MATCH ? LIMIT 1",
                              arguments: ["\(Self.scopeFilter(collectionID)) AND \(phrase)"]) ?? false
        }
    }

    /// Whether any chunk of the documents `documentIDs` (or their titles) contains `word`.
    public func documentsContain(documentIDs: [Int64], word: String) throws -> Bool {
        guard let phrase = Self.phrase(word), !documentIDs.isEmpty else { return false }
        return try read { db in
            let placeholders = Array(repeating: "?", count: documentIDs.count).joined(separator: ",")
            return try Bool.fetchOne(db, sql: """
                SELECT 1 FROM chunk_fts WHERE chunk_fts MATCH ?
                  AND rowid IN (SELECT id FROM chunk WHERE document_id IN (\(placeholders))) LIMIT 1
                """, arguments: StatementArguments([phrase] + documentIDs)) ?? false
        }
    }

    /// Whether the index (any collection) holds a term that starts like `word`'s stem, minus
    /// its last `slack` letters and no shorter than `minimumPrefix`: a spelling variant
    /// ("serialise" for "serialize") or another form of the word.
    public func vocabularyHasVariant(of word: String, slack: Int = 2, minimumPrefix: Int = 5) throws -> Bool {
        try read { db in
            let tokenizer = try db.makeTokenizer(Self.fullTextTokenizer)
            guard let stem = try tokenizer.tokenize(query: word).map(\.token).max(by: { $0.count < $1.count }),
                  stem.count >= minimumPrefix else { return false }
            let prefix = String(stem.prefix(max(minimumPrefix, stem.count - slack)))
            return try Bool.fetchOne(db, sql: "SELECT 1 FROM chunk_vocab WHERE term >= ? AND term < ? AND doc > 0 LIMIT 1",
                                     arguments: [prefix, prefix + "\u{10FFFF}"]) ?? false
        }
    }
}
