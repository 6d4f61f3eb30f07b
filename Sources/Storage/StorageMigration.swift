import Foundation
import GRDB
import PostgresNIO

/// Copies a SQLite database (a data folder's `nextraction.sqlite`) into an empty PostgreSQL
/// database: accounts with their bcrypt hashes, revoked tokens, API keys (hashes), collections, documents, chunks
/// with their vectors (and the lexical postings PostgreSQL's BM25 needs), jobs with their page
/// logs, plans, executions and counted generations. Ids are kept, so every reference stays
/// right; caches and throttle counters are not copied (they refill). Each table is copied in
/// batches, each batch in one transaction, and the row counts are compared at the end.
public enum StorageMigration {
    /// Progress of one table.
    public struct Progress: Sendable {
        public var table: String
        public var copied: Int
        public var total: Int
    }

    /// A table's row counts on both sides after the copy.
    public struct Count: Sendable, Equatable {
        public var table: String
        public var source: Int
        public var target: Int
    }

    /// A column and the PostgreSQL type its SQLite values are cast to.
    struct Column {
        var name: String
        var type: String
        /// The SQLite expression to read (default: the column itself).
        var source: String?
    }

    struct Table {
        var name: String
        var target: String
        var columns: [Column]
        /// Tables with an identity column get their sequence moved past the copied ids.
        var identity: Bool
    }

    static func c(_ name: String, _ type: String, from source: String? = nil) -> Column { Column(name: name, type: type, source: source) }

    /// In dependency order (a row's references are copied before it).
    static let tables: [Table] = [
        Table(name: "user", target: "app_user", columns: [c("id", "bigint"), c("email", "text"), c("password_hash", "text"),
                                                         c("created_at", "timestamptz")], identity: true),
        Table(name: "revoked_token", target: "revoked_token", columns: [c("jti", "text"), c("user_id", "bigint"), c("expires_at", "timestamptz"),
                                                                      c("revoked_at", "timestamptz")], identity: false),
        Table(name: "api_key", target: "api_key", columns: [c("id", "bigint"), c("user_id", "bigint"), c("name", "text"), c("prefix", "text"),
                                                           c("hash", "text"), c("scopes", "text"), c("created_at", "timestamptz"),
                                                           c("last_used_at", "timestamptz"), c("expires_at", "timestamptz")], identity: true),
        Table(name: "collection", target: "collection", columns: [c("id", "bigint"), c("user_id", "bigint"), c("name", "text"),
                                                                 c("created_at", "timestamptz"), c("embed_precision", "text")], identity: true),
        Table(name: "collection_source", target: "collection_source", columns: [
            c("id", "bigint"), c("collection_id", "bigint"), c("url", "text"), c("params", "text"), c("refresh_every", "double precision"),
            c("last_sync_at", "timestamptz"), c("next_sync_at", "timestamptz"), c("last_job_id", "text"),
        ], identity: true),
        Table(name: "document", target: "document", columns: [
            c("id", "bigint"), c("collection_id", "bigint"), c("url", "text"), c("canonical_url", "text"), c("title", "text"), c("lang", "text"),
            c("content_hash", "text"), c("fetched_at", "timestamptz"), c("etag", "text"), c("last_modified", "text"), c("links", "text"),
            c("http_status", "int"), c("depth", "int"), c("bytes", "bigint"), c("updated_at", "timestamptz"),
        ], identity: true),
        // Chunks are copied by `copyChunks` (they gain their collection, length and postings).
        Table(name: "chunk", target: "chunk", columns: [], identity: true),
        Table(name: "job", target: "job", columns: [
            c("id", "text"), c("user_id", "bigint"), c("collection_id", "bigint"), c("kind", "text"), c("status", "text"), c("params", "text"),
            c("discovered", "int"), c("fetched", "int"), c("indexed", "int"), c("skipped", "int"), c("failed", "int"), c("chunks", "int"),
            c("unchanged", "int"), c("removed", "int"), c("error", "text"), c("cancel_requested", "bool"), c("attempts", "int"),
            c("worker", "text"), c("heartbeat_at", "timestamptz"), c("created_at", "timestamptz"), c("started_at", "timestamptz"),
            c("finished_at", "timestamptz"), c("updated_at", "timestamptz"),
        ], identity: false),
        // The files of upload jobs still queued (they are removed when their job ends).
        Table(name: "upload_file", target: "upload_file", columns: [c("id", "bigint"), c("batch", "text"), c("name", "text"),
                                                                   c("kind", "text"), c("bytes", "bytea"), c("created_at", "timestamptz")],
              identity: true),
        Table(name: "job_page", target: "job_page", columns: [
            c("id", "bigint"), c("job_id", "text"), c("url", "text"), c("status", "text"), c("reason", "text"), c("detail", "text"),
            c("http_status", "int"), c("depth", "int"), c("chunks", "int"), c("created_at", "timestamptz"),
        ], identity: true),
        Table(name: "plan", target: "plan", columns: [c("id", "text"), c("user_id", "bigint"), c("title", "text"), c("body", "text"),
                                                     c("step_count", "int"), c("created_at", "timestamptz")], identity: false),
        Table(name: "execution", target: "execution", columns: [
            c("id", "text"), c("user_id", "bigint"), c("plan_id", "text"), c("workflow", "text"), c("status", "text"), c("error", "text"),
            c("state", "text"), c("created_at", "timestamptz"), c("updated_at", "timestamptz"), c("finished_at", "timestamptz"),
        ], identity: false),
        Table(name: "conversation", target: "conversation", columns: [c("id", "text"), c("user_id", "bigint"), c("title", "text"),
                                                                     c("created_at", "timestamptz"), c("updated_at", "timestamptz")],
              identity: false),
        Table(name: "conversation_turn", target: "conversation_turn", columns: [
            c("id", "bigint"), c("conversation_id", "text"), c("question", "text"), c("collection", "text"), c("answer", "text"),
            c("answerable", "bool"), c("mode", "text"), c("citations", "text"), c("sources", "text"), c("searched_question", "text"),
            c("created_at", "timestamptz"),
        ], identity: true),
        Table(name: "generation", target: "generation", columns: [c("id", "bigint"), c("user_id", "bigint"), c("kind", "text"),
                                                                 c("pending", "bool"), c("created_at", "timestamptz")], identity: true),
    ]

