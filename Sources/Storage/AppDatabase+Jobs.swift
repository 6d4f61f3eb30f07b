import Foundation
import GRDB

extension AppDatabase {
    /// Queues a new job.
    public func createJob(userID: Int64, collectionID: Int64?, kind: String, params: String, at date: Date = Date()) throws -> JobRecord {
        try write { db in
            let job = JobRecord(
                id: UUID().uuidString.lowercased(), userID: userID, collectionID: collectionID, kind: kind, status: "queued",
                params: params, discovered: 0, fetched: 0, indexed: 0, skipped: 0, failed: 0, chunks: 0, unchanged: 0, removed: 0,
                error: nil, createdAt: date, startedAt: nil, finishedAt: nil, updatedAt: date, cancelRequested: false,
                attempts: 0, worker: nil, heartbeatAt: nil
            )
            try job.insert(db)
            return job
        }
    }

    /// The job, if it belongs to `userID` (nil otherwise: other users' jobs do not exist for them).
    public func job(id: String, userID: Int64) throws -> JobRecord? {
        try read { db in try JobRecord.filter(JobRecord.Columns.id == id && JobRecord.Columns.userID == userID).fetchOne(db) }
    }

    /// The job, whoever owns it (for the job runner).
    public func job(id: String) throws -> JobRecord? {
        try read { db in try JobRecord.fetchOne(db, key: id) }
    }

    /// The user's jobs, newest first.
    public func jobs(userID: Int64, limit: Int = 100) throws -> [JobRecord] {
        try read { db in
            try JobRecord.filter(JobRecord.Columns.userID == userID)
                .order(JobRecord.Columns.createdAt.desc).limit(limit).fetchAll(db)
        }
    }

    /// Claims the oldest queued job — or a running one whose worker stopped sending
    /// heartbeats before `staleBefore` (its process died) — for `worker`. A job started more
    /// than `maxAttempts` times is failed instead of retried again.
    public func claimNextJob(worker: String, staleBefore: Date, maxAttempts: Int = 5, now: Date = Date()) throws -> JobRecord? {
        try write { db in
            while let job = try JobRecord.fetchOne(db, sql: """
                SELECT * FROM job
                WHERE (status = 'queued' AND cancel_requested = 0) OR (status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < ?))
                ORDER BY created_at LIMIT 1
                """, arguments: [staleBefore]) {
                if job.cancelRequested {
                    try db.execute(sql: "UPDATE job SET status = 'cancelled', finished_at = ?, updated_at = ? WHERE id = ?", arguments: [now, now, job.id])
                    continue
                }
                if job.attempts >= maxAttempts {
                    try db.execute(sql: """
                        UPDATE job SET status = 'failed', error = ?, finished_at = ?, updated_at = ? WHERE id = ?
                        """, arguments: ["interrupted \(job.attempts) times; giving up", now, now, job.id])
                    continue
                }
                try db.execute(sql: """
                    UPDATE job SET status = 'running', worker = ?, heartbeat_at = ?, attempts = attempts + 1,
                           started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?
                    """, arguments: [worker, now, now, now, job.id])
                return try JobRecord.fetchOne(db, key: job.id)
            }
            return nil
        }
    }

    /// Marks stale running jobs of a dead worker as queued again (at start-up); returns them.
    @discardableResult
    public func requeueJobs(ofWorkerOtherThan worker: String, staleBefore: Date) throws -> Int {
        try write { db in
            try db.execute(sql: """
                UPDATE job SET status = 'queued', worker = NULL, updated_at = ?
                WHERE status = 'running' AND (worker IS NULL OR worker != ?) AND (heartbeat_at IS NULL OR heartbeat_at < ?)
                """, arguments: [Date(), worker, staleBefore])
            return db.changesCount
        }
    }

