import API
import Foundation
import IndexStore
import Storage
import VectorIndex

/// The PostgreSQL side of a benchmark or evaluation: a SQLite scratch folder copied (once)
/// into a PostgreSQL database with `StorageMigration`, and its vector index built in the
/// folder, where a server with that `NEX_DATABASE_URL` and `--data-dir` finds it.
enum PostgresMirror {
    /// The store of `url`, holding the same rows as the SQLite database of `dataDirectory`:
    /// copied now when the database is empty, reused when it holds that copy already.
    static func ensure(_ url: DatabaseURL, dataDirectory: String, sqliteFile: String = "nextraction.sqlite",
                       dimension: Int) async throws -> (store: PostgresStore, indexes: IndexRegistry) {
        var config = AppConfig()
        config.dataDirectory = dataDirectory
        let source = try AppDatabase.open(path: (dataDirectory as NSString).appendingPathComponent(sqliteFile))
        let target = try await PostgresStore.connect(url)
        let want = try source.operationalCounts().chunks
        let have = try await target.operationalCounts().chunks
        config.databaseURL = url
        let indexes = IndexRegistry(directory: config.indexDirectory, dimension: dimension, database: target)
        if have == 0 {
            BenchSupport.progress("copying \(want) chunks into \(url)")
            _ = try await StorageMigration.copy(from: source, to: target) { progress in
                if progress.copied == progress.total { BenchSupport.progress("  \(progress.table): \(progress.total) rows") }
            }
        } else if have != want {
            throw CLIError("\(url) holds \(have) chunks, not the \(want) of this collection: use an empty database")
        }
        for id in try await target.allCollectionIDs() where try await indexes.snapshot(collectionID: id) == nil {
            try await indexes.rebuild(collectionID: id, kind: .automatic)
        }
        return (target, indexes)
    }
}
