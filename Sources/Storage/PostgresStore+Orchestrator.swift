import Foundation
import PostgresNIO

extension PostgresStore: PlanStore {
    static func plan(_ row: PostgresRow) throws -> PlanRecord {
        let (id, userID, title, body, steps, created) = try row.decode((String, Int64, String, String, Int, Date).self)
        return PlanRecord(id: id, userID: userID, title: title, body: body, stepCount: steps, createdAt: created)
    }

    static func execution(_ row: PostgresRow) throws -> ExecutionRecord {
        let (id, userID, planID, workflow, status, error, state, created, updated, finished, plan, reservation, worker, heartbeat, attempts) =
            try row.decode((String, Int64, String?, String, String, String?, String, Date, Date, Date?, String?, Int64?, String?, Date?, Int).self)
        return ExecutionRecord(id: id, userID: userID, planID: planID, workflow: workflow, status: status, error: error, state: state,
                               createdAt: created, updatedAt: updated, finishedAt: finished, plan: plan, reservationID: reservation,
                               worker: worker, heartbeatAt: heartbeat, attempts: attempts)
    }

    static let planColumns = "id, user_id, title, body, step_count, created_at"
    static let executionColumns = """
        id, user_id, plan_id, workflow, status, error, state, created_at, updated_at, finished_at, plan, reservation_id, worker, \
        heartbeat_at, attempts
        """

    public func createPlan(_ plan: PlanRecord) async throws {
        try await execute("""
            INSERT INTO plan (id, user_id, title, body, step_count, created_at)
            VALUES (\(plan.id), \(plan.userID), \(plan.title), \(plan.body), \(plan.stepCount), \(plan.createdAt))
            """)
    }

    public func plan(id: String, userID: Int64) async throws -> PlanRecord? {
        try await rows("SELECT \(unescaped: Self.planColumns) FROM plan WHERE id = \(id) AND user_id = \(userID)").first.map(Self.plan)
    }

    public func plans(userID: Int64) async throws -> [PlanRecord] {
        try await rows("SELECT \(unescaped: Self.planColumns) FROM plan WHERE user_id = \(userID) ORDER BY created_at DESC, id").map(Self.plan)
    }

    public func deletePlan(id: String, userID: Int64) async throws -> Bool {
        try await !rows("DELETE FROM plan WHERE id = \(id) AND user_id = \(userID) RETURNING 1").isEmpty
    }

    public func createExecution(_ e: ExecutionRecord) async throws {
        try await execute("""
            INSERT INTO execution (id, user_id, plan_id, workflow, status, error, state, created_at, updated_at, finished_at, plan,
                                   reservation_id)
            VALUES (\(e.id), \(e.userID), \(e.planID), \(e.workflow), \(e.status), \(e.error), \(e.state), \(e.createdAt),
                    \(e.updatedAt), \(e.finishedAt), \(e.plan), \(e.reservationID))
            """)
    }

    @discardableResult
    public func updateExecution(id: String, worker: String?, status: String, error: String?, state: String, finished: Bool,
                                at date: Date) async throws -> Bool {
        try await !rows("""
            UPDATE execution SET status = \(status), error = \(error), state = \(state), updated_at = \(date),
                   finished_at = CASE WHEN \(finished) THEN \(date) ELSE finished_at END
            WHERE id = \(id) AND (\(worker)::text IS NULL OR worker = \(worker))
            RETURNING 1
            """).isEmpty
    }

    public func execution(id: String, userID: Int64) async throws -> ExecutionRecord? {
        try await rows("SELECT \(unescaped: Self.executionColumns) FROM execution WHERE id = \(id) AND user_id = \(userID)")
            .first.map(Self.execution)
    }

    public func executions(userID: Int64, limit: Int) async throws -> [ExecutionRecord] {
        try await rows("""
            SELECT \(unescaped: Self.executionColumns) FROM execution WHERE user_id = \(userID) ORDER BY created_at DESC LIMIT \(limit)
            """).map(Self.execution)
    }

    public func claimExecution(id: String, worker: String, now: Date) async throws -> ExecutionRecord? {
        try await rows("""
            UPDATE execution SET worker = \(worker), heartbeat_at = \(now), attempts = attempts + 1
            WHERE id = \(id) AND worker IS NULL AND status IN ('queued', 'running')
            RETURNING \(unescaped: Self.executionColumns)
            """).first.map(Self.execution)
    }

