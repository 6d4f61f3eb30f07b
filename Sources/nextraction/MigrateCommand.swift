import API
import ArgumentParser
import Embedding
import Foundation
import IndexStore
import Storage
import VectorIndex

/// `nextraction migrate --to postgres://…`: moves a SQLite installation to PostgreSQL.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the data folder's SQLite database into an empty PostgreSQL database.",
        discussion: """
            Copies accounts (with their bcrypt hashes: passwords keep working), revoked tokens, \
            collections, documents, chunks with their vectors, jobs and their logs, plans, \
            executions and counted generations, in batches, keeping every id; then builds the \
            vector indexes for the new database and compares the row counts of every table. \
            Refuses a target that holds data already. Stop the server first; afterwards start it \
            with NEX_DATABASE_URL set to the same URL.
            """
    )

    @Option(name: .customLong("to"), help: ArgumentHelp("The empty PostgreSQL database: postgres://user:password@host:port/db.", valueName: "url"))
    var target: String

    @Option(help: "Rows per batch.")
    var batchSize = 500

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 10000") }
    }

    func run() async throws {
        var config = try data.config()
        guard FileManager.default.fileExists(atPath: config.databasePath) else {
            throw CLIError("no SQLite database in \(config.dataDirectory) (nextraction.sqlite)")
        }
        let url = try AppConfig.databaseURL(target)
        let source = try AppDatabase.open(path: config.databasePath)
        let destination = try await PostgresStore.connect(url)
        defer { destination.close() }
        print("copying \(config.databasePath) into \(url)")
        let bar = ProgressLine()
        let counts = try await StorageMigration.copy(from: source, to: destination, batchSize: batchSize) { progress in
            bar.show("\(progress.table.padding(toLength: 14, withPad: " ", startingAt: 0)) \(ProgressLine.bar(progress.copied, of: progress.total)) "
                     + "\(progress.copied)/\(progress.total)", done: progress.copied == progress.total)
        }
        // The vector index of the new database (its own folder in the data folder).
        config.databaseURL = url
        let embedder = try model.embedder(config: config)
        let indexes = IndexRegistry(directory: config.indexDirectory, dimension: embedder.dimension, database: destination)
        var vectors = 0
        for id in try await destination.allCollectionIDs() {
            vectors += try await indexes.rebuild(collectionID: id, kind: .automatic)?.count ?? 0
        }
        print("\ntable           SQLite  PostgreSQL")
        for count in counts {
            print("\(count.table.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(count.source).leftPadded(7))  "
                  + "\(String(count.target).leftPadded(10))\(count.source == count.target ? "" : "  MISMATCH")")
        }
        print("vector indexes built: \(vectors) vectors in \(config.indexDirectory)")
        guard counts.allSatisfy({ $0.source == $0.target }) else { throw CLIError("row counts differ: the migration is incomplete") }
        print("done: start the server with NEX_DATABASE_URL=\(url)")
    }
}

/// One line of progress on a terminal (redrawn), or one line per finished step in a log.
final class ProgressLine: @unchecked Sendable {
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private let lock = NSLock()

    func show(_ text: String, done: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isTerminal {
            FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + text + (done ? "\n" : "")).utf8))
        } else if done {
            print(text)
        }
    }

    /// `[#####.....]` for `done` of `total`.
    static func bar(_ done: Int, of total: Int, width: Int = 20) -> String {
        let filled = total > 0 ? min(width, done * width / total) : width
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
