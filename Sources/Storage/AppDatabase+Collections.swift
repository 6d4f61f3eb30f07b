import Foundation
import GRDB

/// A collection with its sizes.
public struct CollectionSummary: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var documents: Int
    public var chunks: Int
    public var createdAt: Date
}

extension AppDatabase {
    /// The user's collections with document and chunk counts, by name.
    public func collectionSummaries(userID: Int64) throws -> [CollectionSummary] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.id, c.name, c.created_at,
                       (SELECT COUNT(*) FROM document d WHERE d.collection_id = c.id) AS documents,
                       (SELECT COUNT(*) FROM chunk k JOIN document d ON d.id = k.document_id WHERE d.collection_id = c.id) AS chunks
                FROM collection c WHERE c.user_id = ? ORDER BY c.name
                """, arguments: [userID]).map { row in
                CollectionSummary(id: row["id"], name: row["name"], documents: row["documents"], chunks: row["chunks"], createdAt: row["created_at"])
            }
        }
    }

    /// Deletes the user's collection and everything in it; false when it does not exist.
    @discardableResult
    public func deleteCollection(userID: Int64, name: String) throws -> Int64? {
        try write { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM collection WHERE user_id = ? AND name = ?", arguments: [userID, name]) else {
                return nil
            }
            try db.execute(sql: "DELETE FROM collection WHERE id = ?", arguments: [id])
            return id
        }
    }

    /// A collection by id.
    public func collection(id: Int64) throws -> CollectionRecord? {
        try read { db in try CollectionRecord.fetchOne(db, key: id) }
    }

    /// Every collection id (for start-up index checks).
    public func allCollectionIDs() throws -> [Int64] {
        try read { db in try Int64.fetchAll(db, sql: "SELECT id FROM collection ORDER BY id") }
    }
}
