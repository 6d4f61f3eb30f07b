import Foundation
import GRDB

extension AppDatabase {
    /// The stored document of `collectionID` at `url`, if any.
    public func document(collectionID: Int64, url: String) throws -> DocumentRecord? {
        try read { db in
            try DocumentRecord.filter(DocumentRecord.Columns.collectionID == collectionID && DocumentRecord.Columns.url == url).fetchOne(db)
        }
    }

    /// Another document of the collection with this content hash (a duplicate page).
    public func document(collectionID: Int64, contentHash: String, excludingURL url: String) throws -> DocumentRecord? {
        try read { db in
            try DocumentRecord
                .filter(DocumentRecord.Columns.collectionID == collectionID && DocumentRecord.Columns.contentHash == contentHash
                        && DocumentRecord.Columns.url != url)
                .fetchOne(db)
        }
    }

    /// Writes a page and its chunks in one transaction: the document is inserted or updated,
    /// its previous chunks are deleted and the new ones inserted. Returns the document id, the
    /// ids of the removed chunks and of the inserted ones (for the vector index).
    public func storePage(_ document: DocumentRecord, chunks: [NewChunk]) throws -> (documentID: Int64, removed: [Int64], added: [Int64]) {
        try write { db in
            var record = document
            if let existing = try DocumentRecord
                .filter(DocumentRecord.Columns.collectionID == document.collectionID && DocumentRecord.Columns.url == document.url)
                .fetchOne(db) {
                record.id = existing.id
                try record.update(db)
            } else {
                try record.insert(db)
            }
            guard let documentID = record.id else { throw StorageError.database("document without id") }
            let removed = try Int64.fetchAll(db, sql: "SELECT id FROM chunk WHERE document_id = ?", arguments: [documentID])
            try db.execute(sql: "DELETE FROM chunk WHERE document_id = ?", arguments: [documentID])
            var added: [Int64] = []
            added.reserveCapacity(chunks.count)
            let statement = try db.cachedStatement(sql: """
                INSERT INTO chunk (document_id, ordinal, heading_path, text, token_count, vector, content_hash, layout)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for chunk in chunks {
                try statement.execute(arguments: [documentID, chunk.ordinal, chunk.headingPath, chunk.text, chunk.tokenCount,
                                                  VectorBlob.encode(chunk.vector), chunk.contentHash, chunk.layout])
                added.append(db.lastInsertedRowID)
            }
            try Self.recordChange(db, collectionID: document.collectionID, added: added, removed: removed)
            return (documentID, removed, added)
        }
    }

    /// Updates a document's fetch metadata without touching its chunks (304, same hash).
    public func touchDocument(id: Int64, fetchedAt: Date, etag: String?, lastModified: String?, links: [String]?) throws {
        try write { db in
            let linksJSON = links.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
            try db.execute(sql: """
                UPDATE document SET fetched_at = ?, etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                       links = COALESCE(?, links), updated_at = ? WHERE id = ?
                """, arguments: [fetchedAt, etag, lastModified, linksJSON, Date(), id])
        }
    }

    /// Deletes the document at `url` (a page now answering 404/410); returns its chunk ids.
    @discardableResult
    public func deleteDocument(collectionID: Int64, url: String) throws -> [Int64] {
        try write { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM document WHERE collection_id = ? AND url = ?", arguments: [collectionID, url]) else {
                return []
            }
            let chunks = try Int64.fetchAll(db, sql: "SELECT id FROM chunk WHERE document_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM document WHERE id = ?", arguments: [id])
            try Self.recordChange(db, collectionID: collectionID, added: [], removed: chunks)
            return chunks
        }
    }

    /// Counts of the collection's documents and chunks.
    public func documentURLs(collectionID: Int64, prefix: String) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT url FROM document WHERE collection_id = ? AND substr(url, 1, length(?)) = ? ORDER BY id",
                                arguments: [collectionID, prefix, prefix])
        }
    }

    public func counts(collectionID: Int64) throws -> (documents: Int, chunks: Int) {
        try read { db in
            let documents = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document WHERE collection_id = ?", arguments: [collectionID]) ?? 0
            let chunks = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM chunk JOIN document ON document.id = chunk.document_id WHERE document.collection_id = ?
                """, arguments: [collectionID]) ?? 0
            return (documents, chunks)
        }
    }

