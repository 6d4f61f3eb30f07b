import API
import Foundation
import Storage
import TestSupport
import Testing

/// What running on PostgreSQL adds: a server that cannot reach its database at start, and one
/// whose database goes away and comes back while it serves.
@Suite("PostgreSQL operations")
struct PostgresOperationsTests {
    @Test("an unreachable or wrong NEX_DATABASE_URL stops `serve` at start: one line naming host and port, never the password",
          arguments: [
              ("postgres://nex:s3cret-pw@127.0.0.1:1/db", "127.0.0.1:1"),
              ("postgres://nex:s3cret-pw@127.0.0.1:{port}/no_such_db", "no_such_db\" does not exist"),
              ("mysql://nex:s3cret-pw@127.0.0.1:1/db", "NEX_DATABASE_URL=mysql://nex:***@127.0.0.1:1/db is invalid"),
          ])
    func unreachable(url: String, expected: String) async throws {
        let server = try await TestPostgres.serverURL()
        let port = try #require(URLComponents(string: server)?.port)
        let directory = try TemporaryDirectory(prefix: "pg-start")
        let (status, output) = try await runProgramAsync(BuildProducts.nextraction, ["serve", "--port", "0", "--data-dir", directory.path],
                                                         environment: ["NEX_DATABASE_URL": url.replacingOccurrences(of: "{port}", with: "\(port)"),
                                                                       "NEX_LOG_LEVEL": "error"])
        #expect(status != 0)
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("Error: ") && last.contains(expected), "\(output)")
        #expect(!output.contains("s3cret-pw"))
    }

    @Test("the database goes away: routes that need it answer 503 database_unavailable, /ready fails, /health stays; it recovers by itself")
    func outage() async throws {
        // A cluster of this test's own: stopping the shared one would fail the other tests.
        let cluster = try PostgresCluster()
        defer { cluster.shutdown() }
        let url = try PostgresCluster.createDatabase(on: cluster.serverURL)
        try await withTestServer(configure: { config in
            config.databaseURL = try? DatabaseURL(url)
            // A deadline no outage request comes near: each must end once a connection of the
            // server's own is refused, not when the deadline expires (and a busy machine's slow
            // query before the outage has all the time it needs).
            config.databaseTimeout = 120
        }, embedder: try TestModel.embedder()) { api, _ in
            // /ready answers within its own 3 s; on a busy machine that can take more than one try.
            func becomesReady() async throws -> Bool {
                let deadline = Date().addingTimeInterval(120)
                var ready = try await api.get("/ready").status
                while ready != 200 && Date() < deadline {
                    try await Task.sleep(for: .milliseconds(250))
                    ready = try await api.get("/ready").status
                }
                return ready == 200
            }
            let alice = try await api.registered(email: "alice@example.com")
            #expect(try await alice.get("/collections").status == 200)
            #expect(try await becomesReady())

            try cluster.stop()
            let outage = Date()
            let collections = try await alice.get("/collections")
            #expect(collections.status == 503 && collections.errorCode == "database_unavailable", "\(collections.body)")
            let login = try await api.post("/auth/login", json: ["email": "alice@example.com", "password": "correct horse battery"])
            #expect(login.status == 503 && login.errorCode == "database_unavailable")
            #expect(try await api.get("/ready").status == 503)
            #expect(try await api.get("/health").status == 200)
            #expect(Date().timeIntervalSince(outage) < 60, "the outage requests waited for the deadline")

            try cluster.start()
            // The pool reconnects on its own; a bound on the wait, not a timing assumption.
            #expect(try await becomesReady())
            #expect(try await alice.get("/collections").status == 200)
            #expect(try await api.post("/auth/login", json: ["email": "alice@example.com", "password": "correct horse battery"]).status == 200)
        }
    }

    @Test("migrate copies a SQLite folder (two users, a crawled collection) into PostgreSQL: same answer and citations, old passwords work; a second run refuses")
    func migrate() async throws {
        let (folder, data) = try await CrawledSite.garden.copy(prefix: "migrate")
        defer { withExtendedLifetime(folder) {} }
        let environment = ["NEX_MODEL_DIR": TestModel.directory, "NEX_BCRYPT_COST": "4"]
        let bob = try runCLI(["user", "create", "--email", "bob@example.com", "--data-dir", data], stdin: "bobs password 1\n")
        #expect(bob.status == 0, "\(bob.output)")

        let question: [String: any Sendable] = ["question": "When is the best time of year to cut back rose bushes?", "collection": "garden"]
        func ask(_ url: DatabaseURL?) async throws -> (answer: String?, citations: [String]) {
            try await withTestServer(configure: { config in
                config.dataDirectory = data
                config.databaseURL = url
            }, embedder: try TestModel.embedder()) { api, _ in
                let login = try await api.post("/auth/login", json: ["email": "alice@example.com", "password": "correct horse battery"])
                #expect(login.status == 200)
                var alice = api
                alice.token = try #require(login.string("token"))
                let reply = try await alice.post("/ask", json: question)
                #expect(reply.status == 200)
                let citations = (reply.json?["citations"] as? [[String: Any]] ?? []).compactMap { $0["url"] as? String }
                let bobLogin = try await api.post("/auth/login", json: ["email": "bob@example.com", "password": "bobs password 1"])
                #expect(bobLogin.status == 200)
                return (reply.string("answer"), citations)
            }
        }
        let before = try await ask(nil)

        let url = try await TestPostgres.freshDatabaseURL()
        let migrated = try await runProgramAsync(BuildProducts.nextraction, ["migrate", "--to", url, "--data-dir", data], environment: environment)
        #expect(migrated.status == 0, "\(migrated.output)")
        // The counts table: every table copied whole (the shared crawl may hold more accounts than these two).
        let users = migrated.output.split(separator: "\n").last { $0.hasPrefix("app_user ") }?.split(separator: " ").compactMap { Int($0) } ?? []
        #expect(users.count == 2 && users[0] >= 2 && users[0] == users[1], "\(migrated.output)")
        #expect(migrated.output.contains("chunk ") && !migrated.output.contains("MISMATCH"), "\(migrated.output)")
        let again = try await runProgramAsync(BuildProducts.nextraction, ["migrate", "--to", url, "--data-dir", data], environment: environment)
        #expect(again.status != 0 && again.output.contains("not empty"))

        let after = try await ask(try DatabaseURL(url))
        #expect(before.answer != nil && after.answer == before.answer)
        #expect(!before.citations.isEmpty && after.citations == before.citations)
    }
}

