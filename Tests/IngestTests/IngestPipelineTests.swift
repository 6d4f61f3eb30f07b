import Embedding
import Foundation
import HTTPKit
import IndexStore
import Ingest
import Logging
import NexNumerics
import Storage
import TestSupport
import Testing
import VectorIndex

/// A data directory with a database, a user and a collection, and an ingest environment
/// running the real model.
struct IngestFixture {
    let directory: TemporaryDirectory
    let database: AppDatabase
    let collectionID: Int64
    let environment: IngestEnvironment

    init() throws {
        directory = try TemporaryDirectory(prefix: "ingest")
        database = try AppDatabase.open(path: directory.appending("db.sqlite"))
        let user = try database.createUser(email: "ingest@example.com", passwordHash: "x")
        collectionID = try database.ensureCollection(userID: user.id!, name: "docs").id!
        let embedder = try TestModel.embedder()
        let indexes = IndexRegistry(directory: directory.appending("index"), dimension: embedder.dimension, database: database)
        var environment = IngestEnvironment(database: database, embedder: embedder, indexes: indexes,
                                            client: try HTTPClient(userAgent: "NexTraction/test"), userAgent: "NexTraction/test",
                                            politenessDelay: 0, logger: Logger(label: "test"))
        environment.publishInterval = 0.2
        self.environment = environment
    }

    func ingest(_ site: FixtureSite, maxPages: Int = 100, maxDepth: Int = 3) async throws -> JobProgress {
        let parameters = IngestParameters(url: site.baseURL + "/", collection: "docs", maxPages: maxPages, maxDepth: maxDepth,
                                          politenessDelay: 0, allowPrivateHosts: true)
        let progress = ProgressTracker(jobID: "test")
        try await IngestPipeline(environment: environment, collectionID: collectionID, parameters: parameters, progress: progress).run()
        return progress.snapshot
    }

    /// (url → chunk texts) of everything stored.
    func stored() throws -> [String: [String]] {
        let ids = try database.chunkIDs(collectionID: collectionID)
        var byURL: [String: [String]] = [:]
        for chunk in try database.chunks(ids: ids, collectionID: collectionID) { byURL[chunk.url, default: []].append(chunk.text) }
        return byURL
    }

    func indexIDs() async throws -> Set<Int64> {
        Set(try await environment.indexes.snapshot(collectionID: collectionID)?.allIDs ?? [])
    }
}