    /// Every chunk id of the collection, ascending.
    public func chunkIDs(collectionID: Int64) throws -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: """
                SELECT chunk.id FROM chunk JOIN document ON document.id = chunk.document_id
                WHERE document.collection_id = ? ORDER BY chunk.id
                """, arguments: [collectionID])
        }
    }

    public func chunkVectorBatch(collectionID: Int64, dimension: Int, after: Int64, limit: Int) throws -> (ids: [Int64], vectors: [Float]) {
        try read { db in
            var ids: [Int64] = []
            var vectors: [Float] = []
            vectors.reserveCapacity(limit * dimension)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT chunk.id, chunk.vector FROM chunk JOIN document ON document.id = chunk.document_id
                WHERE document.collection_id = ? AND chunk.id > ? AND chunk.vector IS NOT NULL
                ORDER BY chunk.id LIMIT ?
                """, arguments: [collectionID, after, limit])
            while let row = try rows.next() {
                let blob: Data = row[1]
                guard blob.count == dimension * 4 else { continue }
                ids.append(row[0])
                VectorBlob.decode(blob, into: &vectors)
            }
            return (ids, vectors)
        }
    }

    /// The stored vectors of chunks `ids` that exist (ids in the order found, row-major vectors).
    public func chunkVectors(ids: [Int64], dimension: Int) throws -> (ids: [Int64], vectors: [Float]) {
        try vectorRows(asking: ids, dimension: dimension) { "SELECT id, vector FROM chunk WHERE vector IS NOT NULL AND id IN (\($0))" }
    }

    /// The stored vectors of the first chunks of the documents that chunks `chunkIDs` belong
    /// to, by document id (each once).
    public func openingVectors(chunkIDs: [Int64], dimension: Int) throws -> (documentIDs: [Int64], vectors: [Float]) {
        let found = try vectorRows(asking: chunkIDs, dimension: dimension) { placeholders in
            """
            SELECT document_id, vector FROM chunk
            WHERE ordinal = 0 AND vector IS NOT NULL
              AND document_id IN (SELECT document_id FROM chunk WHERE id IN (\(placeholders)))
            """
        }
        return (found.ids, found.vectors)
    }

    /// The (key, vector) rows of `sql` — given the placeholders for its `IN (…)` — asked for
    /// `keys` in slices of 500: each key once, in the order found, vectors of another size skipped.
    private func vectorRows(asking keys: [Int64], dimension: Int, sql: (String) -> String) throws -> (ids: [Int64], vectors: [Float]) {
        var foundIDs: [Int64] = []
        var seen = Set<Int64>()
        var vectors: [Float] = []
        for start in stride(from: 0, to: keys.count, by: 500) {
            let slice = Array(keys[start..<min(keys.count, start + 500)])
            try read { db in
                let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: sql(placeholders), arguments: StatementArguments(slice)) {
                    let blob: Data = row[1]
                    let id: Int64 = row[0]
                    guard blob.count == dimension * 4, seen.insert(id).inserted else { continue }
                    foundIDs.append(id)
                    VectorBlob.decode(blob, into: &vectors)
                }
            }
        }
        return (foundIDs, vectors)
    }

    /// Chunks by id with their document's URL and title, in the order of `ids`, limited to
    /// one collection (ids from elsewhere are ignored). CROSS JOIN keeps SQLite looking the
    /// chunks up by id: without table statistics it would otherwise walk every document
    /// of the collection.
    public func chunks(ids: [Int64], collectionID: Int64) throws -> [StoredChunk] {
        guard !ids.isEmpty else { return [] }
        let found: [Int64: StoredChunk] = try read { db in
            let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: """
                SELECT chunk.id, chunk.document_id, chunk.ordinal, chunk.heading_path, chunk.text, chunk.token_count,
                       chunk.layout, COALESCE(document.canonical_url, document.url) AS url, document.title
                FROM chunk CROSS JOIN document ON document.id = chunk.document_id
                WHERE document.collection_id = ? AND chunk.id IN (\(placeholders))
                """, arguments: StatementArguments([collectionID] + ids))
            var map: [Int64: StoredChunk] = [:]
            for row in rows {
                let chunk = StoredChunk(id: row["id"], documentID: row["document_id"], ordinal: row["ordinal"],
                                        headingPath: row["heading_path"], text: row["text"], tokenCount: row["token_count"],
                                        url: row["url"], title: row["title"], layout: row["layout"])
                map[chunk.id] = chunk
            }
            return map
        }
        return ids.compactMap { found[$0] }
    }

    public func chunks(documentID: Int64, ordinals: ClosedRange<Int>, collectionID: Int64) throws -> [StoredChunk] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT chunk.id, chunk.document_id, chunk.ordinal, chunk.heading_path, chunk.text, chunk.token_count,
                       chunk.layout, COALESCE(document.canonical_url, document.url) AS url, document.title
                FROM chunk CROSS JOIN document ON document.id = chunk.document_id
                WHERE document.collection_id = ? AND chunk.document_id = ? AND chunk.ordinal BETWEEN ? AND ?
                ORDER BY chunk.ordinal
                """, arguments: [collectionID, documentID, ordinals.lowerBound, ordinals.upperBound]).map { row in
                StoredChunk(id: row["id"], documentID: row["document_id"], ordinal: row["ordinal"], headingPath: row["heading_path"],
                            text: row["text"], tokenCount: row["token_count"], url: row["url"], title: row["title"], layout: row["layout"])
            }
        }
    }
}