    /// Copies `source` into `target`, which must be empty; returns the row counts per table.
    public static func copy(from source: AppDatabase, to target: PostgresStore, batchSize: Int = 500,
                            progress: @escaping @Sendable (Progress) -> Void) async throws -> [Count] {
        let existing = try await target.rows("""
            SELECT (SELECT count(*) FROM app_user) + (SELECT count(*) FROM collection) + (SELECT count(*) FROM job) + (SELECT count(*) FROM plan)
            """).first?.decode(Int.self) ?? 0
        guard existing == 0 else {
            throw StorageError.notEmpty("\(target.url) already holds accounts, collections, jobs or plans; migrate copies only into an empty database")
        }
        var counts: [Count] = []
        for table in tables {
            let total = try source.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.name)") ?? 0 }
            progress(Progress(table: table.target, copied: 0, total: total))
            if table.name == "chunk" {
                try await copyChunks(from: source, to: target, total: total, batchSize: batchSize, progress: progress)
            } else {
                try await copyRows(table, from: source, to: target, total: total, batchSize: batchSize, progress: progress)
            }
            if table.identity {
                try await target.execute(PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table.target)', 'id'), GREATEST((SELECT max(id) FROM \(table.target)), 1))
                    """))
            }
            let copied = try await target.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table.target)")).first?.decode(Int.self) ?? 0
            counts.append(Count(table: table.target, source: total, target: copied))
        }
        return counts
    }

    /// A table's rows in batches of `batchSize` (by SQLite rowid), each one multi-row INSERT.
    static func copyRows(_ table: Table, from source: AppDatabase, to target: PostgresStore, total: Int, batchSize: Int,
                         progress: @escaping @Sendable (Progress) -> Void) async throws {
        var after: Int64 = -1
        var copied = 0
        let names = table.columns.map(\.name)
        let selected = table.columns.map { $0.source ?? "\"\($0.name)\"" }.joined(separator: ", ")
        while true {
            let rows: [(rowid: Int64, values: [DatabaseValue])] = try source.read { db in
                try Row.fetchAll(db, sql: "SELECT rowid, \(selected) FROM \"\(table.name)\" WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                 arguments: [after, batchSize]).map { row in
                    (row[0] as Int64, (1...names.count).map { row[$0] as DatabaseValue })
                }
            }
            guard let last = rows.last else { return }
            var bindings = PostgresBindings(capacity: rows.count * names.count)
            var tuples: [String] = []
            for row in rows {
                var placeholders: [String] = []
                for (column, value) in zip(table.columns, row.values) {
                    try bind(value, as: column.type, into: &bindings)
                    placeholders.append("$\(bindings.count)::\(column.type)")
                }
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            let sql = "INSERT INTO \(table.target) (\(names.joined(separator: ", "))) VALUES " + tuples.joined(separator: ", ")
            try await target.execute(PostgresQuery(unsafeSQL: sql, binds: bindings))
            after = last.rowid
            copied += rows.count
            progress(Progress(table: table.target, copied: copied, total: total))
        }
    }

    /// Chunks with their document's collection and title: stored as `storePage` stores them
    /// (length and postings computed the same way), ids kept.
    static func copyChunks(from source: AppDatabase, to target: PostgresStore, total: Int, batchSize: Int,
                           progress: @escaping @Sendable (Progress) -> Void) async throws {
        var after: Int64 = 0
        var copied = 0
        while true {
            let rows: [(id: Int64, documentID: Int64, collectionID: Int64, title: String, chunk: NewChunk)] = try source.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT chunk.id, chunk.document_id, document.collection_id, document.title, chunk.ordinal, chunk.heading_path,
                           chunk.text, chunk.token_count, chunk.vector, chunk.content_hash, chunk.layout
                    FROM chunk JOIN document ON document.id = chunk.document_id WHERE chunk.id > ? ORDER BY chunk.id LIMIT ?
                    """, arguments: [after, batchSize]).map { row in
                    var vector: [Float] = []
                    if let blob: Data = row["vector"] { VectorBlob.decode(blob, into: &vector) }
                    return (row["id"], row["document_id"], row["collection_id"], row["title"],
                            NewChunk(ordinal: row["ordinal"], headingPath: row["heading_path"], text: row["text"], tokenCount: row["token_count"],
                                     vector: vector, contentHash: row["content_hash"], layout: row["layout"]))
                }
            }
            guard let last = rows.last else { return }
            let chunks = rows.map(\.chunk)
            let postings = LexicalPostings(titles: rows.map(\.title), chunks: chunks)
            try await target.transaction { connection in
                try await connection.rows("""
                    INSERT INTO chunk (id, document_id, collection_id, ordinal, heading_path, text, token_count, vector, content_hash, layout,
                                       lexical_length)
                    SELECT * FROM unnest(\(rows.map(\.id))::bigint[], \(rows.map(\.documentID))::bigint[], \(rows.map(\.collectionID))::bigint[],
                        \(chunks.map(\.ordinal))::int[], \(chunks.map(\.headingPath))::text[], \(chunks.map(\.text))::text[],
                        \(chunks.map(\.tokenCount))::int[], \(chunks.map { chunk in chunk.vector.withUnsafeBytes { ByteBuffer(bytes: $0) } })::bytea[],
                        \(chunks.map(\.contentHash))::text[], \(chunks.map(\.layout))::text[], \(postings.lengths)::int[])
                    """)
                try await postings.insert(chunkIDs: rows.map(\.id), collectionIDs: rows.map(\.collectionID), on: connection)
            }
            after = last.id
            copied += rows.count
            progress(Progress(table: "chunk", copied: copied, total: total))
        }
    }

    /// Appends a SQLite value as the PostgreSQL `type` its placeholder is cast to.
    static func bind(_ value: DatabaseValue, as type: String, into bindings: inout PostgresBindings) throws {
        switch value.storage {
        case .null:
            bindings.appendNull()
        case .int64(let number):
            switch type {
            case "bool": bindings.append(number != 0)
            case "text": bindings.append(String(number))
            default: bindings.append(number)
            }
        case .double(let number):
            bindings.append(number)
        case .string(let text):
            // GRDB writes dates as UTC text ("2026-11-30 07:45:50.123"): PostgreSQL reads them
            // as UTC when they say so.
            bindings.append(type == "timestamptz" && !text.hasSuffix("Z") && !text.contains("+") ? text + "+00" : text)
        case .blob(let data):
            bindings.append(ByteBuffer(bytes: data))
        }
    }
}
