import Foundation
import GRDB

/// A named set of documents owned by one user (names are unique per user).
public struct CollectionRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var userID: Int64
    public var name: String
    public var createdAt: Date

    public init(id: Int64? = nil, userID: Int64, name: String, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.name = name
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case userID = "user_id"
        case createdAt = "created_at"
    }
}

extension CollectionRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "collection"

    public enum Columns {
        public static let userID = Column("user_id")
        public static let name = Column("name")
        public static let createdAt = Column("created_at")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension AppDatabase {
    /// The user's collection with this name, if any.
    public func collection(userID: Int64, name: String) throws -> CollectionRecord? {
        try read { db in
            try CollectionRecord
                .filter(CollectionRecord.Columns.userID == userID && CollectionRecord.Columns.name == name)
                .fetchOne(db)
        }
    }

    /// The user's collection with this name, created when missing.
    public func ensureCollection(userID: Int64, name: String, at date: Date = Date()) throws -> CollectionRecord {
        try write { db in
            if let existing = try CollectionRecord
                .filter(CollectionRecord.Columns.userID == userID && CollectionRecord.Columns.name == name)
                .fetchOne(db) {
                return existing
            }
            var collection = CollectionRecord(userID: userID, name: name, createdAt: date)
            try collection.insert(db)
            return collection
        }
    }

    /// The user's collections, by name.
    public func collections(userID: Int64) throws -> [CollectionRecord] {
        try read { db in
            try CollectionRecord.filter(CollectionRecord.Columns.userID == userID)
                .order(CollectionRecord.Columns.name).fetchAll(db)
        }
    }
}
