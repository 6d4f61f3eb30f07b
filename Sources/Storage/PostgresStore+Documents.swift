import Foundation
import PostgresNIO
import TextKit

extension PostgresStore: CollectionStore {
    static func collection(_ row: PostgresRow) throws -> CollectionRecord {
        let (id, userID, name, created) = try row.decode((Int64, Int64, String, Date).self)
        return CollectionRecord(id: id, userID: userID, name: name, createdAt: created)
    }

    public func collection(userID: Int64, name: String) async throws -> CollectionRecord? {
        try await rows("SELECT id, user_id, name, created_at FROM collection WHERE user_id = \(userID) AND name = \(name)")
            .first.map(Self.collection)
    }

    public func collection(id: Int64) async throws -> CollectionRecord? {
        try await rows("SELECT id, user_id, name, created_at FROM collection WHERE id = \(id)").first.map(Self.collection)
    }

    public func ensureCollection(userID: Int64, name: String, at date: Date) async throws -> CollectionRecord {
        // The no-op update makes RETURNING give the existing row too.
        let rows = try await rows("""
            INSERT INTO collection (user_id, name, created_at) VALUES (\(userID), \(name), \(date))
            ON CONFLICT (user_id, name) DO UPDATE SET name = excluded.name
            RETURNING id, user_id, name, created_at
            """)
        guard let row = rows.first else { throw StorageError.database("insert returned no row") }
        return try Self.collection(row)
    }

    public func collections(userID: Int64) async throws -> [CollectionRecord] {
        try await rows("SELECT id, user_id, name, created_at FROM collection WHERE user_id = \(userID) ORDER BY name").map(Self.collection)
    }

    public func collectionSummaries(userID: Int64) async throws -> [CollectionSummary] {
        try await rows("""
            SELECT c.id, c.name, c.created_at,
                   (SELECT count(*) FROM document d WHERE d.collection_id = c.id),
                   (SELECT count(*) FROM chunk k WHERE k.collection_id = c.id)
            FROM collection c WHERE c.user_id = \(userID) ORDER BY c.name
            """).map { row in
            let (id, name, created, documents, chunks) = try row.decode((Int64, String, Date, Int, Int).self)
            return CollectionSummary(id: id, name: name, documents: documents, chunks: chunks, createdAt: created)
        }
    }

    @discardableResult
    public func deleteCollection(userID: Int64, name: String) async throws -> Int64? {
        try await transaction { connection in
            try await connection.rows(Self.lock(Self.chunkWriteLock))
            guard let id = try await connection.rows("DELETE FROM collection WHERE user_id = \(userID) AND name = \(name) RETURNING id")
                .first?.decode(Int64.self) else { return nil }
            try await connection.rows("SELECT pg_notify(\(Self.changeChannel), \(String(id) + ":drop"))")
            return id
        }
    }

    public func allCollectionIDs() async throws -> [Int64] {
        try await rows("SELECT id FROM collection ORDER BY id").map { try $0.decode(Int64.self) }
    }

    public func allCollections() async throws -> [(collection: CollectionRecord, email: String)] {
        try await rows("""
            SELECT c.id, c.user_id, c.name, c.created_at, u.email
            FROM collection c JOIN app_user u ON u.id = c.user_id ORDER BY u.email, c.name
            """).map { row in
            let (id, userID, name, created, email) = try row.decode((Int64, Int64, String, Date, String).self)
            return (CollectionRecord(id: id, userID: userID, name: name, createdAt: created), email)
        }
    }

    public func embedPrecision(collectionID: Int64) async throws -> String? {
        try await rows("SELECT embed_precision FROM collection WHERE id = \(collectionID)").first?.decode(String?.self) ?? nil
    }

    public func setEmbedPrecision(collectionID: Int64, precision: String) async throws {
        try await execute("UPDATE collection SET embed_precision = \(precision) WHERE id = \(collectionID)")
    }
}

extension PostgresStore: DocumentStore {
    static let documentColumns = """
        id, collection_id, url, canonical_url, title, lang, content_hash, fetched_at, etag, last_modified, links, \
        http_status, depth, bytes, updated_at
        """

