import API
import Embedding
import Foundation
import IndexStore
import NexNumerics
import Storage
import TextKit
import VectorIndex

/// Builds (once, cached) the bench collection: the BEIR corpus chunked and embedded, then
/// replicated with small variations up to the wanted number of chunks — each copy's text
/// gets a distinct marker and its vector a little seeded noise, so the index and the
/// full-text table are as big as the target without embedding 100k chunks.
enum BenchAskCollection {
    /// Returns the benchmark questions (the dataset's queries).
    static func prepare(folder: String, chunks target: Int, dataDirectory: String, embedder: MiniLMEmbedder) async throws -> [String] {
        let dataset = try BEIRDataset(directory: folder, split: "test")
        let questions = Array(dataset.queries.values).sorted()
        let marker = (dataDirectory as NSString).appendingPathComponent("bench-ready")
        if FileManager.default.fileExists(atPath: marker) { return questions }
        try? FileManager.default.removeItem(atPath: dataDirectory)
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)

        // The originals come from the eval cache (embedded once for `eval beir` as well).
        let scratch = try await ScratchCollection.open(dataset: dataset, embedder: embedder, cache: nil, fresh: false)
        let database = try AppDatabase.open(path: (dataDirectory as NSString).appendingPathComponent("nextraction.sqlite"))
        let hash = await PasswordHasher(cost: 10).hash(BenchAskCommand.password)
        let user = try await database.createUser(email: BenchAskCommand.email, passwordHash: hash)
        guard let userID = user.id, let collectionID = try await database.ensureCollection(userID: userID, name: "bench").id else {
            throw CLIError("cannot create the bench collection")
        }
        try await database.setEmbedPrecision(collectionID: collectionID, precision: embedder.precision.rawValue)
        let ids = try await scratch.database.chunkIDs(collectionID: scratch.collectionID)
        let originals = try await scratch.database.chunks(ids: ids, collectionID: scratch.collectionID)
        let (vectorIDs, flat) = try await scratch.database.chunkVectors(ids: ids, dimension: embedder.dimension)
        let d = embedder.dimension
        var vectorOf: [Int64: [Float]] = [:]
        for (row, id) in vectorIDs.enumerated() { vectorOf[id] = Array(flat[(row * d)..<((row + 1) * d)]) }
        let byDocument = Dictionary(grouping: originals, by: \.documentID)
        var rng = SplitMix64(seed: 2026)
        var written = 0
        var copy = 0
        let start = Date()
        while written < target {
            for (_, documentChunks) in byDocument.sorted(by: { $0.key < $1.key }) where written < target {
                guard let first = documentChunks.first else { continue }
                let records = documentChunks.sorted { $0.ordinal < $1.ordinal }.map { chunk -> NewChunk in
                    var vector = vectorOf[chunk.id] ?? [Float](repeating: 0, count: d)
                    if copy > 0 {
                        for j in vector.indices { vector[j] += 0.02 * rng.nextGaussian() }
                        Vector.normalize(&vector)
                    }
                    let text = copy == 0 ? chunk.text : "\(chunk.text) (edition \(copy))"
                    return NewChunk(ordinal: chunk.ordinal, headingPath: chunk.headingPath, text: text, tokenCount: chunk.tokenCount,
                                    vector: vector, contentHash: ContentHash.sha256(text), layout: chunk.layout)
                }
                let url = copy == 0 ? first.url : "\(first.url)#edition-\(copy)"
                let record = DocumentRecord(collectionID: collectionID, url: url, canonicalURL: nil, title: first.title, lang: "en",
                                            contentHash: ContentHash.sha256(url), fetchedAt: Date(), etag: nil, lastModified: nil,
                                            links: [], httpStatus: 200, depth: 0, bytes: 0)
                _ = try database.storePage(record, chunks: records)
                written += records.count
            }
            copy += 1
            BenchSupport.progress(String(format: "bench collection: %d chunks (%.0f s)", written, Date().timeIntervalSince(start)))
        }
        let indexes = IndexRegistry(directory: (dataDirectory as NSString).appendingPathComponent("index"), dimension: d, database: database)
        guard let index = try await indexes.rebuild(collectionID: collectionID, kind: .automatic) else {
            throw CLIError("the bench collection vanished while it was built")
        }
        BenchSupport.progress("bench collection ready: \(index.kindName) index of \(index.count) vectors")
        FileManager.default.createFile(atPath: marker, contents: Data())
        return questions
    }
}
