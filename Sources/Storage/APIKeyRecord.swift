import Foundation
import GRDB

/// A personal access token (`nex_…`) as stored: only the SHA-256 of the key is kept (a key is
/// 256 random bits, so a fast hash is as safe as a slow one and lets every request look it up
/// by index); the prefix is what lists show so the owner can tell keys apart.
public struct APIKeyRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var userID: Int64
    public var name: String
    /// The key's first characters (`nex_` and eight more), shown in lists.
    public var prefix: String
    /// Hex SHA-256 of the whole key.
    public var hash: String
    /// What the key may do: `read` and/or `write`, comma-separated.
    public var scopes: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var expiresAt: Date?

    public init(id: Int64? = nil, userID: Int64, name: String, prefix: String, hash: String, scopes: [String],
                createdAt: Date, lastUsedAt: Date? = nil, expiresAt: Date? = nil) {
        self.id = id
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.scopes = scopes.joined(separator: ",")
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
    }

    public var scopeList: [String] { scopes.split(separator: ",").map(String.init) }

    enum CodingKeys: String, CodingKey {
        case id, name, prefix, hash, scopes
        case userID = "user_id"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
    }
}

extension APIKeyRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "api_key"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension AppDatabase {
    public func createAPIKey(_ key: APIKeyRecord) throws -> APIKeyRecord {
        try write { db in
            var key = key
            try key.insert(db)
            return key
        }
    }

    public func apiKey(hash: String) throws -> APIKeyRecord? {
        try read { db in try APIKeyRecord.filter(Column("hash") == hash).fetchOne(db) }
    }

    public func apiKeys(userID: Int64) throws -> [APIKeyRecord] {
        try read { db in
            try APIKeyRecord.filter(Column("user_id") == userID).order(Column("created_at"), Column("id")).fetchAll(db)
        }
    }

    public func deleteAPIKey(id: Int64, userID: Int64) throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM api_key WHERE id = ? AND user_id = ?", arguments: [id, userID])
            return db.changesCount > 0
        }
    }

    public func touchAPIKey(id: Int64, at date: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE api_key SET last_used_at = ? WHERE id = ?", arguments: [date, id])
        }
    }
}