    static func document(_ row: PostgresRow) throws -> DocumentRecord {
        let (id, collectionID, url, canonical, title, lang, hash, fetched, etag, modified, links, status, depth, bytes, updated) =
            try row.decode((Int64, Int64, String, String?, String, String?, String?, Date?, String?, String?, String, Int?, Int?, Int?, Date?).self)
        var record = DocumentRecord(id: id, collectionID: collectionID, url: url, canonicalURL: canonical, title: title, lang: lang,
                                    contentHash: hash, fetchedAt: fetched, etag: etag, lastModified: modified, links: [],
                                    httpStatus: status, depth: depth, bytes: bytes)
        record.links = links
        record.updatedAt = updated
        return record
    }

    public func document(collectionID: Int64, url: String) async throws -> DocumentRecord? {
        try await rows("SELECT \(unescaped: Self.documentColumns) FROM document WHERE collection_id = \(collectionID) AND url = \(url)")
            .first.map(Self.document)
    }

    public func document(collectionID: Int64, contentHash: String, excludingURL url: String) async throws -> DocumentRecord? {
        try await rows("""
            SELECT \(unescaped: Self.documentColumns) FROM document
            WHERE collection_id = \(collectionID) AND content_hash = \(contentHash) AND url <> \(url) LIMIT 1
            """).first.map(Self.document)
    }

