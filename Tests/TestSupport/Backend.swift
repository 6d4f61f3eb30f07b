import Foundation
import Storage
import Testing

/// The storage backends every contract test runs against: SQLite (a file in a temporary
/// folder, as the server uses it) and PostgreSQL (a fresh database on the throwaway test
/// cluster, see `TestPostgres`).
public enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    public var testDescription: String { rawValue }

    /// An empty store, and a way to open the same database again (a second connection, or a
    /// second server). Keep `Opened` alive while the store is used.
    public func open() async throws -> Opened {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "nex-contract")
            let path = directory.appending("db.sqlite")
            return Opened(store: try AppDatabase.open(path: path), directory: directory) {
                try AppDatabase.open(path: path)
            }
        case .postgres:
            // Waits bound failures only: a loaded machine may be slow, never wrong.
            let url = try DatabaseURL(try await TestPostgres.freshDatabaseURL())
            return Opened(store: try await PostgresStore.connect(url, timeout: Self.timeout), directory: nil) {
                try await PostgresStore.connect(url, timeout: Self.timeout)
            }
        }
    }

    /// How long a test's database operation may take before it fails (a bound, not a speed).
    public static let timeout: Duration = .seconds(120)

    public struct Opened: Sendable {
        public let store: any DataStore
        public let directory: TemporaryDirectory?
        public let reopen: @Sendable () async throws -> any DataStore
    }

    /// A `NEX_DATABASE_URL` for a server on this backend (nil: SQLite in its data folder).
    public func serverDatabaseURL() async throws -> String? {
        switch self {
        case .sqlite: return nil
        case .postgres: return try await TestPostgres.freshDatabaseURL()
        }
    }
}
