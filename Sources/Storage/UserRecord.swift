import Foundation
import GRDB

/// An account. Emails are stored lowercased and unique case-insensitively.
public struct UserRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var email: String
    /// A bcrypt hash (`$2b$...`); the password itself is never stored.
    public var passwordHash: String
    public var createdAt: Date

    public init(id: Int64? = nil, email: String, passwordHash: String, createdAt: Date) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, email
        case passwordHash = "password_hash"
        case createdAt = "created_at"
    }
}

extension UserRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "user"

    public enum Columns {
        public static let email = Column("email")
        public static let createdAt = Column("created_at")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension AppDatabase {
    /// Creates an account; throws `StorageError.emailTaken` when the email (any case) exists.
    public func createUser(email: String, passwordHash: String, at date: Date = Date()) throws -> UserRecord {
        do {
            return try write { db in
                var user = UserRecord(email: email, passwordHash: passwordHash, createdAt: date)
                try user.insert(db)
                return user
            }
        } catch StorageError.duplicate {
            throw StorageError.emailTaken
        }
    }

    /// The user with this email, compared case-insensitively.
    public func user(email: String) throws -> UserRecord? {
        try read { db in
            try UserRecord.filter(UserRecord.Columns.email == email).fetchOne(db)
        }
    }

    /// The user with this id.
    public func user(id: Int64) throws -> UserRecord? {
        try read { db in try UserRecord.fetchOne(db, key: id) }
    }

    /// Every user, oldest first.
    public func users() throws -> [UserRecord] {
        try read { db in try UserRecord.order(UserRecord.Columns.createdAt, Column.rowID).fetchAll(db) }
    }
}
