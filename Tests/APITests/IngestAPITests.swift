import API
import Embedding
import Foundation
import HTTPKit
import Storage
import TestSupport
import Testing

/// Polls `GET /jobs/{id}` until the job ends (or `timeout` seconds pass).
func waitForJob(_ api: APIClient, _ id: String, timeout: Double = 600, until done: (APIClient.Reply) -> Bool = { reply in
    ["completed", "failed", "cancelled"].contains(reply.string("status") ?? "")
}) async throws -> APIClient.Reply {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        let reply = try await api.get("/jobs/\(id)")
        if done(reply) || Date() > deadline { return reply }
        try await Task.sleep(for: .milliseconds(100))   // polling a condition, as the web page does
    }
}

@Suite("Ingest over HTTP", .serialized)
struct IngestAPITests {
    func configure(_ config: inout AppConfig) {
        config.allowPrivateHosts = true
        config.crawlDelay = 0
        config.maxPagesLimit = 40
    }

    @Test("POST /ingest → 202, the job runs to completion with live progress, its log explains every URL, collections count it", arguments: Backend.allCases)
    func ingestJob(_ backend: Backend) async throws {
        let site = try await FixtureSite()
        try await withTestServer(backend: backend, configure: configure, embedder: try TestModel.embedder()) { api, _ in
            let alice = try await api.registered(email: "alice@example.com")
            let accepted = try await alice.post("/ingest", json: ["url": site.baseURL + "/", "collection": "garden", "max_pages": 500, "max_depth": 3])
            #expect(accepted.status == 202)
            #expect(accepted.string("status") == "queued")
            let id = try #require(accepted.string("job_id"))

            let done = try await waitForJob(alice, id)
            #expect(done.string("status") == "completed", "\(done.text)")
            #expect(done.value("max_pages") as? Int == 40, "max_pages is capped by NEX_MAX_PAGES_LIMIT")
            let progress = try #require(done.json?["progress"] as? [String: Any])
            for key in ["discovered", "fetched", "indexed", "skipped", "failed", "chunks"] { #expect(progress[key] is Int, "\(key)") }
            #expect((progress["indexed"] as? Int ?? 0) >= 20)
            #expect(done.string("collection") == "garden" && done.string("url") == site.baseURL + "/")
            #expect(done.string("started_at") != nil && done.string("finished_at") != nil)

            let log = try await alice.get("/jobs/\(id)/pages?limit=500")
            let pages = try #require(log.json?["pages"] as? [[String: Any]])
            #expect(log.value("total") as? Int == pages.count)
            func entry(_ suffix: String) -> [String: Any]? { pages.first { ($0["url"] as? String)?.hasSuffix(suffix) == true } }
            #expect(entry("/private/secret")?["reason"] as? String == "robots")
            #expect(entry("/files/manual.pdf")?["reason"] as? String == "content-type")
            #expect(entry("/missing")?["status"] as? String == "failed")
            #expect(entry("/topics/roses")?["status"] as? String == "fetched")
            #expect((entry("/topics/roses")?["chunks"] as? Int ?? 0) > 0)
            let skippedOnly = try await alice.get("/jobs/\(id)/pages?status=skipped")
            #expect((skippedOnly.json?["pages"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "skipped" } == true)

            let list = try await alice.get("/jobs")
            #expect(list.jsonArray?.first?["id"] as? String == id)
            let collections = try await alice.get("/collections")
            let garden = try #require(collections.jsonArray?.first)
            #expect(garden["name"] as? String == "garden")
            #expect(garden["documents"] as? Int == progress["indexed"] as? Int)
            #expect(garden["chunks"] as? Int == progress["chunks"] as? Int)

            // Another user sees none of it.
            let bob = try await api.registered(email: "bob@example.com")
            #expect(try await bob.get("/jobs/\(id)").status == 404)
            #expect(try await bob.get("/jobs/\(id)/pages").status == 404)
            #expect(try await bob.post("/jobs/\(id)/cancel").status == 404)
            #expect(try await bob.get("/jobs").jsonArray?.isEmpty == true)
            #expect(try await bob.get("/collections").jsonArray?.isEmpty == true)
            #expect(try await bob.request("DELETE", "/collections/garden").status == 404)

            // Deleting the collection removes its documents.
            #expect(try await alice.request("DELETE", "/collections/garden").status == 204)
            #expect(try await alice.get("/collections").jsonArray?.isEmpty == true)
            #expect(try await alice.request("DELETE", "/collections/garden").status == 404)
        }
    }

    @Test("invalid ingest requests are 422 with a clear message; no token is 401", arguments: [
        (["url": "not a url"], "valid absolute URL"),
        (["url": "ftp://example.com/"], "http or https"),
        (["url": "file:///etc/passwd"], "http or https"),
        (["url": "http://example.com/", "collection": "bad/name"], "collection"),
        (["url": "http://example.com/", "max_pages": 0], "max_pages"),
        (["url": "http://example.com/", "max_depth": 99], "max_depth"),
    ] as [([String: any Sendable], String)])
    func invalid(body: [String: any Sendable], message: String) async throws {
        try await withTestServer(configure: configure, embedder: try TestModel.embedder()) { api, _ in
            let user = try await api.registered(email: "v@example.com")
            let reply = try await user.post("/ingest", json: body)
            #expect(reply.status == 422)
            #expect(reply.string("error.message")?.contains(message) == true, "\(reply.text)")
            #expect(try await api.post("/ingest", json: body, token: .some(nil)).status == 401)
        }
    }

    @Test("a job that could fetch nothing fails with the real reason; robots.txt unreachable fails, robots.txt 4xx allows all", arguments: Backend.allCases)
    func nothingFetched(_ backend: Backend) async throws {
        let site = try await FixtureSite()
        defer { site.stop() }
        // A port nobody listens on: bind one, note it, close it.
        let closed = try ServerProcess.freePort()
        try await withTestServer(backend: backend, configure: configure, embedder: try TestModel.embedder()) { api, _ in
            let user = try await api.registered(email: "n@example.com")
            func ingest(_ url: String) async throws -> APIClient.Reply {
                let id = try #require(try await user.post("/ingest", json: ["url": url, "max_pages": 5, "max_depth": 1]).string("job_id"))
                return try await waitForJob(user, id)
            }
            let refused = try await ingest("http://127.0.0.1:\(closed)/")
            #expect(refused.string("status") == "failed", "\(refused.text)")
            #expect(refused.string("error")?.contains("could not connect") == true, "\(refused.text)")
            #expect(refused.string("error")?.contains("robots") == false, "\(refused.text)")

            let missing = try await ingest(site.baseURL + "/missing")
            #expect(missing.string("status") == "failed" && missing.string("error")?.contains("HTTP 404") == true, "\(missing.text)")

            try await site.control("/__robots?status=503")
            let unreachable = try await ingest(site.baseURL + "/")
            #expect(unreachable.string("status") == "failed", "\(unreachable.text)")
            #expect(unreachable.string("error")?.contains("robots.txt could not be fetched (HTTP 503)") == true, "\(unreachable.text)")

            try await site.control("/__robots?status=404")
            let allowed = try await ingest(site.baseURL + "/")
            #expect(allowed.string("status") == "completed", "\(allowed.text)")
            #expect((allowed.value("progress.indexed") as? Int ?? 0) > 0)
        }
    }

    @Test("literal private addresses are refused at submit with 422 when private hosts are not allowed", arguments: [
        "http://127.0.0.1/", "http://[::1]:8080/", "http://2130706433/", "http://0x7f.1/", "http://localhost./admin",
        "http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/", "http://app.localhost/",
    ])
    func privateLiteral(url: String) async throws {
        try await withTestServer(configure: { $0.crawlDelay = 0 }, embedder: try TestModel.embedder()) { api, _ in
            let user = try await api.registered(email: "p@example.com")
            let reply = try await user.post("/ingest", json: ["url": url])
            #expect(reply.status == 422, "\(url): \(reply.text)")
            #expect(reply.string("error.message")?.contains("non-public") == true)
            #expect(try await user.get("/jobs").jsonArray?.isEmpty == true)
        }
    }

    @Test("a running job can be cancelled and ends as cancelled", arguments: Backend.allCases)
    func cancel(_ backend: Backend) async throws {
        let site = try await FixtureSite()
        defer { site.stop() }
        // The site holds topic pages after the second, so the job is still running when cancelled.
        try await site.hold(prefix: "/topics/", after: 2)
        try await withTestServer(backend: backend, configure: { config in
            config.allowPrivateHosts = true
            config.crawlDelay = 0
            config.fetchTimeout = 900
        }, embedder: try TestModel.embedder()) { api, _ in
            let user = try await api.registered(email: "c@example.com")
            let id = try #require(try await user.post("/ingest", json: ["url": site.baseURL + "/"]).string("job_id"))
            try await site.waitUntilHolding()
            #expect(try await user.get("/jobs/\(id)").string("status") == "running")
            let cancel = try await user.post("/jobs/\(id)/cancel")
            #expect(cancel.status == 202)
            let done = try await waitForJob(user, id, timeout: 300)
            #expect(done.string("status") == "cancelled")
            #expect((done.value("progress.fetched") as? Int ?? 99) < 30)
        }
    }

    @Test("a finished job can be cleared with its log; a queued one cannot (409); another user's is 404", arguments: Backend.allCases)
    func clearJob(_ backend: Backend) async throws {
        // No model here, so no runner claims the queued job: it stays queued while this test looks.
        try await withTestServer(backend: backend) { api, dependencies in
            let alice = try await api.registered(email: "jobs-\(backend.rawValue)@example.com")
            let userID = try #require(try await dependencies.database.user(email: "jobs-\(backend.rawValue)@example.com")?.id)
            let queued = try await dependencies.database.createJob(userID: userID, collectionID: nil, kind: "ingest", params: "{}")
            let active = try await alice.request("DELETE", "/jobs/\(queued.id)")
            #expect(active.status == 409 && active.errorCode == "job_active")
            try await dependencies.database.finishJob(id: queued.id, status: "completed", error: nil, progress: .init())
            try await dependencies.database.appendJobPages([JobPageRecord(jobID: queued.id, url: "https://example.com/", status: "fetched",
                                                                          createdAt: Date())])
            let bob = try await api.registered(email: "jobs-bob-\(backend.rawValue)@example.com")
            #expect(try await bob.request("DELETE", "/jobs/\(queued.id)").status == 404)
            #expect(try await alice.request("DELETE", "/jobs/\(queued.id)").status == 204)
            #expect(try await alice.get("/jobs/\(queued.id)").status == 404)
            #expect(try await dependencies.database.jobPages(jobID: queued.id, offset: 0, limit: 10).total == 0)
        }
    }
}
