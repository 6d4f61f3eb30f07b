import Embedding
import Foundation
import Storage
import TextKit

/// Re-embeds a collection with the running embedder (`nextraction index rebuild --reembed`),
/// e.g. after `NEX_EMBED_PRECISION` changed: every page is written again with the same chunks
/// and new vectors (one transaction per page, through the change log, so every server's index
/// follows), then the collection records the embedder's precision. Interrupted, it leaves the
/// old precision recorded; running it again finishes the job.
public struct Reembedder: Sendable {
    let database: any DataStore
    let embedder: any Embedder
    let chunker: Chunker.Options
    /// Chunks per forward-pass batch.
    let batchChunks = 512

    public init(database: any DataStore, embedder: any Embedder, chunker: Chunker.Options = Chunker.Options()) {
        self.database = database
        self.embedder = embedder
        self.chunker = chunker
    }

    /// Re-embeds every chunk of the collection; (pages, chunks) written. `progress` gets pages
    /// done and pages in all.
    @discardableResult
    public func run(collectionID: Int64, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> (pages: Int, chunks: Int) {
        let urls = try await database.documentURLs(collectionID: collectionID)
        let builder = Chunker(counter: embedder.tokenCounter, options: chunker)
        var pending: [(document: DocumentRecord, chunks: [StoredChunk])] = []
        var pendingChunks = 0, pages = 0, chunks = 0
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let texts = pending.flatMap { page in
                page.chunks.map { builder.embeddingText(title: $0.title, headingPath: $0.headingPath, text: $0.text) }
            }
            let vectors = try await embedder.embed(texts)
            var row = 0
            for page in pending {
                let fresh = page.chunks.map { chunk in
                    defer { row += 1 }
                    return NewChunk(ordinal: chunk.ordinal, headingPath: chunk.headingPath, text: chunk.text, tokenCount: chunk.tokenCount,
                                    vector: vectors.vector(row), contentHash: ContentHash.sha256(chunk.text), layout: chunk.layout)
                }
                _ = try await database.storePage(page.document, chunks: fresh)
                chunks += fresh.count
            }
            pages += pending.count
            pending.removeAll()
            pendingChunks = 0
            progress(pages, urls.count)
        }
        for url in urls {
            try Task.checkCancellation()
            guard let document = try await database.document(collectionID: collectionID, url: url), let id = document.id else { continue }
            let stored = try await database.chunks(documentID: id, ordinals: 0...Int(Int32.max), collectionID: collectionID)
            pending.append((document, stored))
            pendingChunks += stored.count
            if pendingChunks >= batchChunks { try await flush() }
        }
        try await flush()
        try await database.setEmbedPrecision(collectionID: collectionID, precision: embedder.precision.rawValue)
        return (pages, chunks)
    }
}
