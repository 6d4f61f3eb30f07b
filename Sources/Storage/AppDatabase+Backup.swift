import Foundation
import GRDB

extension AppDatabase {
    /// Copies the whole database into a new SQLite file at `path` with SQLite's online backup:
    /// a consistent snapshot taken while other connections (the server, an ingest) go on
    /// writing. The copy is checked with `PRAGMA integrity_check` and made 0600.
    public func backup(to path: String) throws {
        do {
            let destination = try DatabaseQueue(path: path, configuration: Self.makeConfiguration())
            try writer.backup(to: destination)
            let check = try destination.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
            guard check == "ok" else { throw StorageError.database("the backup copy failed its integrity check: \(check ?? "no answer")") }
            try destination.close()
            _ = chmod(path, 0o600)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.wrap(error)
        }
    }

    /// `PRAGMA integrity_check` of this database: "ok" when sound.
    public func integrityCheck() throws -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }
}