    public func storePage(_ document: DocumentRecord, chunks: [NewChunk]) async throws -> (documentID: Int64, removed: [Int64], added: [Int64]) {
        let postings = LexicalPostings(titles: Array(repeating: document.title, count: chunks.count), chunks: chunks)
        return try await transaction { connection in
            try await connection.rows(Self.lock(Self.chunkWriteLock))
            let d = document
            guard let documentID = try await connection.rows("""
                INSERT INTO document (collection_id, url, canonical_url, title, lang, content_hash, fetched_at, etag, last_modified,
                                      links, http_status, depth, bytes, updated_at)
                VALUES (\(d.collectionID), \(d.url), \(d.canonicalURL), \(d.title), \(d.lang), \(d.contentHash), \(d.fetchedAt),
                        \(d.etag), \(d.lastModified), \(d.links), \(d.httpStatus), \(d.depth), \(d.bytes), \(d.updatedAt))
                ON CONFLICT (collection_id, url) DO UPDATE SET
                    canonical_url = excluded.canonical_url, title = excluded.title, lang = excluded.lang,
                    content_hash = excluded.content_hash, fetched_at = excluded.fetched_at, etag = excluded.etag,
                    last_modified = excluded.last_modified, links = excluded.links, http_status = excluded.http_status,
                    depth = excluded.depth, bytes = excluded.bytes, updated_at = excluded.updated_at
                RETURNING id
                """).first?.decode(Int64.self) else { throw StorageError.database("document without id") }
            let removed = try await connection.rows("DELETE FROM chunk WHERE document_id = \(documentID) RETURNING id")
                .map { try $0.decode(Int64.self) }.sorted()
            guard !chunks.isEmpty else {
                try await Self.recordChange(on: connection, collectionID: d.collectionID, added: [], removed: removed)
                return (documentID, removed, [])
            }
            let inserted = try await connection.rows("""
                INSERT INTO chunk (document_id, collection_id, ordinal, heading_path, text, token_count, vector, content_hash, layout,
                                   lexical_length)
                SELECT \(documentID), \(d.collectionID), * FROM unnest(
                    \(chunks.map(\.ordinal))::int[], \(chunks.map(\.headingPath))::text[], \(chunks.map(\.text))::text[],
                    \(chunks.map(\.tokenCount))::int[], \(chunks.map { chunk in chunk.vector.withUnsafeBytes { ByteBuffer(bytes: $0) } })::bytea[],
                    \(chunks.map(\.contentHash))::text[], \(chunks.map(\.layout))::text[], \(postings.lengths)::int[])
                RETURNING id, ordinal
                """).map { try $0.decode((Int64, Int).self) }
            let idOf = Dictionary(inserted.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })
            let added = chunks.compactMap { idOf[$0.ordinal] }
            guard added.count == chunks.count else { throw StorageError.database("chunks without ids") }
            try await postings.insert(chunkIDs: added, collectionIDs: Array(repeating: d.collectionID, count: added.count), on: connection)
            try await Self.recordChange(on: connection, collectionID: d.collectionID, added: added, removed: removed)
            return (documentID, removed, added)
        }
    }

    public func touchDocument(id: Int64, fetchedAt: Date, etag: String?, lastModified: String?, links: [String]?) async throws {
        let linksJSON = links.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
        try await execute("""
            UPDATE document SET fetched_at = \(fetchedAt), etag = COALESCE(\(etag), etag),
                   last_modified = COALESCE(\(lastModified), last_modified), links = COALESCE(\(linksJSON), links),
                   updated_at = \(Date()) WHERE id = \(id)
            """)
    }

    @discardableResult
    public func deleteDocument(collectionID: Int64, url: String) async throws -> [Int64] {
        try await transaction { connection in
            try await connection.rows(Self.lock(Self.chunkWriteLock))
            guard let id = try await connection.rows("SELECT id FROM document WHERE collection_id = \(collectionID) AND url = \(url)")
                .first?.decode(Int64.self) else { return [] }
            let chunks = try await connection.rows("SELECT id FROM chunk WHERE document_id = \(id) ORDER BY id").map { try $0.decode(Int64.self) }
            try await connection.rows("DELETE FROM document WHERE id = \(id)")
            try await Self.recordChange(on: connection, collectionID: collectionID, added: [], removed: chunks)
            return chunks
        }
    }

    public func documentURLs(collectionID: Int64, prefix: String) async throws -> [String] {
        try await rows("""
            SELECT url FROM document WHERE collection_id = \(collectionID) AND left(url, length(\(prefix))) = \(prefix) ORDER BY id
            """).map { try $0.decode(String.self) }
    }

    public func counts(collectionID: Int64) async throws -> (documents: Int, chunks: Int) {
        let row = try await rows("""
            SELECT (SELECT count(*) FROM document WHERE collection_id = \(collectionID)),
                   (SELECT count(*) FROM chunk WHERE collection_id = \(collectionID))
            """).first
        let (documents, chunks) = try row?.decode((Int, Int).self) ?? (0, 0)
        return (documents, chunks)
    }

    public func chunkIDs(collectionID: Int64) async throws -> [Int64] {
        try await rows("SELECT id FROM chunk WHERE collection_id = \(collectionID) ORDER BY id").map { try $0.decode(Int64.self) }
    }

    public func chunkVectorBatch(collectionID: Int64, dimension: Int, after: Int64, limit: Int) async throws -> (ids: [Int64], vectors: [Float]) {
        let rows = try await rows("""
            SELECT id, vector FROM chunk WHERE collection_id = \(collectionID) AND id > \(after) AND vector IS NOT NULL
            ORDER BY id LIMIT \(limit)
            """)
        return try Self.vectors(rows, dimension: dimension)
    }

    public func chunkVectors(ids: [Int64], dimension: Int) async throws -> (ids: [Int64], vectors: [Float]) {
        guard !ids.isEmpty else { return ([], []) }
        return try Self.vectors(try await rows("SELECT id, vector FROM chunk WHERE id = ANY(\(ids)) AND vector IS NOT NULL"),
                                dimension: dimension)
    }

    public func openingVectors(chunkIDs: [Int64], dimension: Int) async throws -> (documentIDs: [Int64], vectors: [Float]) {
        guard !chunkIDs.isEmpty else { return ([], []) }
        let found = try Self.vectors(try await rows("""
            SELECT document_id, vector FROM chunk
            WHERE ordinal = 0 AND vector IS NOT NULL AND document_id IN (SELECT document_id FROM chunk WHERE id = ANY(\(chunkIDs)))
            """), dimension: dimension)
        return (found.ids, found.vectors)
    }

    /// (id, vector) rows as ids and row-major vectors, skipping vectors of another size.
    static func vectors(_ rows: [PostgresRow], dimension: Int) throws -> (ids: [Int64], vectors: [Float]) {
        var ids: [Int64] = []
        var vectors: [Float] = []
        vectors.reserveCapacity(rows.count * dimension)
        for row in rows {
            let (id, buffer) = try row.decode((Int64, ByteBuffer).self)
            guard buffer.readableBytes == dimension * 4 else { continue }
            ids.append(id)
            buffer.withUnsafeReadableBytes { raw in vectors.append(contentsOf: raw.bindMemory(to: Float.self)) }
        }
        return (ids, vectors)
    }

    public func chunks(ids: [Int64], collectionID: Int64) async throws -> [StoredChunk] {
        guard !ids.isEmpty else { return [] }
        let rows = try await rows("""
            SELECT k.id, k.document_id, k.ordinal, k.heading_path, k.text, k.token_count, k.layout,
                   COALESCE(d.canonical_url, d.url), d.title
            FROM chunk k JOIN document d ON d.id = k.document_id
            WHERE k.collection_id = \(collectionID) AND k.id = ANY(\(ids))
            """)
        var byID: [Int64: StoredChunk] = [:]
        for row in rows {
            let (id, documentID, ordinal, heading, text, tokens, layout, url, title) =
                try row.decode((Int64, Int64, Int, String, String, Int, String, String, String).self)
            byID[id] = StoredChunk(id: id, documentID: documentID, ordinal: ordinal, headingPath: heading, text: text, tokenCount: tokens,
                                   url: url, title: title, layout: layout)
        }
        return ids.compactMap { byID[$0] }
    }

    public func chunks(documentID: Int64, ordinals: ClosedRange<Int>, collectionID: Int64) async throws -> [StoredChunk] {
        try await rows("""
            SELECT k.id, k.document_id, k.ordinal, k.heading_path, k.text, k.token_count, k.layout,
                   COALESCE(d.canonical_url, d.url), d.title
            FROM chunk k JOIN document d ON d.id = k.document_id
            WHERE k.collection_id = \(collectionID) AND k.document_id = \(documentID)
              AND k.ordinal BETWEEN \(ordinals.lowerBound) AND \(ordinals.upperBound)
            ORDER BY k.ordinal
            """).map { row in
            let (id, document, ordinal, heading, text, tokens, layout, url, title) =
                try row.decode((Int64, Int64, Int, String, String, Int, String, String, String).self)
            return StoredChunk(id: id, documentID: document, ordinal: ordinal, headingPath: heading, text: text, tokenCount: tokens,
                               url: url, title: title, layout: layout)
        }
    }
}

