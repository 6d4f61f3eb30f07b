import API
import ArgumentParser
import Embedding
import Foundation
import IndexStore
import Storage
import VectorIndex

/// `nextraction backup DEST` and `nextraction restore SRC`: a consistent copy of a data
/// folder, made while the server runs and ingests.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the data folder (database, secret, providers, indexes) to DEST while the server runs.",
        discussion: """
            The database is copied with SQLite's online backup (one consistent snapshot, writers \
            keep going) and checked; each collection's newest index file (with the deltas after it) is copied and \
            then made to match the snapshot exactly. DEST must not exist or be empty. Start a \
            server on the copy (--data-dir DEST) or put it back with `nextraction restore`.
            """
    )

    @Argument(help: "The folder to create the backup in.")
    var destination: String

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelOptions

    func run() async throws {
        let config = try data.config()
        let summary = try await DataFolderCopy.copy(from: config, to: destination, model: model, replacing: false)
        print("backup of \(config.dataDirectory) in \(destination): \(summary)")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup made by `nextraction backup` back into the data folder (stop the server first).",
        discussion: "Refuses a data folder that holds a database already, unless --force (which replaces it)."
    )

    @Argument(help: "The backup folder.")
    var source: String

    @Flag(help: "Replace the database in the data folder.")
    var force = false

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelOptions

    func run() async throws {
        var backup = try data.config()
        let target = backup.dataDirectory
        backup.dataDirectory = source
        guard FileManager.default.fileExists(atPath: backup.databasePath) else {
            throw CLIError("\(source) holds no nextraction.sqlite: not a backup")
        }
        let summary = try await DataFolderCopy.copy(from: backup, to: target, model: model, replacing: force)
        print("restored \(source) into \(target): \(summary)")
    }
}

/// Copies one data folder into another: the database by SQLite's online backup, the JWT
/// secret and providers file as files, each collection's newest index generation, and then
/// repairs every index against the copied database so the copy is consistent in itself.
enum DataFolderCopy {
    static let files = ["jwt_secret", "providers.json"]

    static func copy(from config: AppConfig, to destination: String, model: ModelOptions, replacing: Bool) async throws -> String {
        if let url = config.databaseURL {
            throw CLIError("the database is PostgreSQL (\(url)): back it up with pg_dump (README.md § PostgreSQL)")
        }
        let manager = FileManager.default
        let existing = (try? manager.contentsOfDirectory(atPath: destination)) ?? []
        if !existing.isEmpty && !replacing {
            throw CLIError("\(destination) is not empty (a backup needs a new folder; restore takes --force to replace a database)")
        }
        guard manager.fileExists(atPath: config.databasePath) else { throw CLIError("no database in \(config.dataDirectory)") }
        try manager.createDirectory(atPath: destination, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])

        var target = config
        target.dataDirectory = destination
        if replacing {
            for suffix in ["", "-wal", "-shm"] { try? manager.removeItem(atPath: target.databasePath + suffix) }
            try? manager.removeItem(atPath: target.indexDirectory)
        }
        let source = try AppDatabase.open(path: config.databasePath)
        try source.backup(to: target.databasePath)
        for name in files {
            let from = (config.dataDirectory as NSString).appendingPathComponent(name)
            let to = (destination as NSString).appendingPathComponent(name)
            guard manager.fileExists(atPath: from) else { continue }
            try? manager.removeItem(atPath: to)
            try manager.copyItem(atPath: from, toPath: to)
            _ = chmod(to, 0o600)
        }
        let copiedGenerations = try copyNewestGenerations(from: config.indexDirectory, to: target.indexDirectory)

        // The copied generations may be older or newer than the database snapshot (an ingest
        // went on meanwhile): make each index hold exactly the snapshot's chunks.
        let database = try AppDatabase.open(path: target.databasePath)
        let embedder = try model.embedder(config: target)
        let indexes = IndexRegistry(directory: target.indexDirectory, dimension: embedder.dimension, database: database)
        var collections = 0, chunks = 0, repaired = 0
        for (record, _) in try database.allCollections() {
            guard let id = record.id else { continue }
            let (added, removed) = try await indexes.repair(collectionID: id)
            repaired += added + removed
            chunks += try database.chunkIDs(collectionID: id).count
            collections += 1
        }
        let size = (try? manager.attributesOfItem(atPath: target.databasePath)[.size] as? Int) ?? 0
        return "database \(size / 1024) KiB (integrity ok), \(collections) collections, \(chunks) chunks, "
            + "\(copiedGenerations) index generations copied, \(repaired) vectors brought in line with the database"
    }

    /// Copies the newest full file (`gen-*.nxi`) of every collection folder and the delta files
    /// after it (every file is written to a temporary name and renamed, so a visible one is
    /// complete). Returns how many generations.
    static func copyNewestGenerations(from source: String, to destination: String) throws -> Int {
        let manager = FileManager.default
        var copied = 0
        for folder in (try? manager.contentsOfDirectory(atPath: source)) ?? [] {
            let from = (source as NSString).appendingPathComponent(folder)
            guard let generations = try? IndexGenerations(directory: from), let newest = generations.files().full.last else { continue }
            let to = (destination as NSString).appendingPathComponent(folder)
            try manager.createDirectory(atPath: to, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let paths = [generations.path(for: newest)] + generations.files().deltas.filter { $0 > newest }.map(generations.deltaPath)
            // A file may have been pruned meanwhile (a newer full one replaced it): the repair
            // that follows then brings the index in line with the database from what was copied.
            for path in paths {
                let name = (path as NSString).lastPathComponent
                if (try? manager.copyItem(atPath: path, toPath: (to as NSString).appendingPathComponent(name))) != nil { copied += 1 }
            }
        }
        return copied
    }
}
