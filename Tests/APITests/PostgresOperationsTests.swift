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
            config.databaseTimeout = 3
        }) { api, _ in
            let alice = try await api.registered(email: "alice@example.com")
            #expect(try await alice.get("/collections").status == 200)
            #expect(try await api.get("/ready").status == 200)

            try cluster.stop()
            let collections = try await alice.get("/collections")
            #expect(collections.status == 503 && collections.errorCode == "database_unavailable", "\(collections.body)")
            let login = try await api.post("/auth/login", json: ["email": "alice@example.com", "password": "correct horse battery"])
            #expect(login.status == 503 && login.errorCode == "database_unavailable")
            #expect(try await api.get("/ready").status == 503)
            #expect(try await api.get("/health").status == 200)

            try cluster.start()
            // The pool reconnects on its own; a bound on the wait, not a timing assumption.
            let deadline = Date().addingTimeInterval(120)
            var ready = try await api.get("/ready").status
            while ready != 200 && Date() < deadline {
                try await Task.sleep(for: .milliseconds(250))
                ready = try await api.get("/ready").status
            }
            #expect(ready == 200)
            #expect(try await alice.get("/collections").status == 200)
            #expect(try await api.post("/auth/login", json: ["email": "alice@example.com", "password": "correct horse battery"]).status == 200)
        }
    }
}
