import Foundation
import PostgresNIO

extension PostgresStore: JobQueue {
    static func job(_ row: PostgresRow) throws -> JobRecord {
        let r = row.named
        return JobRecord(
            id: try r.get("id"), userID: try r.get("user_id"), collectionID: try r.get("collection_id"), kind: try r.get("kind"),
            status: try r.get("status"), params: try r.get("params"), discovered: try r.get("discovered"), fetched: try r.get("fetched"),
            indexed: try r.get("indexed"), skipped: try r.get("skipped"), failed: try r.get("failed"), chunks: try r.get("chunks"),
            unchanged: try r.get("unchanged"), removed: try r.get("removed"), error: try r.get("error"),
            createdAt: try r.get("created_at"), startedAt: try r.get("started_at"), finishedAt: try r.get("finished_at"),
            updatedAt: try r.get("updated_at"), cancelRequested: try r.get("cancel_requested"), attempts: try r.get("attempts"),
            worker: try r.get("worker"), heartbeatAt: try r.get("heartbeat_at"))
    }

    public func createJob(userID: Int64, collectionID: Int64?, kind: String, params: String, at date: Date) async throws -> JobRecord {
        let id = UUID().uuidString.lowercased()
        let rows = try await rows("""
            INSERT INTO job (id, user_id, collection_id, kind, status, params, created_at, updated_at)
            VALUES (\(id), \(userID), \(collectionID), \(kind), 'queued', \(params), \(date), \(date)) RETURNING *
            """)
        guard let row = rows.first else { throw StorageError.database("insert returned no row") }
        return try Self.job(row)
    }

    public func job(id: String, userID: Int64) async throws -> JobRecord? {
        try await rows("SELECT * FROM job WHERE id = \(id) AND user_id = \(userID)").first.map(Self.job)
    }

    public func job(id: String) async throws -> JobRecord? {
        try await rows("SELECT * FROM job WHERE id = \(id)").first.map(Self.job)
    }

    public func jobs(userID: Int64, limit: Int) async throws -> [JobRecord] {
        try await rows("SELECT * FROM job WHERE user_id = \(userID) ORDER BY created_at DESC LIMIT \(limit)").map(Self.job)
    }

    /// `FOR UPDATE SKIP LOCKED`: servers claiming at the same moment each get another job.
    public func claimNextJob(worker: String, staleBefore: Date, maxAttempts: Int, now: Date) async throws -> JobRecord? {
        try await transaction { connection in
            while let row = try await connection.rows("""
                SELECT * FROM job
                WHERE (status = 'queued' AND NOT cancel_requested) OR (status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < \(staleBefore)))
                ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED
                """).first {
                let job = try Self.job(row)
                if job.cancelRequested {
                    try await connection.rows("UPDATE job SET status = 'cancelled', finished_at = \(now), updated_at = \(now) WHERE id = \(job.id)")
                    continue
                }
                if job.attempts >= maxAttempts {
                    try await connection.rows("""
                        UPDATE job SET status = 'failed', error = \("interrupted \(job.attempts) times; giving up"), finished_at = \(now),
                               updated_at = \(now) WHERE id = \(job.id)
                        """)
                    continue
                }
                return try await connection.rows("""
                    UPDATE job SET status = 'running', worker = \(worker), heartbeat_at = \(now), attempts = attempts + 1,
                           started_at = COALESCE(started_at, \(now)), updated_at = \(now) WHERE id = \(job.id) RETURNING *
                    """).first.map(Self.job)
            }
            return nil
        }
    }

    @discardableResult
    public func requeueJobs(ofWorkerOtherThan worker: String, staleBefore: Date) async throws -> Int {
        try await rows("""
            UPDATE job SET status = 'queued', worker = NULL, updated_at = \(Date())
            WHERE status = 'running' AND (worker IS NULL OR worker <> \(worker)) AND (heartbeat_at IS NULL OR heartbeat_at < \(staleBefore))
            RETURNING 1
            """).count
    }

