import API
import ArgumentParser
import Embedding
import Foundation
import IndexStore
import Ingest
import Storage
import VectorIndex

/// `nextraction index ...`: maintenance of the vector indexes derived from the database.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Rebuild or inspect the vector indexes (always derivable from the database).",
        subcommands: [Rebuild.self, Status.self]
    )

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild index generations from the vectors stored in the database.",
            discussion: """
                --reembed first embeds every chunk again with the model as configured now (e.g. after changing
                NEX_EMBED_PRECISION, which a collection embedded in the other precision refuses until then).
                Stop the servers using the collection first; an interrupted run is finished by running it again.
                """
        )

        @Option(help: "Only this collection (default: every collection).")
        var collection: String?

        @Option(help: "The collection's owner (needed with --collection when several accounts have one of that name).")
        var user: String?

        @Option(help: "flat, ivf or auto (flat below 20,000 vectors).")
        var kind = "auto"

        @Option(help: "IVF lists (default 4·√N).")
        var nlist: Int?

        @Flag(help: "Embed every chunk again with the configured model and precision (NEX_EMBED_PRECISION) first.")
        var reembed = false

        @OptionGroup var data: DataOptions
        @OptionGroup var model: ModelOptions

        func validate() throws {
            guard AnyVectorIndex.Kind(rawValue: kind) != nil else { throw ValidationError("--kind must be flat, ivf or auto") }
            if let nlist, nlist < 1 { throw ValidationError("--nlist must be positive") }
        }

        func run() async throws {
            let services = try await LocalServices(data: data, model: model)
            let targets = try await services.database.allCollections().filter { entry in
                (collection == nil || entry.collection.name == collection) && (user == nil || entry.email == user?.lowercased())
            }
            guard !targets.isEmpty else { throw CLIError("no matching collection") }
            for (record, email) in targets {
                guard let id = record.id else { continue }
                let start = Date()
                if reembed {
                    let precision = services.embedder.precision.rawValue
                    let name = "\(email) / \(record.name)"
                    let (pages, chunks) = try await Reembedder(database: services.database, embedder: services.embedder)
                        .run(collectionID: id) { done, total in
                            if done == total || done % 200 == 0 { print("\(name): re-embedded \(done)/\(total) pages (\(precision))") }
                        }
                    print(String(format: "%@: %d pages, %d chunks re-embedded in %@ in %.1f s", name, pages, chunks, precision,
                                 Date().timeIntervalSince(start)))
                }
                let rebuildStart = Date()
                guard let index = try await services.indexes.rebuild(collectionID: id, kind: AnyVectorIndex.Kind(rawValue: kind) ?? .automatic,
                                                                     nlist: nlist) else { continue }
                print(String(format: "%@ / %@: %@ index with %d vectors in %.2f s", email, record.name, index.kindName, index.count,
                             Date().timeIntervalSince(rebuildStart)))
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each collection's index and whether it matches the database.")

        @OptionGroup var data: DataOptions

        /// Reads the database and the index files only: no model needed.
        func run() async throws {
            let config = try data.existingConfig()
            let database = try await config.openDatabase()
            let indexes = IndexRegistry(directory: config.indexDirectory, dimension: MiniLMEmbedder.standardDimension, database: database)
            let services = (database: database, indexes: indexes)
            var table = TextTable(["owner", "collection", "kind", "vectors", "chunks in database", "sequence", "consistent"])
            for (record, email) in try await services.database.allCollections() {
                guard let id = record.id else { continue }
                // This folder's index, brought up to the change log first (as a server does
                // before it answers): consistent means replaying the log reproduces the database.
                let sequence = try await services.indexes.catchUp(collectionID: id)
                let chunks = await Set(try services.database.chunkIDs(collectionID: id))
                let index = try await services.indexes.snapshot(collectionID: id)
                let ids = Set(index?.allIDs ?? [])
                table.add([email, record.name, index?.kindName ?? "-", String(ids.count), String(chunks.count), String(sequence),
                           ids == chunks ? "yes" : "NO"])
            }
            print(table.render())
        }
    }
}
