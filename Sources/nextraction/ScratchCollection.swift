import API
import Embedding
import Foundation
import IndexStore
import NexNumerics
import Storage
import TextKit
import VectorIndex

/// A BEIR corpus chunked, embedded and indexed in a data directory of its own (cached under
/// `.build/eval-cache/` so that evaluations and tuning runs do not re-embed it).
struct ScratchCollection {
    let database: any DataStore
    let indexes: IndexRegistry
    let collectionID: Int64
    let chunkCount: Int
    /// chunk id → document id (the BEIR `_id`).
    let documentOfChunk: [Int64: String]

    /// `postgres`: evaluate on a PostgreSQL copy of the scratch collection instead (copied once).
    static func open(dataset: BEIRDataset, embedder: MiniLMEmbedder, cache: String?, fresh: Bool,
                     postgres: DatabaseURL? = nil) async throws -> ScratchCollection {
        let root = cache ?? BenchSupport.repositoryRoot.appendingPathComponent(".build/eval-cache").path
        // Vectors of one precision are never searched with query vectors of the other.
        let directory = (root as NSString).appendingPathComponent("beir-\(dataset.fingerprint)\(embedder.precision.folderSuffix)")
        let marker = (directory as NSString).appendingPathComponent("complete")
        if fresh { try? FileManager.default.removeItem(atPath: directory) }
        let cached = FileManager.default.fileExists(atPath: marker)
        if !cached { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = try AppDatabase.open(path: (directory as NSString).appendingPathComponent("eval.sqlite"))
        let indexes = IndexRegistry(directory: (directory as NSString).appendingPathComponent("index"), dimension: embedder.dimension, database: database)
        var user = try database.user(email: "eval@nextraction.local")
        if user == nil { user = try await database.createUser(email: "eval@nextraction.local", passwordHash: "-") }
        guard let userID = user?.id, let collectionID = try await database.ensureCollection(userID: userID, name: "beir").id else {
            throw CLIError("cannot create the scratch collection")
        }
        if !cached {
            try await ingest(dataset, database: database, indexes: indexes, collectionID: collectionID, embedder: embedder)
            FileManager.default.createFile(atPath: marker, contents: Data())
        }
        var store: any DataStore = database
        var storeIndexes = indexes
        var storeCollectionID = collectionID
        if let postgres {
            (store, storeIndexes) = try await PostgresMirror.ensure(postgres, dataDirectory: directory, sqliteFile: "eval.sqlite",
                                                                    dimension: embedder.dimension)
            guard let owner = try await store.user(email: "eval@nextraction.local")?.id,
                  let id = try await store.collection(userID: owner, name: "beir")?.id else {
                throw CLIError("\(postgres) holds no scratch collection")
            }
            storeCollectionID = id
        }
        let ids = try await store.chunkIDs(collectionID: storeCollectionID)
        var documentOfChunk: [Int64: String] = [:]
        for chunk in try await store.chunks(ids: ids, collectionID: storeCollectionID) {
            documentOfChunk[chunk.id] = String(chunk.url.dropFirst("beir:".count))
        }
        return ScratchCollection(database: store, indexes: storeIndexes, collectionID: storeCollectionID, chunkCount: ids.count,
                                 documentOfChunk: documentOfChunk)
    }

    /// Document ids in the order of their best chunk.
    func documentRanking(_ chunks: [Int64]) -> [String] {
        var seen = Set<String>()
        return chunks.compactMap { documentOfChunk[$0] }.filter { seen.insert($0).inserted }
    }

    private static func ingest(_ dataset: BEIRDataset, database: AppDatabase, indexes: IndexRegistry, collectionID: Int64,
                               embedder: MiniLMEmbedder) async throws {
        let chunker = Chunker(counter: embedder.tokenizer)
        let start = Date()
        var done = 0
        for batch in stride(from: 0, to: dataset.documents.count, by: 256).map({ dataset.documents[$0..<min($0 + 256, dataset.documents.count)] }) {
            let chunked = batch.map { document in
                (document, chunker.chunk(title: document.title, blocks: [TextBlock(.paragraph, document.text)]))
            }
            let embeddings = try await embedder.embed(chunked.flatMap { $0.1.map(\.embeddingText) })
            var row = 0
            for (document, chunks) in chunked {
                let records = chunks.enumerated().map { ordinal, chunk in
                    NewChunk(ordinal: ordinal, headingPath: "", text: chunk.text, tokenCount: chunk.embeddingTokenCount,
                             vector: embeddings.vector(row + ordinal), contentHash: ContentHash.sha256(chunk.text), layout: chunk.layout)
                }
                row += chunks.count
                let record = DocumentRecord(collectionID: collectionID, url: "beir:\(document.id)", canonicalURL: nil, title: document.title,
                                            lang: "en", contentHash: ContentHash.sha256(document.text), fetchedAt: Date(), etag: nil,
                                            lastModified: nil, links: [], httpStatus: 200, depth: 0, bytes: document.text.utf8.count)
                _ = try database.storePage(record, chunks: records)
            }
            done += batch.count
            BenchSupport.progress(String(format: "embedded %d/%d documents (%.0f s)", done, dataset.documents.count, Date().timeIntervalSince(start)))
        }
        try await indexes.rebuild(collectionID: collectionID, kind: .automatic)
    }
}