    public func claimStaleExecution(worker: String, staleBefore: Date, maxAttempts: Int, now: Date) async throws -> ExecutionRecord? {
        try await transaction { connection in
            try await connection.rows("""
                UPDATE execution SET status = 'failed', finished_at = \(now),
                       error = CASE WHEN plan IS NULL THEN \(ExecutionClaim.unresumable) ELSE \(ExecutionClaim.givenUp(maxAttempts)) END
                WHERE status IN ('queued', 'running') AND COALESCE(heartbeat_at, created_at) < \(staleBefore)
                  AND (plan IS NULL OR attempts >= \(maxAttempts))
                """)
            // SKIP LOCKED: two servers looking at once claim different executions.
            return try await connection.rows("""
                UPDATE execution SET worker = \(worker), heartbeat_at = \(now), attempts = attempts + 1
                WHERE id = (SELECT id FROM execution WHERE status IN ('queued', 'running') AND COALESCE(heartbeat_at, created_at) < \(staleBefore)
                            ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: Self.executionColumns)
                """).first.map(Self.execution)
        }
    }

    public func heartbeatExecution(id: String, worker: String, now: Date) async throws -> Bool {
        try await !rows("""
            UPDATE execution SET heartbeat_at = \(now) WHERE id = \(id) AND worker = \(worker) AND status IN ('queued', 'running')
            RETURNING 1
            """).isEmpty
    }
}

extension PostgresStore: CompletionCacheStore {
    public func cachedCompletion(key: String, userID: Int64, now: Date) async throws -> CachedCompletion? {
        try await rows("SELECT key, result FROM llm_cache WHERE key = \(key) AND user_id = \(userID) AND expires_at > \(now)")
            .first.map { row in
                let (key, result) = try row.decode((String, String).self)
                return CachedCompletion(key: key, result: result, embedding: nil)
            }
    }

    public func semanticCacheEntries(userID: Int64, scope: String, provider: String, model: String, limit: Int,
                                     now: Date) async throws -> [CachedCompletion] {
        try await rows("""
            SELECT key, result, embedding FROM llm_cache
            WHERE user_id = \(userID) AND scope = \(scope) AND provider = \(provider) AND model = \(model)
              AND embedding IS NOT NULL AND expires_at > \(now)
            ORDER BY created_at DESC LIMIT \(limit)
            """).map { row in
            let (key, result, buffer) = try row.decode((String, String, ByteBuffer).self)
            let vector = buffer.withUnsafeReadableBytes { Array($0.bindMemory(to: Float.self)) }
            return CachedCompletion(key: key, result: result, embedding: vector)
        }
    }

    public func storeCompletion(key: String, userID: Int64, scope: String, provider: String, model: String, result: String,
                                embedding: [Float]?, ttl: TimeInterval, now: Date) async throws {
        let vector = embedding.map { values in values.withUnsafeBytes { ByteBuffer(bytes: $0) } }
        try await transaction { connection in
            try await connection.rows("""
                INSERT INTO llm_cache (key, user_id, scope, provider, model, result, embedding, created_at, expires_at)
                VALUES (\(key), \(userID), \(scope), \(provider), \(model), \(result), \(vector), \(now), \(now.addingTimeInterval(ttl)))
                ON CONFLICT (key) DO UPDATE SET user_id = excluded.user_id, scope = excluded.scope, provider = excluded.provider,
                    model = excluded.model, result = excluded.result, embedding = excluded.embedding,
                    created_at = excluded.created_at, expires_at = excluded.expires_at
                """)
            try await connection.rows("DELETE FROM llm_cache WHERE expires_at <= \(now)")
        }
    }
}

extension PostgresStore: GenerationQuotaStore {
    public func generationsUsed(userID: Int64) async throws -> Int {
        try await rows("SELECT count(*) FROM generation WHERE user_id = \(userID)").first?.decode(Int.self) ?? 0
    }

    /// The user's row is locked for the check and the insert, so concurrent reservations (on
    /// any server) are counted one after another.
    public func reserveGeneration(userID: Int64, kind: String, limit: Int, at date: Date) async throws -> Int64? {
        try await transaction { connection in
            try await connection.rows("SELECT 1 FROM app_user WHERE id = \(userID) FOR UPDATE")
            let used = try await connection.rows("SELECT count(*) FROM generation WHERE user_id = \(userID)").first?.decode(Int.self) ?? 0
            guard used < limit else { return nil }
            return try await connection.rows("""
                INSERT INTO generation (user_id, kind, created_at, pending) VALUES (\(userID), \(kind), \(date), true) RETURNING id
                """).first?.decode(Int64.self)
        }
    }

    public func confirmGeneration(id: Int64) async throws {
        try await execute("UPDATE generation SET pending = false WHERE id = \(id)")
    }

    public func releaseGeneration(id: Int64) async throws {
        try await execute("DELETE FROM generation WHERE id = \(id) AND pending")
    }

    public func releasePendingGenerations(before date: Date) async throws {
        try await execute("""
            DELETE FROM generation WHERE pending AND created_at < \(date) AND id NOT IN (
                SELECT reservation_id FROM execution WHERE status IN ('queued', 'running') AND reservation_id IS NOT NULL)
            """)
    }
}
