import Foundation
import PostgresNIO

extension PostgresStore: AccountStore {
    static let userColumns = "id, email, password_hash, created_at"

    static func user(_ row: PostgresRow) throws -> UserRecord {
        let (id, email, hash, created) = try row.decode((Int64, String, String, Date).self)
        return UserRecord(id: id, email: email, passwordHash: hash, createdAt: created)
    }

    public func createUser(email: String, passwordHash: String, at date: Date) async throws -> UserRecord {
        do {
            let rows = try await rows("""
                INSERT INTO app_user (email, password_hash, created_at) VALUES (\(email), \(passwordHash), \(date))
                RETURNING \(unescaped: Self.userColumns)
                """)
            guard let row = rows.first else { throw StorageError.database("insert returned no row") }
            return try Self.user(row)
        } catch StorageError.duplicate {
            throw StorageError.emailTaken
        }
    }

    public func user(email: String) async throws -> UserRecord? {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM app_user WHERE lower(email) = lower(\(email))").first.map(Self.user)
    }

    public func user(id: Int64) async throws -> UserRecord? {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM app_user WHERE id = \(id)").first.map(Self.user)
    }

    public func users() async throws -> [UserRecord] {
        try await rows("SELECT \(unescaped: Self.userColumns) FROM app_user ORDER BY created_at, id").map(Self.user)
    }
}

extension PostgresStore: TokenRevocationStore {
    public func revokeToken(jti: String, userID: Int64, expiresAt: Date, at date: Date) async throws {
        try await execute("""
            INSERT INTO revoked_token (jti, user_id, expires_at, revoked_at) VALUES (\(jti), \(userID), \(expiresAt), \(date))
            ON CONFLICT (jti) DO NOTHING
            """)
    }

    public func isTokenRevoked(jti: String) async throws -> Bool {
        try await !rows("SELECT 1 FROM revoked_token WHERE jti = \(jti)").isEmpty
    }

    public func purgeExpiredRevocations(before date: Date) async throws -> Int {
        try await rows("DELETE FROM revoked_token WHERE expires_at < \(date) RETURNING 1").count
    }
}

extension PostgresStore: AttemptStore {
    public func recordAttempt(scope: String, key: String, at date: Date, forgetBefore: Date) async throws {
        try await transaction { connection in
            try await connection.rows("INSERT INTO auth_attempt (scope, key, at) VALUES (\(scope), \(key), \(date))")
            try await connection.rows("DELETE FROM auth_attempt WHERE at < \(forgetBefore)")
        }
    }

    public func recordRequest(scope: String, key: String, at date: Date, windowStart: Date) async throws -> AttemptWindow {
        // One statement: the count is taken from the snapshot before the insert, plus this one.
        let row = try await rows("""
            WITH forgotten AS (
                DELETE FROM auth_attempt WHERE scope = \(scope) AND key = \(key) AND at <= \(windowStart)
            ), recorded AS (
                INSERT INTO auth_attempt (scope, key, at) VALUES (\(scope), \(key), \(date))
            )
            SELECT count(*) + 1, least(min(at), \(date)) FROM auth_attempt WHERE scope = \(scope) AND key = \(key) AND at > \(windowStart)
            """).first
        let (count, oldest) = try row?.decode((Int, Date?).self) ?? (1, date)
        return AttemptWindow(count: count, oldest: oldest)
    }

    public func attempts(scope: String, key: String, since date: Date) async throws -> AttemptWindow {
        let row = try await rows("""
            SELECT count(*), min(at) FROM auth_attempt WHERE scope = \(scope) AND key = \(key) AND at > \(date)
            """).first
        let (count, oldest) = try row?.decode((Int, Date?).self) ?? (0, nil)
        return AttemptWindow(count: count, oldest: oldest)
    }

    public func clearAttempts(scope: String, key: String) async throws {
        try await execute("DELETE FROM auth_attempt WHERE scope = \(scope) AND key = \(key)")
    }
}

extension PostgresStore: APIKeyStore {
    static let apiKeyColumns = "id, user_id, name, prefix, hash, scopes, created_at, last_used_at, expires_at"

    static func apiKey(_ row: PostgresRow) throws -> APIKeyRecord {
        let (id, userID, name, prefix, hash, scopes, created, lastUsed, expires) =
            try row.decode((Int64, Int64, String, String, String, String, Date, Date?, Date?).self)
        var key = APIKeyRecord(id: id, userID: userID, name: name, prefix: prefix, hash: hash, scopes: [],
                               createdAt: created, lastUsedAt: lastUsed, expiresAt: expires)
        key.scopes = scopes
        return key
    }

    public func createAPIKey(_ key: APIKeyRecord) async throws -> APIKeyRecord {
        let rows = try await rows("""
            INSERT INTO api_key (user_id, name, prefix, hash, scopes, created_at, expires_at)
            VALUES (\(key.userID), \(key.name), \(key.prefix), \(key.hash), \(key.scopes), \(key.createdAt), \(key.expiresAt))
            RETURNING \(unescaped: Self.apiKeyColumns)
            """)
        guard let row = rows.first else { throw StorageError.database("insert returned no row") }
        return try Self.apiKey(row)
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await rows("SELECT \(unescaped: Self.apiKeyColumns) FROM api_key WHERE hash = \(hash)").first.map(Self.apiKey)
    }

    public func apiKeys(userID: Int64) async throws -> [APIKeyRecord] {
        try await rows("SELECT \(unescaped: Self.apiKeyColumns) FROM api_key WHERE user_id = \(userID) ORDER BY created_at, id")
            .map(Self.apiKey)
    }

    public func deleteAPIKey(id: Int64, userID: Int64) async throws -> Bool {
        try await !rows("DELETE FROM api_key WHERE id = \(id) AND user_id = \(userID) RETURNING 1").isEmpty
    }

    public func touchAPIKey(id: Int64, at date: Date) async throws {
        try await execute("UPDATE api_key SET last_used_at = \(date) WHERE id = \(id)")
    }
}
