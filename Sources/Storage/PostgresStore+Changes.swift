import Foundation
import PostgresNIO

extension PostgresStore: ChunkChangeLog {
    /// The channel chunk changes are announced on (`<collection>:<sequence>`, `<collection>:drop`).
    static let changeChannel = "nextraction_chunks"

    /// Appends a change to the collection's log, makes it the collection's newest and announces
    /// it (delivered at commit) — one round trip, inside the writing transaction, which holds
    /// the chunk-write lock, so sequence numbers increase in commit order.
    static func recordChange(on connection: PostgresConnection, collectionID: Int64, added: [Int64], removed: [Int64]) async throws {
        guard !added.isEmpty || !removed.isEmpty else { return }
        try await connection.rows("""
            WITH change AS (
                INSERT INTO chunk_change (collection_id, added, removed) VALUES (\(collectionID), \(added), \(removed)) RETURNING seq
            ), mark AS (
                UPDATE collection SET change_seq = change.seq FROM change WHERE id = \(collectionID) RETURNING change.seq
            )
            SELECT pg_notify(\(changeChannel), \(String(collectionID)) || ':' || seq) FROM mark
            """)
    }

    public func committedSequence(collectionID: Int64) async throws -> Int64? {
        try await rows("SELECT change_seq FROM collection WHERE id = \(collectionID)").first?.decode(Int64.self)
    }

    public func chunkChanges(collectionID: Int64, after: Int64, limit: Int) async throws -> ChunkChangePage {
        let floor = try await rows("SELECT change_floor FROM collection WHERE id = \(collectionID)").first?.decode(Int64.self) ?? 0
        let changes = try await rows("""
            SELECT seq, added, removed FROM chunk_change WHERE collection_id = \(collectionID) AND seq > \(after) ORDER BY seq LIMIT \(limit)
            """).map { row in
            let (sequence, added, removed) = try row.decode((Int64, [Int64], [Int64]).self)
            return ChunkChange(sequence: sequence, added: added, removed: removed)
        }
        return ChunkChangePage(changes: changes, floor: floor)
    }

    @discardableResult
    public func pruneChunkChanges(before date: Date) async throws -> Int {
        try await transaction { connection in
            try await connection.rows(Self.lock(Self.chunkWriteLock))
            try await connection.rows("""
                UPDATE collection SET change_floor = pruned.seq
                FROM (SELECT collection_id, max(seq) AS seq FROM chunk_change WHERE at < \(date) GROUP BY collection_id) pruned
                WHERE collection.id = pruned.collection_id
                """)
            return try await connection.rows("DELETE FROM chunk_change WHERE at < \(date) RETURNING seq").count
        }
    }

    /// Notifications from every server on this database, on a connection of their own that is
    /// re-established after a loss (a gap is harmless: readers compare sequence numbers
    /// before answering, and re-check every collection after a reconnect).
    public func changeNotifications() -> AsyncStream<ChangeNotification>? {
        let (stream, continuation) = AsyncStream.makeStream(of: ChangeNotification.self, bufferingPolicy: .bufferingNewest(4096))
        let task = Task { [client, logger] in
            var failures = 0
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.changeChannel) { notifications in
                            failures = 0
                            continuation.yield(.resynchronize)
                            for try await notification in notifications {
                                if let change = ChangeNotification(payload: notification.payload) { continuation.yield(change) }
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    failures += 1
                    logger.warning("change notifications interrupted; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
                }
                // Back off while the database is away (a bounded retry interval, not a timing assumption).
                try? await Task.sleep(for: .milliseconds(min(5000, 100 * (1 << min(failures, 6)))))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
