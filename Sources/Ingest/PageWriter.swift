import Crawler
import Embedding
import Foundation
import IndexStore
import Metrics
import Storage
import TextKit

/// A page ready to embed.
struct PendingPage: Sendable {
    var page: CrawledPage
    var chunks: [TextChunk]
}

/// The steps every page takes into a collection, crawled or uploaded: skip it when its
/// content is already stored (same hash) or stored under another address, chunk it, then
/// embed a batch of pages and write each page in one transaction, and publish the index.
struct PageWriter: Sendable {
    let environment: IngestEnvironment
    let collectionID: Int64
    let progress: ProgressTracker
    let times: StageTimes

    /// Before anything is written: an empty collection takes the embedder's precision, one of
    /// another precision fails the job (`StorageError.precisionMismatch`).
    func claimPrecision() async throws {
        try await environment.database.claimEmbedPrecision(collectionID: collectionID, precision: environment.embedder.precision.rawValue)
    }

    /// The page's chunks when it needs embedding; nil (logged) when it is unchanged, a
    /// duplicate of another stored page, or empty.
    func prepare(_ page: CrawledPage, chunker: Chunker) async -> PendingPage? {
        let database = environment.database
        let url = page.url.absoluteString
        let stored = try? await database.document(collectionID: collectionID, url: url)
        if let stored, let id = stored.id, stored.contentHash == page.contentHash {
            try? await database.touchDocument(id: id, fetchedAt: page.fetchedAt, etag: page.etag, lastModified: page.lastModified,
                                              links: page.links.map(\.absoluteString))
            progress.update { $0.unchanged += 1 }
            progress.log(url, status: "unchanged", reason: "same content", httpStatus: page.status, depth: page.depth)
            return nil
        }
        if let twin = try? await database.document(collectionID: collectionID, contentHash: page.contentHash, excludingURL: url) {
            progress.update { $0.skipped += 1 }
            progress.log(url, status: "skipped", reason: "duplicate", detail: "same content as \(twin.url)", httpStatus: page.status, depth: page.depth)
            return nil
        }
        let chunks = times.measure("chunk") { chunker.chunk(title: page.title, blocks: page.blocks) }
        guard !chunks.isEmpty else {
            progress.update { $0.skipped += 1 }
            progress.log(url, status: "skipped", reason: "empty", httpStatus: page.status, depth: page.depth)
            return nil
        }
        return PendingPage(page: page, chunks: chunks)
    }

    /// Embeds a batch of pages in one forward pass and stores each page (document + chunks)
    /// in its own transaction.
    func write(_ batch: [PendingPage]) async throws {
        let texts = batch.flatMap { $0.chunks.map(\.embeddingText) }
        let embedStart = DispatchTime.now().uptimeNanoseconds
        let embeddings = try await environment.embedder.embed(texts)
        let embedNanoseconds = DispatchTime.now().uptimeNanoseconds - embedStart
        times.add("embed", Double(embedNanoseconds) / 1e9)
        if let factory = environment.metrics {
            Timer(label: "nextraction_embedding_batch_seconds", dimensions: [], factory: factory).recordNanoseconds(Int64(embedNanoseconds))
            Counter(label: "nextraction_ingest_pages_total", dimensions: [], factory: factory).increment(by: batch.count)
            Counter(label: "nextraction_ingest_chunks_total", dimensions: [], factory: factory).increment(by: texts.count)
        }
        var row = 0
        try await times.measure("write") {
            for pending in batch {
                let page = pending.page
                let first = row
                row += pending.chunks.count
                let chunks = pending.chunks.enumerated().map { ordinal, chunk in
                    NewChunk(ordinal: ordinal, headingPath: chunk.headingPath.joined(separator: " › "), text: chunk.text,
                             tokenCount: chunk.embeddingTokenCount, vector: embeddings.vector(first + ordinal),
                             contentHash: ContentHash.sha256(chunk.text), layout: chunk.layout)
                }
                let document = DocumentRecord(
                    collectionID: collectionID, url: page.url.absoluteString, canonicalURL: page.canonicalURL?.absoluteString,
                    title: page.title, lang: page.language, contentHash: page.contentHash, fetchedAt: page.fetchedAt,
                    etag: page.etag, lastModified: page.lastModified, links: page.links.map(\.absoluteString),
                    httpStatus: page.status, depth: page.depth, bytes: page.bytes
                )
                _ = try await environment.database.storePage(document, chunks: chunks)
                progress.update { $0.indexed += 1; $0.chunks += chunks.count }
                progress.log(page.url.absoluteString, status: "fetched", httpStatus: page.status, depth: page.depth, chunks: chunks.count)
            }
        }
    }

    /// Brings the collection's index up to what this job (and anyone else) has stored: one
    /// delta generation with the chunks changed since the last one.
    func publish() async throws {
        _ = try await times.measure("publish") {
            try await environment.indexes.catchUp(collectionID: collectionID)
        }
    }
}
