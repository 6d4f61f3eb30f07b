import Foundation
import GRDB

/// A stored plan (its JSON body as uploaded, validated by the orchestrator).
public struct PlanRecord: Sendable, Equatable {
    public var id: String
    public var userID: Int64
    public var title: String
    public var body: String
    public var stepCount: Int
    public var createdAt: Date

    public init(id: String, userID: Int64, title: String, body: String, stepCount: Int, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.title = title
        self.body = body
        self.stepCount = stepCount
        self.createdAt = createdAt
    }
}

/// A plan execution; `state` is the orchestrator's JSON snapshot (steps, stages, metrics).
public struct ExecutionRecord: Sendable, Equatable {
    public var id: String
    public var userID: Int64
    public var planID: String?
    public var workflow: String
    public var status: String
    public var error: String?
    public var state: String
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
    /// The plan as JSON (what another server needs to resume it; nil for executions stored
    /// before executions could be resumed).
    public var plan: String?
    /// The quota reservation the execution confirms or releases when it ends.
    public var reservationID: Int64?
    /// The server running it, its last heartbeat, and how many times it was claimed.
    public var worker: String?
    public var heartbeatAt: Date?
    public var attempts: Int

    public init(id: String, userID: Int64, planID: String?, workflow: String, status: String, error: String?, state: String,
                createdAt: Date, updatedAt: Date, finishedAt: Date?, plan: String? = nil, reservationID: Int64? = nil,
                worker: String? = nil, heartbeatAt: Date? = nil, attempts: Int = 0) {
        self.plan = plan
        self.reservationID = reservationID
        self.worker = worker
        self.heartbeatAt = heartbeatAt
        self.attempts = attempts
        self.id = id
        self.userID = userID
        self.planID = planID
        self.workflow = workflow
        self.status = status
        self.error = error
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
    }
}

/// A cached LLM result.
public struct CachedCompletion: Sendable, Equatable {
    public var key: String
    public var result: String
    public var embedding: [Float]?
}

extension AppDatabase {
    // MARK: Plans

