import Foundation
import NexNumerics
import Storage

/// A big collection without an hour of embedding: synthetic chunks (random unit vectors,
/// short filler texts), 100 per page, stored as pages are (one transaction each, with the
/// lexical index and the change log), for benchmarks that need a collection to be large.
enum SyntheticChunks {
    static func urlOfPage(_ page: Int) -> String { "https://filler.invalid/\(page)" }

    static func fill(_ count: Int, into store: any DocumentStore, collectionID: Int64, dimension: Int, seed: UInt64 = 77) async throws {
        let start = Date()
        var rng = SplitMix64(seed: seed)
        var written = 0
        while written < count {
            let page = written / 100
            let chunks = (0..<min(100, count - written)).map { ordinal -> NewChunk in
                var vector = (0..<dimension).map { _ in rng.nextGaussian() }
                Vector.normalize(&vector)
                return NewChunk(ordinal: ordinal, headingPath: "", text: "Filler passage \(written + ordinal) of a collection that is already large.",
                                tokenCount: 12, vector: vector, contentHash: "filler-\(written + ordinal)")
            }
            let document = DocumentRecord(collectionID: collectionID, url: urlOfPage(page), canonicalURL: nil, title: "Filler \(page)",
                                          lang: "en", contentHash: "filler-page-\(page)", fetchedAt: Date(), etag: nil, lastModified: nil,
                                          links: [], httpStatus: 200, depth: 0, bytes: 0)
            _ = try await store.storePage(document, chunks: chunks)
            written += chunks.count
            if page % 1000 == 0 {
                BenchSupport.progress(String(format: "filler: %d of %d chunks (%.0f s)", written, count, Date().timeIntervalSince(start)))
            }
        }
    }
}