    /// Saves progress and the heartbeat; returns false when the job is no longer this
    /// worker's to run (cancelled, reclaimed) — the runner then stops.
    @discardableResult
    public func heartbeat(jobID: String, worker: String, progress: JobProgress, now: Date = Date()) throws -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE job SET discovered = ?, fetched = ?, indexed = ?, skipped = ?, failed = ?, chunks = ?, unchanged = ?,
                       removed = ?, heartbeat_at = ?, updated_at = ?
                WHERE id = ? AND worker = ? AND status = 'running'
                """, arguments: [progress.discovered, progress.fetched, progress.indexed, progress.skipped, progress.failed,
                                 progress.chunks, progress.unchanged, progress.removed, now, now, jobID, worker])
            guard db.changesCount == 1 else { return false }
            let cancel = try Bool.fetchOne(db, sql: "SELECT cancel_requested FROM job WHERE id = ?", arguments: [jobID]) ?? false
            return !cancel
        }
    }

    /// Ends a job with its final status, progress and error.
    public func finishJob(id: String, status: String, error: String?, progress: JobProgress, now: Date = Date()) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE job SET status = ?, error = ?, discovered = ?, fetched = ?, indexed = ?, skipped = ?, failed = ?, chunks = ?,
                       unchanged = ?, removed = ?, finished_at = ?, updated_at = ? WHERE id = ?
                """, arguments: [status, error, progress.discovered, progress.fetched, progress.indexed, progress.skipped,
                                 progress.failed, progress.chunks, progress.unchanged, progress.removed, now, now, id])
        }
    }

    /// Asks for a job to stop: a queued one is cancelled at once, a running one at its next
    /// heartbeat. Returns the updated job (nil: not this user's job).
    public func requestCancel(jobID: String, userID: Int64, now: Date = Date()) throws -> JobRecord? {
        try write { db in
            guard let job = try JobRecord.filter(JobRecord.Columns.id == jobID && JobRecord.Columns.userID == userID).fetchOne(db) else {
                return nil
            }
            if job.status == "queued" {
                try db.execute(sql: "UPDATE job SET status = 'cancelled', cancel_requested = 1, finished_at = ?, updated_at = ? WHERE id = ?",
                               arguments: [now, now, jobID])
            } else if job.status == "running" {
                try db.execute(sql: "UPDATE job SET cancel_requested = 1, updated_at = ? WHERE id = ?", arguments: [now, jobID])
            }
            return try JobRecord.fetchOne(db, key: jobID)
        }
    }

    public func deleteJob(id: String, userID: Int64) throws -> JobDeletion {
        try write { db in
            guard let job = try JobRecord.filter(JobRecord.Columns.id == id && JobRecord.Columns.userID == userID).fetchOne(db) else {
                return .notFound
            }
            guard !["queued", "running"].contains(job.status) else { return .active }
            try db.execute(sql: "DELETE FROM job WHERE id = ?", arguments: [id])
            return .deleted
        }
    }

    /// Appends lines to a job's per-URL log.
    public func appendJobPages(_ entries: [JobPageRecord]) throws {
        guard !entries.isEmpty else { return }
        try write { db in
            for var entry in entries { try entry.insert(db) }
        }
    }

    /// Forgets a job's per-URL log (when a resumed job starts over).
    public func clearJobPages(jobID: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM job_page WHERE job_id = ?", arguments: [jobID]) }
    }

    /// A page of a job's per-URL log, in order, and the total number of lines.
    public func jobPages(jobID: String, offset: Int, limit: Int, status: String? = nil) throws -> (pages: [JobPageRecord], total: Int) {
        try read { db in
            var request = JobPageRecord.filter(Column("job_id") == jobID)
            if let status { request = request.filter(Column("status") == status) }
            let total = try request.fetchCount(db)
            let pages = try request.order(Column("id")).limit(limit, offset: offset).fetchAll(db)
            return (pages, total)
        }
    }
}

extension AppDatabase {
    /// Marks a job as running under `worker` (a job the CLI runs itself, in-process).
    public func startJob(id: String, worker: String, now: Date = Date()) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE job SET status = 'running', worker = ?, heartbeat_at = ?, attempts = attempts + 1,
                       started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?
                """, arguments: [worker, now, now, now, id])
        }
    }

    /// Every collection with its owner's email (for CLI maintenance commands).
    public func allCollections() throws -> [(collection: CollectionRecord, email: String)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT collection.id, collection.user_id, collection.name, collection.created_at, user.email
                FROM collection JOIN user ON user.id = collection.user_id ORDER BY user.email, collection.name
                """).map { row in
                (CollectionRecord(id: row["id"], userID: row["user_id"], name: row["name"], createdAt: row["created_at"]), row["email"])
            }
        }
    }

    public func embedPrecision(collectionID: Int64) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT embed_precision FROM collection WHERE id = ?", arguments: [collectionID]) }
    }

    public func setEmbedPrecision(collectionID: Int64, precision: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE collection SET embed_precision = ? WHERE id = ?", arguments: [precision, collectionID])
        }
    }
}

extension AppDatabase {
    /// Counts for the metrics endpoint: queued and running jobs, stored chunks.
    public func operationalCounts() throws -> (queuedJobs: Int, runningJobs: Int, chunks: Int) {
        try read { db in
            let queued = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE status = 'queued'") ?? 0
            let running = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE status = 'running'") ?? 0
            let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunk") ?? 0
            return (queued, running, chunks)
        }
    }
}