    public func createPlan(_ plan: PlanRecord) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO plan (id, user_id, title, body, step_count, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [plan.id, plan.userID, plan.title, plan.body, plan.stepCount, plan.createdAt])
        }
    }

    /// The plan if it belongs to `userID`.
    public func plan(id: String, userID: Int64) throws -> PlanRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM plan WHERE id = ? AND user_id = ?", arguments: [id, userID]).map(Self.planRecord)
        }
    }

    public func plans(userID: Int64) throws -> [PlanRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM plan WHERE user_id = ? ORDER BY created_at DESC, id", arguments: [userID]).map(Self.planRecord)
        }
    }

    /// Deletes the plan if it belongs to `userID`; false when there was none.
    public func deletePlan(id: String, userID: Int64) throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM plan WHERE id = ? AND user_id = ?", arguments: [id, userID])
            return db.changesCount > 0
        }
    }

    private static func planRecord(_ row: Row) -> PlanRecord {
        PlanRecord(id: row["id"], userID: row["user_id"], title: row["title"], body: row["body"], stepCount: row["step_count"],
                   createdAt: row["created_at"])
    }

    // MARK: Executions

    public func createExecution(_ execution: ExecutionRecord) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO execution (id, user_id, plan_id, workflow, status, error, state, created_at, updated_at, finished_at,
                                       plan, reservation_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [execution.id, execution.userID, execution.planID, execution.workflow, execution.status, execution.error,
                                 execution.state, execution.createdAt, execution.updatedAt, execution.finishedAt, execution.plan,
                                 execution.reservationID])
        }
    }

    @discardableResult
    public func updateExecution(id: String, worker: String?, status: String, error: String?, state: String, finished: Bool,
                                at date: Date = Date()) throws -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE execution SET status = ?, error = ?, state = ?, updated_at = ?, finished_at = CASE WHEN ? THEN ? ELSE finished_at END
                WHERE id = ? AND (? IS NULL OR worker = ?)
                """, arguments: [status, error, state, date, finished, date, id, worker, worker])
            return db.changesCount > 0
        }
    }

    /// The execution if it belongs to `userID`.
    public func execution(id: String, userID: Int64) throws -> ExecutionRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM execution WHERE id = ? AND user_id = ?", arguments: [id, userID]).map(Self.executionRecord)
        }
    }

    public func executions(userID: Int64, limit: Int = 50) throws -> [ExecutionRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM execution WHERE user_id = ? ORDER BY created_at DESC LIMIT ?", arguments: [userID, limit])
                .map(Self.executionRecord)
        }
    }

    public func claimExecution(id: String, worker: String, now: Date) throws -> ExecutionRecord? {
        try write { db in
            try db.execute(sql: """
                UPDATE execution SET worker = ?, heartbeat_at = ?, attempts = attempts + 1
                WHERE id = ? AND worker IS NULL AND status IN ('queued', 'running')
                """, arguments: [worker, now, id])
            guard db.changesCount > 0 else { return nil }
            return try Row.fetchOne(db, sql: "SELECT * FROM execution WHERE id = ?", arguments: [id]).map(Self.executionRecord)
        }
    }

    public func claimStaleExecution(worker: String, staleBefore: Date, maxAttempts: Int, now: Date) throws -> ExecutionRecord? {
        try write { db in
            try db.execute(sql: """
                UPDATE execution SET status = 'failed', finished_at = ?,
                       error = CASE WHEN plan IS NULL THEN ? ELSE ? END
                WHERE status IN ('queued', 'running') AND COALESCE(heartbeat_at, created_at) < ? AND (plan IS NULL OR attempts >= ?)
                """, arguments: [now, ExecutionClaim.unresumable, ExecutionClaim.givenUp(maxAttempts), staleBefore, maxAttempts])
            guard let id = try String.fetchOne(db, sql: """
                SELECT id FROM execution WHERE status IN ('queued', 'running') AND COALESCE(heartbeat_at, created_at) < ?
                ORDER BY created_at LIMIT 1
                """, arguments: [staleBefore]) else { return nil }
            try db.execute(sql: "UPDATE execution SET worker = ?, heartbeat_at = ?, attempts = attempts + 1 WHERE id = ?",
                           arguments: [worker, now, id])
            return try Row.fetchOne(db, sql: "SELECT * FROM execution WHERE id = ?", arguments: [id]).map(Self.executionRecord)
        }
    }

    public func heartbeatExecution(id: String, worker: String, now: Date) throws -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE execution SET heartbeat_at = ? WHERE id = ? AND worker = ? AND status IN ('queued', 'running')",
                           arguments: [now, id, worker])
            return db.changesCount > 0
        }
    }

    private static func executionRecord(_ row: Row) -> ExecutionRecord {
        ExecutionRecord(id: row["id"], userID: row["user_id"], planID: row["plan_id"], workflow: row["workflow"], status: row["status"],
                        error: row["error"], state: row["state"], createdAt: row["created_at"], updatedAt: row["updated_at"],
                        finishedAt: row["finished_at"], plan: row["plan"], reservationID: row["reservation_id"], worker: row["worker"],
                        heartbeatAt: row["heartbeat_at"], attempts: row["attempts"])
    }

    // MARK: LLM cache

    public func cachedCompletion(key: String, userID: Int64, now: Date = Date()) throws -> CachedCompletion? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT key, result FROM llm_cache WHERE key = ? AND user_id = ? AND expires_at > ?",
                             arguments: [key, userID, now])
                .map { CachedCompletion(key: $0["key"], result: $0["result"], embedding: nil) }
        }
    }

    /// Unexpired entries of one user, scope, provider and model that carry an embedding, newest first.
    public func semanticCacheEntries(userID: Int64, scope: String, provider: String, model: String, limit: Int,
                                     now: Date = Date()) throws -> [CachedCompletion] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT key, result, embedding FROM llm_cache
                WHERE user_id = ? AND scope = ? AND provider = ? AND model = ? AND embedding IS NOT NULL AND expires_at > ?
                ORDER BY created_at DESC LIMIT ?
                """, arguments: [userID, scope, provider, model, now, limit]).map { row in
                var vector: [Float] = []
                if let blob: Data = row["embedding"] { VectorBlob.decode(blob, into: &vector) }
                return CachedCompletion(key: row["key"], result: row["result"], embedding: vector)
            }
        }
    }

    public func storeCompletion(key: String, userID: Int64, scope: String, provider: String, model: String, result: String,
                                embedding: [Float]?, ttl: TimeInterval, now: Date = Date()) throws {
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO llm_cache (key, user_id, scope, provider, model, result, embedding, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [key, userID, scope, provider, model, result, embedding.map(VectorBlob.encode), now,
                                 now.addingTimeInterval(ttl)])
            try db.execute(sql: "DELETE FROM llm_cache WHERE expires_at <= ?", arguments: [now])
        }
    }

    // MARK: Quota

    public func generationsUsed(userID: Int64) throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM generation WHERE user_id = ?", arguments: [userID]) ?? 0 }
    }

    /// Reserves one generation if fewer than `limit` are used or reserved; returns its id, or
    /// nil when the quota is used up. Check and insert happen in one write transaction.
    public func reserveGeneration(userID: Int64, kind: String, limit: Int, at date: Date = Date()) throws -> Int64? {
        try write { db in
            let used = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM generation WHERE user_id = ?", arguments: [userID]) ?? 0
            guard used < limit else { return nil }
            try db.execute(sql: "INSERT INTO generation (user_id, kind, created_at, pending) VALUES (?, ?, ?, 1)", arguments: [userID, kind, date])
            return db.lastInsertedRowID
        }
    }

    /// Turns a reservation into a counted generation.
    public func confirmGeneration(id: Int64) throws {
        try write { db in try db.execute(sql: "UPDATE generation SET pending = 0 WHERE id = ?", arguments: [id]) }
    }

    /// Gives a reservation back (the work failed or needed no generation).
    public func releaseGeneration(id: Int64) throws {
        try write { db in try db.execute(sql: "DELETE FROM generation WHERE id = ? AND pending = 1", arguments: [id]) }
    }

    /// Reservations a stopped server left behind.
    public func releasePendingGenerations(before date: Date) throws {
        try write { db in
            try db.execute(sql: """
                DELETE FROM generation WHERE pending = 1 AND created_at < ? AND id NOT IN (
                    SELECT reservation_id FROM execution WHERE status IN ('queued', 'running') AND reservation_id IS NOT NULL)
                """, arguments: [date])
        }
    }
}
