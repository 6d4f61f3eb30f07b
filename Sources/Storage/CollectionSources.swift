import Foundation
import GRDB
import PostgresNIO

/// Where a collection's pages come from: a start URL with its crawl settings (the ingest
/// parameters, as JSON), and, when it is re-synced on a schedule, how often. Every ingest
/// records its source, so "re-sync now" and the schedule crawl it again incrementally.
public struct CollectionSource: Sendable, Equatable {
    public var id: Int64
    public var collectionID: Int64
    public var url: String
    /// The ingest parameters of its latest crawl (JSON).
    public var params: String
    /// Seconds between scheduled re-syncs; nil: only on request.
    public var refreshEvery: Double?
    public var lastSyncAt: Date?
    public var nextSyncAt: Date?
    public var lastJobID: String?

    public init(id: Int64, collectionID: Int64, url: String, params: String, refreshEvery: Double?, lastSyncAt: Date?, nextSyncAt: Date?,
                lastJobID: String?) {
        (self.id, self.collectionID, self.url, self.params, self.refreshEvery) = (id, collectionID, url, params, refreshEvery)
        (self.lastSyncAt, self.nextSyncAt, self.lastJobID) = (lastSyncAt, nextSyncAt, lastJobID)
    }
}

extension AppDatabase {
    public func recordSource(collectionID: Int64, url: String, params: String, refreshEvery: Double?, jobID: String, at date: Date) throws {
        let next = refreshEvery.map { date.addingTimeInterval($0) }
        try write { db in
            try db.execute(sql: """
                INSERT INTO collection_source (collection_id, url, params, refresh_every, last_sync_at, next_sync_at, last_job_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (collection_id, url) DO UPDATE SET params = excluded.params, refresh_every = excluded.refresh_every,
                    last_sync_at = excluded.last_sync_at, next_sync_at = excluded.next_sync_at, last_job_id = excluded.last_job_id
                """, arguments: [collectionID, url, params, refreshEvery, date, next, jobID])
        }
    }

    public func sources(collectionID: Int64) throws -> [CollectionSource] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM collection_source WHERE collection_id = ? ORDER BY id", arguments: [collectionID])
                .map(Self.source)
        }
    }

    public func claimDueSource(now: Date) throws -> (source: CollectionSource, userID: Int64)? {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.*, c.user_id AS owner FROM collection_source s JOIN collection c ON c.id = s.collection_id
                WHERE s.next_sync_at IS NOT NULL AND s.next_sync_at <= ? ORDER BY s.next_sync_at, s.id LIMIT 1
                """, arguments: [now]) else { return nil }
            let source = Self.source(row)
            // Claimed by moving its next time on: no other claimer (or server) takes it again.
            try db.execute(sql: "UPDATE collection_source SET next_sync_at = ?, last_sync_at = ? WHERE id = ?",
                           arguments: [now.addingTimeInterval(source.refreshEvery ?? 86400), now, source.id])
            return (source, row["owner"])
        }
    }

    public func recordSync(sourceID: Int64, jobID: String, at date: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE collection_source SET last_job_id = ?, last_sync_at = ? WHERE id = ?", arguments: [jobID, date, sourceID])
        }
    }

    static func source(_ row: Row) -> CollectionSource {
        CollectionSource(id: row["id"], collectionID: row["collection_id"], url: row["url"], params: row["params"],
                         refreshEvery: row["refresh_every"], lastSyncAt: row["last_sync_at"], nextSyncAt: row["next_sync_at"],
                         lastJobID: row["last_job_id"])
    }
}

extension PostgresStore: SourceStore {
    static let sourceColumns = "s.id, s.collection_id, s.url, s.params, s.refresh_every, s.last_sync_at, s.next_sync_at, s.last_job_id"

    static func source(_ row: PostgresRow) throws -> CollectionSource {
        let (id, collection, url, params, every, last, next, job) =
            try row.decode((Int64, Int64, String, String, Double?, Date?, Date?, String?).self)
        return CollectionSource(id: id, collectionID: collection, url: url, params: params, refreshEvery: every, lastSyncAt: last,
                                nextSyncAt: next, lastJobID: job)
    }

    public func recordSource(collectionID: Int64, url: String, params: String, refreshEvery: Double?, jobID: String, at date: Date) async throws {
        let next = refreshEvery.map { date.addingTimeInterval($0) }
        try await execute("""
            INSERT INTO collection_source (collection_id, url, params, refresh_every, last_sync_at, next_sync_at, last_job_id)
            VALUES (\(collectionID), \(url), \(params), \(refreshEvery), \(date), \(next), \(jobID))
            ON CONFLICT (collection_id, url) DO UPDATE SET params = excluded.params, refresh_every = excluded.refresh_every,
                last_sync_at = excluded.last_sync_at, next_sync_at = excluded.next_sync_at, last_job_id = excluded.last_job_id
            """)
    }

    public func sources(collectionID: Int64) async throws -> [CollectionSource] {
        try await rows("SELECT \(unescaped: Self.sourceColumns) FROM collection_source s WHERE s.collection_id = \(collectionID) ORDER BY s.id")
            .map(Self.source)
    }

    /// `FOR UPDATE SKIP LOCKED`: servers claiming at once each get a different due source.
    public func claimDueSource(now: Date) async throws -> (source: CollectionSource, userID: Int64)? {
        guard let row = try await rows("""
            UPDATE collection_source s SET next_sync_at = \(now) + make_interval(secs => COALESCE(s.refresh_every, 86400)), last_sync_at = \(now)
            FROM collection c
            WHERE c.id = s.collection_id AND s.id = (
                SELECT id FROM collection_source WHERE next_sync_at IS NOT NULL AND next_sync_at <= \(now)
                ORDER BY next_sync_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.sourceColumns), c.user_id
            """).first else { return nil }
        let (id, collection, url, params, every, last, next, job, owner) =
            try row.decode((Int64, Int64, String, String, Double?, Date?, Date?, String?, Int64).self)
        return (CollectionSource(id: id, collectionID: collection, url: url, params: params, refreshEvery: every, lastSyncAt: last,
                                 nextSyncAt: next, lastJobID: job), owner)
    }

    public func recordSync(sourceID: Int64, jobID: String, at date: Date) async throws {
        try await execute("UPDATE collection_source SET last_job_id = \(jobID), last_sync_at = \(date) WHERE id = \(sourceID)")
    }
}
