import Foundation
import GRDB

/// The application's database: the only code in NexTraction that speaks SQL (STYLE.md).
///
/// Wraps one GRDB `DatabaseWriter` — a `DatabasePool` (SQLite in WAL mode: one writer, many
/// concurrent readers) for files, a `DatabaseQueue` for in-memory test databases — and runs the
/// append-only migrations on `init`. Writes are methods named for what they do, grouped by
/// concern in `AppDatabase+*.swift`. Thread-safe: GRDB serialises writes and pools reads.
public struct AppDatabase: Sendable {
    let writer: any DatabaseWriter

    /// Wraps an existing writer and migrates it to the current schema.
    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        do {
            try Self.migrator.migrate(writer)
        } catch {
            throw StorageError.wrap(error)
        }
    }

    /// Opens (creating if needed) the SQLite file at `path` in WAL mode and migrates it.
    public static func open(path: String) throws -> AppDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        do {
            let database = try AppDatabase(DatabasePool(path: path, configuration: makeConfiguration()))
            // Accounts and documents are private to the server's user: the database and its
            // WAL and shared-memory files are 0600, whatever the umask that created them.
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                _ = chmod(file, 0o600)
            }
            return database
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.wrap(error)
        }
    }

    /// A private in-memory database, for tests.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue(configuration: makeConfiguration()))
    }

    /// Whether the database answers a trivial query (the server's readiness probe).
    public func ping() -> Bool {
        (try? writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// The path of the database file (nil for in-memory databases).
    public var path: String? {
        let path = writer.path
        return path.isEmpty || path == ":memory:" ? nil : path
    }

    static func makeConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Several processes (server, CLI) may share the file: wait for locks instead of failing.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL + NORMAL: durable across process crashes, fsync only at checkpoints.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    /// Runs `body` in a write transaction, mapping GRDB errors to `StorageError`.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.write(body)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.wrap(error)
        }
    }

    /// Runs `body` on a read-only snapshot, mapping GRDB errors to `StorageError`.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.wrap(error)
        }
    }
}
