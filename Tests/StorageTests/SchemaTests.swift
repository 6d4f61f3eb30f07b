import Foundation
import GRDB
@testable import Storage
import Testing

/// Schema checks in raw SQL: the write paths that fill these tables come with the ingest
/// issue; here we prove the triggers and cascades the schema promises.
@Suite("Schema")
struct SchemaTests {
    func matches(_ database: AppDatabase, _ query: String) throws -> [Int64] {
        try database.writer.read { db in
            try Int64.fetchAll(db, sql: "SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY rowid", arguments: [query])
        }
    }

    @Test("the full-text index follows chunk inserts, updates, title changes and cascaded deletes, with stemming")
    func fullTextFollowsChunks() throws {
        let database = try AppDatabase.inMemory()
        let user = try database.createUser(email: "fts@example.com", passwordHash: "h")
        let collection = try database.ensureCollection(userID: user.id!, name: "c")
        let chunkID: Int64 = try database.writer.write { db in
            try db.execute(sql: "INSERT INTO document (collection_id, url, title) VALUES (?, 'https://x.test/a', 'Gardening')",
                           arguments: [collection.id])
            let documentID = db.lastInsertedRowID
            try db.execute(sql: """
                INSERT INTO chunk (document_id, ordinal, heading_path, text, token_count, content_hash)
                VALUES (?, 0, 'Shoes', 'Running shoes are tested by runners', 6, 'h1')
                """, arguments: [documentID])
            return db.lastInsertedRowID
        }
        // Porter stemming: "run" matches "Running"/"runners"; title and heading are indexed.
        #expect(try matches(database, "run") == [chunkID])
        #expect(try matches(database, "title:gardening") == [chunkID])
        #expect(try matches(database, "heading:shoe") == [chunkID])

        try database.writer.write { db in
            try db.execute(sql: "UPDATE chunk SET text = 'Swimming pools' WHERE id = ?", arguments: [chunkID])
            try db.execute(sql: "UPDATE document SET title = 'Leisure'")
        }
        #expect(try matches(database, "run").isEmpty)
        #expect(try matches(database, "swim") == [chunkID])
        #expect(try matches(database, "title:leisure") == [chunkID])

        // Deleting the collection cascades to documents and chunks, and the trigger cleans FTS.
        try database.writer.write { db in
            try db.execute(sql: "DELETE FROM collection WHERE id = ?", arguments: [collection.id])
        }
        #expect(try matches(database, "swim").isEmpty)
        let chunks = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunk") }
        #expect(chunks == 0)
    }

    @Test("full-text search stays inside one collection; BM25 ignores the scope column; term counts are capped estimates")
    func fullTextScopedToCollection() throws {
        let database = try AppDatabase.inMemory()
        let user = try database.createUser(email: "scope@example.com", passwordHash: "h")
        let first = try database.ensureCollection(userID: user.id!, name: "first").id!
        let second = try database.ensureCollection(userID: user.id!, name: "second").id!
        func insert(_ collection: Int64, _ texts: [String]) throws -> [Int64] {
            try database.writer.write { db in
                try db.execute(sql: "INSERT INTO document (collection_id, url, title) VALUES (?, ?, 'Page')",
                               arguments: [collection, "https://x.test/\(UUID().uuidString)"])
                let documentID = db.lastInsertedRowID
                return try texts.enumerated().map { ordinal, text in
                    try db.execute(sql: """
                        INSERT INTO chunk (document_id, ordinal, heading_path, text, token_count, content_hash)
                        VALUES (?, ?, '', ?, 5, ?)
                        """, arguments: [documentID, ordinal, text, "h\(ordinal)"])
                    return db.lastInsertedRowID
                }
            }
        }
        let mine = try insert(first, ["compost heaps need air", "compost and mulch", "mulch only"])
        let theirs = try insert(second, ["compost compost compost", "compost tea"])
        let hits = try database.searchFullText(collectionID: first, terms: ["compost"], limit: 10, weights: FullTextWeights())
        #expect(Set(hits.map(\.id)) == Set(mine.prefix(2)))
        #expect(hits.allSatisfy { $0.score > 0 })
        #expect(try database.searchFullText(collectionID: second, terms: ["mulch"], limit: 10, weights: FullTextWeights()).isEmpty)
        #expect(Set(try database.searchFullText(collectionID: second, terms: ["compost"], limit: 10, weights: FullTextWeights()).map(\.id)) == Set(theirs))
        // Term counts are over every collection, tokenised as the index is ("Heaps" is "heap").
        #expect(try database.termChunkCounts(["compost", "mulch", "tea", "beetroot", "Heaps"])
                == ["compost": 4, "mulch": 2, "tea": 1, "beetroot": 0, "Heaps": 1])
        #expect(try database.collectionContains(collectionID: first, word: "mulch"))
        #expect(try !database.collectionContains(collectionID: second, word: "mulch"))
        #expect(try database.vocabularyHasVariant(of: "mulching"))       // "mulch" is indexed
        #expect(try !database.vocabularyHasVariant(of: "beetroots"))
    }

    @Test("the database file runs in WAL mode with foreign keys on")
    func walMode() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try AppDatabase.open(path: directory.appendingPathComponent("db.sqlite").path)
        let (mode, foreignKeys) = try database.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(mode == "wal")
        #expect(foreignKeys == 1)
    }
}
