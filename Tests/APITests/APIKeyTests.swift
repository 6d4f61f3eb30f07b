import API
import Foundation
import Storage
import TestSupport
import Testing

@Suite("API keys")
struct APIKeyTests {
    @Test("a key is shown once, stored as a hash, works as a Bearer token within its scope, and fails at once when revoked",
          arguments: Backend.allCases)
    func lifecycle(_ backend: Backend) async throws {
        try await withTestServer(backend: backend) { api, dependencies in
            let session = try await api.registered(email: "keys@example.com")
            let created = try await session.post("/auth/keys", json: ["name": "reporting script", "scopes": ["read"]])
            #expect(created.status == 201, "\(created.text)")
            let key = try #require(created.string("key"))
            #expect(key.hasPrefix("nex_") && key.count >= 4 + 43)
            #expect(created.value("scopes") as? [String] == ["read"])
            let id = try #require(created.value("id") as? Int)

            // Listed by prefix; neither the key nor its hash ever comes back.
            let listed = try await session.get("/auth/keys")
            let keys = try #require(listed.value("keys") as? [[String: Any]])
            #expect(keys.count == 1 && keys[0]["name"] as? String == "reporting script")
            #expect((keys[0]["prefix"] as? String).map { key.hasPrefix($0) && $0.count == 12 } == true)
            #expect(!listed.text.contains(key) && !listed.text.contains(APIKeys.hash(key)))
            #expect(keys[0]["last_used_at"] == nil)
            // The database holds the SHA-256 of the key, not the key.
            let me = try await session.get("/auth/me")
            let stored = try await dependencies.database.apiKeys(userID: Int64(try #require(me.value("id") as? Int)))
            #expect(stored.map(\.hash) == [APIKeys.hash(key)] && !stored[0].hash.contains(key))

            // Read scope: questions and listings, not changes.
            var reader = api
            reader.token = key
            #expect(try await reader.get("/auth/me").string("email") == "keys@example.com")
            #expect(try await reader.get("/collections").status == 200)
            #expect(try await reader.get("/jobs").status == 200)
            let ingest = try await reader.post("/ingest", json: ["url": "https://example.com/"])
            #expect(ingest.status == 403 && ingest.errorCode == "insufficient_scope")
            #expect(try await reader.request("DELETE", "/collections/default").errorCode == "insufficient_scope")
            #expect(try await reader.post("/plans", json: ["title": "t", "steps": [["id": "a", "prompt": "p"]]]).errorCode == "insufficient_scope")
            // A key cannot mint, list or revoke keys, and does not log out.
            #expect(try await reader.post("/auth/keys", json: ["name": "escalate", "scopes": ["write"]]).errorCode == "session_required")
            #expect(try await reader.get("/auth/keys").errorCode == "session_required")
            #expect(try await reader.request("DELETE", "/auth/keys/\(id)").errorCode == "session_required")
            #expect(try await reader.post("/auth/logout").errorCode == "not_a_session")
            let used = try await session.get("/auth/keys").value("keys") as? [[String: Any]]
            #expect(used?.first?["last_used_at"] is String)

            // Write scope reaches the write routes.
            let writer = try await session.post("/auth/keys", json: ["name": "ingester", "scopes": ["read", "write"], "expires_in": "30d"])
            #expect(writer.status == 201 && writer.value("scopes") as? [String] == ["read", "write"])
            #expect(writer.string("expires_at") != nil)
            let writeKey = try #require(writer.string("key"))
            let plan = try await api.post("/plans", json: ["title": "t", "steps": [["id": "a", "prompt": "p"]]], token: writeKey)
            #expect(plan.status == 201, "\(plan.text)")
            let planID = try #require(plan.string("plan_id"))
            #expect(try await reader.get("/plans/\(planID)").status == 200)
            #expect(try await api.request("DELETE", "/plans/\(planID)", token: writeKey).status == 204)

            // Revoked: 401 at once; an unknown key of the right shape too.
            #expect(try await session.request("DELETE", "/auth/keys/\(id)").status == 204)
            #expect(try await reader.get("/collections").status == 401)
            #expect(try await session.request("DELETE", "/auth/keys/\(id)").status == 404)
            #expect(try await api.get("/collections", token: "nex_" + String(repeating: "A", count: 43)).status == 401)
            #expect(try await api.get("/collections", token: writeKey).status == 200)
        }
    }

    @Test("bad key requests are 422; another user's key cannot be revoked; an expired key is 401")
    func refusals() async throws {
        try await withTestServer { api, dependencies in
            let alice = try await api.registered(email: "alice@example.com")
            let bob = try await api.registered(email: "bob@example.com")
            #expect(try await alice.post("/auth/keys", json: ["name": "  "]).status == 422)
            #expect(try await alice.post("/auth/keys", json: ["name": "x", "scopes": ["admin"]]).status == 422)
            #expect(try await alice.post("/auth/keys", json: ["name": "x", "scopes": [String]()]).errorCode == "invalid_scopes")
            #expect(try await alice.post("/auth/keys", json: ["name": "x", "expires_in": "soon"]).status == 422)
            #expect(try await alice.post("/auth/keys", json: ["name": "x", "expires_in": 5]).errorCode == "invalid_expiry")
            let created = try await alice.post("/auth/keys", json: ["name": "default scope"])
            #expect(created.value("scopes") as? [String] == ["read"])
            let id = try #require(created.value("id") as? Int)
            #expect(try await bob.request("DELETE", "/auth/keys/\(id)").status == 404)
            #expect((try await bob.get("/auth/keys").value("keys") as? [Any])?.isEmpty == true)
            #expect(try await api.get("/auth/me", token: created.string("key")).string("email") == "alice@example.com")
            // Alice's key reaches only Alice's data: Bob's plan and collection stay out of reach.
            let bobsPlan = try await bob.post("/plans", json: ["title": "bob's", "steps": [["id": "a", "prompt": "p"]]])
            let planID = try #require(bobsPlan.string("plan_id"))
            #expect(try await api.get("/plans/\(planID)", token: created.string("key")).status == 404)
            #expect(try await api.get("/plans", token: created.string("key")).jsonArray?.isEmpty == true)
            let bobID = try #require(try await dependencies.database.user(email: "bob@example.com")?.id)
            _ = try await dependencies.database.ensureCollection(userID: bobID, name: "bobs-docs")
            #expect(try await api.get("/collections", token: created.string("key")).jsonArray?.isEmpty == true)
            #expect(try await api.get("/search?q=anything&collection=bobs-docs", token: created.string("key")).status != 200)
            #expect((try await api.get("/v1/models", token: created.string("key")).json?["data"] as? [Any])?.isEmpty == true)

            // A key past its expiry (stored directly: the API refuses lifetimes under a minute).
            let aliceID = try #require(try await dependencies.database.user(email: "alice@example.com")?.id)
            var expired = try APIKeys.issue(userID: aliceID, name: "old", scopes: [.read], expiresIn: 3600,
                                            now: Date().addingTimeInterval(-7200))
            expired.record = try await dependencies.database.createAPIKey(expired.record)
            #expect(try await api.get("/auth/me", token: expired.key).status == 401)
        }
    }

    @Test("a key revoked through one server fails at once on another sharing the database")
    func revokedEverywhere() async throws {
        try await withTestServer(backend: .postgres) { first, dependencies in
            try await withTestServer(backend: .postgres, configure: { $0.databaseURL = dependencies.config.databaseURL }) { second, _ in
                let session = try await first.registered(email: "replica-keys@example.com")
                let created = try await session.post("/auth/keys", json: ["name": "everywhere"])
                let key = try #require(created.string("key")), id = try #require(created.value("id") as? Int)
                #expect(try await second.get("/collections", token: key).status == 200)
                #expect(try await session.request("DELETE", "/auth/keys/\(id)").status == 204)
                #expect(try await second.get("/collections", token: key).status == 401)
            }
        }
    }

    @Test("nextraction key create, list and revoke manage the keys a server accepts")
    func commandLine() async throws {
        let directory = try TemporaryDirectory()
        let data = directory.appending("data")
        #expect(try runCLI(["user", "create", "--email", "cli-keys@example.com", "--data-dir", data], stdin: "cli password 1\n").status == 0)
        let create = try runCLI(["key", "create", "--name", "nightly sync", "--scope", "read", "--scope", "write", "--expires-in", "90d",
                                 "--data-dir", data])
        #expect(create.status == 0, "\(create.output)")
        let key = try #require(create.output.split(separator: "\n").map(String.init).first { $0.hasPrefix("nex_") })
        #expect(create.output.contains("scopes read,write") && create.output.contains("shown only now"))
        let list = try runCLI(["key", "list", "--user", "cli-keys@example.com", "--data-dir", data])
        #expect(list.status == 0 && list.output.contains("nightly sync") && list.output.contains(String(key.prefix(12))), "\(list.output)")
        #expect(!list.output.contains(key))
        try await withTestServer(configure: { $0.dataDirectory = data }) { api, _ in
            #expect(try await api.get("/auth/me", token: key).string("email") == "cli-keys@example.com")
            let id = try #require(list.output.split(separator: "\n").dropFirst().first?.split(separator: "\t").first)
            let revoke = try runCLI(["key", "revoke", String(id), "--data-dir", data])
            #expect(revoke.status == 0 && revoke.output.contains("revoked key \(id)"))
            #expect(try await api.get("/auth/me", token: key).status == 401)
        }
        let bad = try runCLI(["key", "create", "--name", "x", "--scope", "admin", "--data-dir", data])
        #expect(bad.status != 0 && bad.output.contains("unknown scope admin"))
    }
}
