import Foundation
import GRDB

extension AppDatabase {
    /// Appends a change to the collection's log (inside the writing transaction) and makes it
    /// the collection's newest; nothing when nothing changed.
    static func recordChange(_ db: Database, collectionID: Int64, added: [Int64], removed: [Int64]) throws {
        guard !added.isEmpty || !removed.isEmpty else { return }
        try db.execute(sql: "INSERT INTO chunk_change (collection_id, added, removed, at) VALUES (?, ?, ?, ?)",
                       arguments: [collectionID, IDList.encode(added), IDList.encode(removed), Date()])
        try db.execute(sql: "UPDATE collection SET change_seq = ? WHERE id = ?", arguments: [db.lastInsertedRowID, collectionID])
    }

    public func committedSequence(collectionID: Int64) throws -> Int64? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT change_seq FROM collection WHERE id = ?", arguments: [collectionID]) }
    }

    public func chunkChanges(collectionID: Int64, after: Int64, limit: Int) throws -> ChunkChangePage {
        try read { db in
            let floor = try Int64.fetchOne(db, sql: "SELECT change_floor FROM collection WHERE id = ?", arguments: [collectionID]) ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, added, removed FROM chunk_change WHERE collection_id = ? AND seq > ? ORDER BY seq LIMIT ?
                """, arguments: [collectionID, after, limit])
            let changes = try rows.map { row in
                ChunkChange(sequence: row["seq"], added: try IDList.decode(row["added"]), removed: try IDList.decode(row["removed"]))
            }
            return ChunkChangePage(changes: changes, floor: floor)
        }
    }

    @discardableResult
    public func pruneChunkChanges(before date: Date) throws -> Int {
        try write { db in
            try db.execute(sql: """
                UPDATE collection SET change_floor = (SELECT max(seq) FROM chunk_change c WHERE c.collection_id = collection.id AND c.at < ?)
                WHERE EXISTS (SELECT 1 FROM chunk_change c WHERE c.collection_id = collection.id AND c.at < ?)
                """, arguments: [date, date])
            try db.execute(sql: "DELETE FROM chunk_change WHERE at < ?", arguments: [date])
            return db.changesCount
        }
    }

    public func changeNotifications() -> AsyncStream<ChangeNotification>? { nil }
}

/// Chunk id lists in a text column: `[1,2,3]`.
enum IDList {
    static func encode(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    static func decode(_ text: String) throws -> [Int64] {
        let body = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
        guard !body.isEmpty else { return [] }
        return try body.split(separator: ",").map { part in
            guard let id = Int64(part.trimmingCharacters(in: .whitespaces)) else {
                throw StorageError.database("malformed id list in the change log")
            }
            return id
        }
    }
}