/// Chunks' lexical postings: per chunk and term, the term's count in the chunk's page title,
/// heading path and text, and each chunk's length in tokens (title + heading + text + the one
/// token SQLite's index gives the collection column) — what BM25 needs, as FTS5 counts it.
struct LexicalPostings {
    var terms: [String] = []
    var chunkIndexes: [Int] = []
    var title: [Int] = []
    var heading: [Int] = []
    var body: [Int] = []
    var lengths: [Int] = []

    /// `titles[i]` is the page title of `chunks[i]` (one page's chunks share it).
    init(titles: [String], chunks: [NewChunk]) {
        precondition(titles.count == chunks.count, "one title per chunk")
        var titleTokens: (title: String, tokens: [String], counts: [String: Int])?
        for (index, chunk) in chunks.enumerated() {
            if titleTokens?.title != titles[index] {
                let tokens = FullTextTokenizer.tokens(titles[index])
                titleTokens = (titles[index], tokens, Self.counts(tokens))
            }
            let titleCounts = titleTokens?.counts ?? [:]
            let headingTokens = FullTextTokenizer.tokens(chunk.headingPath)
            let bodyTokens = FullTextTokenizer.tokens(chunk.text)
            let headingCounts = Self.counts(headingTokens), bodyCounts = Self.counts(bodyTokens)
            lengths.append((titleTokens?.tokens.count ?? 0) + headingTokens.count + bodyTokens.count + 1)
            for term in Set(titleCounts.keys).union(headingCounts.keys).union(bodyCounts.keys).sorted() {
                terms.append(term)
                chunkIndexes.append(index)
                title.append(titleCounts[term] ?? 0)
                heading.append(headingCounts[term] ?? 0)
                body.append(bodyCounts[term] ?? 0)
            }
        }
    }

    static func counts(_ tokens: [String]) -> [String: Int] {
        tokens.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// Inserts the postings of chunks stored with `chunkIDs` in `collectionIDs` (by chunk index).
    func insert(chunkIDs: [Int64], collectionIDs: [Int64], on connection: PostgresConnection) async throws {
        try await connection.rows("""
            INSERT INTO chunk_term (collection_id, term, chunk_id, tf_title, tf_heading, tf_body, length)
            SELECT * FROM unnest(\(chunkIndexes.map { collectionIDs[$0] })::bigint[], \(terms)::text[],
                \(chunkIndexes.map { chunkIDs[$0] })::bigint[], \(title)::int[], \(heading)::int[], \(body)::int[],
                \(chunkIndexes.map { lengths[$0] })::int[])
            """)
    }
}