    @discardableResult
    public func heartbeat(jobID: String, worker: String, progress p: JobProgress, now: Date) async throws -> Bool {
        let rows = try await rows("""
            UPDATE job SET discovered = \(p.discovered), fetched = \(p.fetched), indexed = \(p.indexed), skipped = \(p.skipped),
                   failed = \(p.failed), chunks = \(p.chunks), unchanged = \(p.unchanged), removed = \(p.removed),
                   heartbeat_at = \(now), updated_at = \(now)
            WHERE id = \(jobID) AND worker = \(worker) AND status = 'running'
            RETURNING cancel_requested
            """)
        guard let row = rows.first else { return false }
        return try !row.decode(Bool.self)
    }

    public func startJob(id: String, worker: String, now: Date) async throws {
        try await execute("""
            UPDATE job SET status = 'running', worker = \(worker), heartbeat_at = \(now), attempts = attempts + 1,
                   started_at = COALESCE(started_at, \(now)), updated_at = \(now) WHERE id = \(id)
            """)
    }

    public func finishJob(id: String, status: String, error: String?, progress p: JobProgress, now: Date) async throws {
        try await execute("""
            UPDATE job SET status = \(status), error = \(error), discovered = \(p.discovered), fetched = \(p.fetched),
                   indexed = \(p.indexed), skipped = \(p.skipped), failed = \(p.failed), chunks = \(p.chunks),
                   unchanged = \(p.unchanged), removed = \(p.removed), finished_at = \(now), updated_at = \(now) WHERE id = \(id)
            """)
    }

    public func requestCancel(jobID: String, userID: Int64, now: Date) async throws -> JobRecord? {
        let updated = try await rows("""
            UPDATE job SET cancel_requested = true, updated_at = \(now),
                   status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                   finished_at = CASE WHEN status = 'queued' THEN \(now) ELSE finished_at END
            WHERE id = \(jobID) AND user_id = \(userID)
              AND status IN ('queued', 'running')
            RETURNING *
            """).first.map(Self.job)
        if let updated { return updated }
        return try await job(id: jobID, userID: userID)
    }

    public func deleteJob(id: String, userID: Int64) async throws -> JobDeletion {
        if try await !rows("DELETE FROM job WHERE id = \(id) AND user_id = \(userID) AND status NOT IN ('queued', 'running') RETURNING 1").isEmpty {
            return .deleted
        }
        return try await job(id: id, userID: userID) == nil ? .notFound : .active
    }

    public func appendJobPages(_ entries: [JobPageRecord]) async throws {
        guard !entries.isEmpty else { return }
        try await transaction { connection in
            for e in entries {
                try await connection.rows("""
                    INSERT INTO job_page (job_id, url, status, reason, detail, http_status, depth, chunks, created_at)
                    VALUES (\(e.jobID), \(e.url), \(e.status), \(e.reason), \(e.detail), \(e.httpStatus), \(e.depth), \(e.chunks),
                            \(e.createdAt))
                    """)
            }
        }
    }

    public func clearJobPages(jobID: String) async throws {
        try await execute("DELETE FROM job_page WHERE job_id = \(jobID)")
    }

    public func jobPages(jobID: String, offset: Int, limit: Int, status: String?) async throws -> (pages: [JobPageRecord], total: Int) {
        let rows = try await rows("""
            SELECT id, job_id, url, status, reason, detail, http_status, depth, chunks, created_at, count(*) OVER () AS total
            FROM job_page WHERE job_id = \(jobID) AND (\(status)::text IS NULL OR status = \(status))
            ORDER BY id LIMIT \(limit) OFFSET \(offset)
            """)
        var total = 0
        let pages = try rows.map { row in
            let (id, job, url, status, reason, detail, http, depth, chunks, created, count) =
                try row.decode((Int64, String, String, String, String?, String?, Int?, Int?, Int, Date, Int).self)
            total = count
            var page = JobPageRecord(jobID: job, url: url, status: status, reason: reason, detail: detail, httpStatus: http,
                                     depth: depth, chunks: chunks, createdAt: created)
            page.id = id
            return page
        }
        if pages.isEmpty, offset > 0 {
            total = try await self.rows("""
                SELECT count(*) FROM job_page WHERE job_id = \(jobID) AND (\(status)::text IS NULL OR status = \(status))
                """).first?.decode(Int.self) ?? 0
        }
        return (pages, total)
    }
}
