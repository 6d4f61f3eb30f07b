import API
import Embedding
import Foundation
import HTTPKit
import Ingest
import IndexStore
import Logging
import Storage
import TestSupport

/// A fixture site (a real server process) crawled once, with the real ingest pipeline, into a
/// data directory owned by one account; shared read-only by the tests that ask it questions.
actor CrawledSite {
    /// The garden site (`Tests/Fixtures/fixture_site.py`), owned by alice@example.com.
    static let garden = CrawledSite(script: "fixture_site.py", email: "alice@example.com", collection: "garden", maxPages: 100)
    /// The same, stored in a PostgreSQL database of the test cluster.
    static let gardenOnPostgres = CrawledSite(script: "fixture_site.py", email: "alice@example.com", collection: "garden", maxPages: 100,
                                              backend: .postgres)

    static func garden(_ backend: Backend) -> CrawledSite { backend == .sqlite ? garden : gardenOnPostgres }
    /// The documentation site (`Tests/Fixtures/docs_site.py`), owned by docs@example.com.
    static let docs = CrawledSite(script: "docs_site.py", email: "docs@example.com", collection: "larkspur", maxPages: 50)

    let script: String, email: String, collection: String, maxPages: Int, backend: Backend
    private var building: Task<(TemporaryDirectory, [JobPageRecord], DatabaseURL?), any Error>?

    init(script: String, email: String, collection: String, maxPages: Int, backend: Backend = .sqlite) {
        (self.script, self.email, self.collection, self.maxPages, self.backend) = (script, email, collection, maxPages, backend)
    }

    /// A server configuration on the crawled data (its folder, and its database when not SQLite).
    nonisolated func apply(to config: inout AppConfig, built: (directory: String, log: [JobPageRecord], databaseURL: DatabaseURL?)) {
        config.dataDirectory = built.directory
        config.databaseURL = built.databaseURL
        if built.databaseURL != nil { config.databaseTimeout = 120 }   // a bound on failures, not a speed
    }

    /// The data directory and the crawl's per-URL log. One crawl serves every caller (a plain
    /// cached value would be built twice: actor methods interleave at each `await`).
    func build() async throws -> (directory: String, log: [JobPageRecord], databaseURL: DatabaseURL?) {
        let task = building ?? Task { [script, email, collection, maxPages, backend] in
            try await Self.crawl(script: script, email: email, collection: collection, maxPages: maxPages, backend: backend)
        }
        building = task
        let (directory, log, url) = try await task.value
        return (directory.path, log, url)
    }

    /// The site is stopped afterwards: asking needs only the stored pages.
    static func crawl(script: String, email: String, collection name: String, maxPages: Int,
                      backend: Backend) async throws -> (TemporaryDirectory, [JobPageRecord], DatabaseURL?) {
        let site = try await FixtureSite(script: script)
        defer { site.stop() }
        let directory = try TemporaryDirectory(prefix: "\(name)-data")
        // The server's own way to open the data: the same database and index folder.
        var config = AppConfig()
        config.dataDirectory = directory.path
        config.databaseURL = try await backend.serverDatabaseURL().map(DatabaseURL.init)
        config.databaseTimeout = 120
        let database = try await config.openDatabase()
        let user = try await database.createUser(email: email, passwordHash: await PasswordHasher(cost: 4).hash("correct horse battery"))
        let collection = try await database.ensureCollection(userID: user.id!, name: name).id!
        let embedder = try TestModel.embedder()
        let indexes = IndexRegistry(directory: config.indexDirectory, dimension: embedder.dimension, database: database)
        let environment = IngestEnvironment(database: database, embedder: embedder, indexes: indexes,
                                            client: try HTTPClient(userAgent: "NexTraction/test"), userAgent: "NexTraction/test",
                                            politenessDelay: 0, logger: Logger(label: "test"))
        let parameters = IngestParameters(url: site.baseURL + "/", collection: name, maxPages: maxPages, maxDepth: 3, allowPrivateHosts: true)
        let progress = ProgressTracker(jobID: name)
        try await IngestPipeline(environment: environment, collectionID: collection, parameters: parameters, progress: progress).run()
        return (directory, progress.drainLog(), config.databaseURL)
    }
}

/// A server on the crawled garden site (`CrawledSite.garden`), with alice@example.com signed
/// in: `body` gets her client and the server's base URL. `llm`: an OpenAI-compatible base URL
/// to answer with.
func withGardenServer(_ backend: Backend = .sqlite, rate: Int = 1000, llm: String? = nil,
                      _ body: (APIClient, String) async throws -> Void) async throws {
    let site = CrawledSite.garden(backend)
    let built = try await site.build()
    try await withTestServer(configure: { config in
        site.apply(to: &config, built: built)
        config.askRate = rate
        if let llm { config.environment = ["NEX_LLM_BASE_URL": llm, "NEX_LLM_MODEL": "canned"] }
    }, embedder: try TestModel.embedder()) { api, _ in
        let login = try await api.post("/auth/login", json: ["email": "alice@example.com", "password": "correct horse battery"])
        var alice = api
        alice.token = login.string("token")
        guard alice.token != nil else { throw APIClientError.unexpected(status: login.status, body: login.text) }
        try await body(alice, api.baseURL)
    }
}

extension CrawledSite {
    /// A copy of this crawl's data folder for a test that changes it, made with `backup`
    /// (which leaves the shared original alone): the folder to keep alive and the copy's path.
    func copy(prefix: String) async throws -> (folder: TemporaryDirectory, data: String) {
        let original = try await build()
        let folder = try TemporaryDirectory(prefix: prefix)
        let data = folder.appending("data")
        let backup = try await runProgramAsync(BuildProducts.nextraction, ["backup", data, "--data-dir", original.directory],
                                               environment: ["NEX_MODEL_DIR": TestModel.directory, "NEX_BCRYPT_COST": "4"])
        guard backup.status == 0 else { throw APIClientError.unexpected(status: Int(backup.status), body: backup.output) }
        return (folder, data)
    }
}