@Suite("Ingest pipeline", .serialized)
struct IngestPipelineTests {
    @Test("ingest stores main-text chunks; the index holds exactly SQLite's chunk ids; re-ingest embeds nothing; changes and removals are applied")
    func lifecycle() async throws {
        let site = try await FixtureSite()
        let fixture = try IngestFixture()

        // First ingest.
        let first = try await fixture.ingest(site)
        let stored = try fixture.stored()
        #expect(stored.count >= 30 && first.indexed == stored.count, "indexed \(first.indexed), stored \(stored.count)")
        #expect(first.chunks > stored.count)
        #expect(first.skipped >= 8 && first.failed >= 1)
        let roses = stored.first { $0.key.hasSuffix("/topics/roses") }?.value.joined(separator: " ") ?? ""
        #expect(roses.contains("Prune most roses in late winter"))
        let everything = stored.values.flatMap { $0 }.joined(separator: "\n")
        for marker in ["FOOTER-BOILERPLATE", "HEADER-BOILERPLATE", "HIDDEN-TEXT", "SCRIPT-TEXT"] { #expect(!everything.contains(marker)) }
        let chunkIDs = Set(try fixture.database.chunkIDs(collectionID: fixture.collectionID))
        #expect(try await fixture.indexIDs() == chunkIDs)
        let latin = try #require(try fixture.database.document(collectionID: fixture.collectionID, url: site.baseURL + "/latin1"))
        #expect(latin.lang == "fr")

        // The vectors are the model's: a paraphrased question finds the roses page first.
        let query = try await fixture.environment.embedder.embedQuery("what is the right time of year to cut back rose bushes?")
        let index = try await #require(try fixture.environment.indexes.snapshot(collectionID: fixture.collectionID))
        let hits = try index.search(Matrix(rows: 1, cols: query.count, storage: query), k: 3, parameters: .init())
        let top = try fixture.database.chunks(ids: Array(hits.ids(of: 0)), collectionID: fixture.collectionID)
        #expect(top.first?.url.hasSuffix("/topics/roses") == true)

        // Unchanged site: nothing re-embedded, ids stable.
        let second = try await fixture.ingest(site)
        #expect(second.chunks == 0, "re-ingest embedded \(second.chunks) chunks")
        #expect(second.unchanged == stored.count)
        #expect(Set(try fixture.database.chunkIDs(collectionID: fixture.collectionID)) == chunkIDs)

        // One page changed, one gone (410): only the changed page is re-embedded.
        try await site.control("/__mutate?path=/topics/roses")
        try await site.control("/__gone?path=/topics/ferns")
        let third = try await fixture.ingest(site)
        let after = try fixture.stored()
        let newRoses = try #require(after.first { $0.key.hasSuffix("/topics/roses") }?.value)
        #expect(third.chunks == newRoses.count)
        #expect(third.indexed == 1 && third.removed == 1)
        #expect(newRoses.joined(separator: " ").contains("checking the plants every morning"))
        #expect(after.keys.contains { $0.hasSuffix("/topics/ferns") } == false)
        #expect(try await fixture.indexIDs() == Set(try fixture.database.chunkIDs(collectionID: fixture.collectionID)))
    }

    @Test("a complete re-crawl asks again for stored pages it no longer reaches: gone ones are removed, live ones kept; a cut-short crawl asks nothing")
    func sweep() async throws {
        let site = try await FixtureSite()
        defer { site.stop() }
        let fixture = try IngestFixture()
        // Two pages stored earlier that the site no longer links to: one it deleted, one it still serves.
        for path in ["/retired-page", "/xss"] {
            let document = DocumentRecord(collectionID: fixture.collectionID, url: site.baseURL + path, canonicalURL: nil, title: path,
                                          lang: nil, contentHash: path, fetchedAt: Date(), etag: nil, lastModified: nil, links: [],
                                          httpStatus: 200, depth: 1, bytes: 1)
            _ = try fixture.database.storePage(document, chunks: [])
        }
        // Cut short by the depth limit: nothing is swept.
        let partial = try await fixture.ingest(site, maxPages: 200, maxDepth: 2)
        #expect(partial.removed == 0)
        #expect(try fixture.database.document(collectionID: fixture.collectionID, url: site.baseURL + "/retired-page") != nil)
        // Complete: the deleted page goes, the live one stays.
        let complete = try await fixture.ingest(site, maxPages: 200, maxDepth: 10)
        #expect(complete.removed == 1, "\(complete)")
        #expect(try fixture.database.document(collectionID: fixture.collectionID, url: site.baseURL + "/retired-page") == nil)
        #expect(try fixture.database.document(collectionID: fixture.collectionID, url: site.baseURL + "/xss") != nil)
    }

    @Test("chunks fit the model: ≤ 254 word pieces with their heading prefix, heading paths from the page")
    func chunkShapes() async throws {
        let site = try await FixtureSite()
        let fixture = try IngestFixture()
        _ = try await fixture.ingest(site, maxPages: 12)
        let ids = try fixture.database.chunkIDs(collectionID: fixture.collectionID)
        let chunks = try fixture.database.chunks(ids: ids, collectionID: fixture.collectionID)
        #expect(!chunks.isEmpty)
        #expect(chunks.allSatisfy { $0.tokenCount <= 254 && $0.tokenCount > 0 })
        let topic = chunks.filter { $0.url.contains("/topics/") }
        #expect(!topic.isEmpty && topic.allSatisfy { !$0.headingPath.isEmpty })
    }
}
