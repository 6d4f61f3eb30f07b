import API
import Foundation
import Storage
import TestSupport
import Testing

/// Collections remember their sources; a scheduled re-sync (driven here by an injected time,
/// not by waiting) and "re-sync now" crawl them again incrementally.
@Suite("Re-sync")
struct SyncTests {
    @Test("a due source is re-synced once: the changed page is re-embedded, unchanged ones are not, a gone one is removed")
    func scheduled() async throws {
        let site = try await FixtureSite()
        defer { site.stop() }
        try await withTestServer(configure: { config in
            config.allowPrivateHosts = true
            config.crawlDelay = 0
        }, embedder: try TestModel.embedder()) { api, dependencies in
            let alice = try await api.registered(email: "sync@example.com")
            let queued = try await alice.post("/ingest", json: ["url": site.baseURL + "/", "collection": "sync", "max_pages": 30,
                                                                 "max_depth": 2, "refresh_every": "1h"])
            #expect(queued.status == 202, "\(queued.text)")
            let first = try await waitForJob(alice, try #require(queued.string("job_id")))
            #expect(first.string("status") == "completed", "\(first.text)")
            let firstChunks = try #require(first.value("progress.chunks") as? Int)

            let collections = try await alice.get("/collections")
            let source = try #require((collections.jsonArray?.first?["sources"] as? [[String: Any]])?.first)
            #expect(source["url"] as? String == site.baseURL + "/" && source["refresh_every"] as? Double == 3600)
            #expect(source["next_sync_at"] is String && source["last_job_id"] as? String == queued.string("job_id"))

            let scheduler = try #require(dependencies.syncs)
            #expect(try await scheduler.tick(now: Date().addingTimeInterval(1800)).isEmpty, "not due after half an hour")
            try await site.control("/__mutate?path=/topics/roses")
            try await site.control("/__gone?path=/topics/ferns")
            let later = Date().addingTimeInterval(2 * 3600)
            let started = try await scheduler.tick(now: later)
            #expect(started.count == 1)
            #expect(try await scheduler.tick(now: later).isEmpty, "a due source is claimed once")

            let second = try await waitForJob(alice, try #require(started.first?.id))
            #expect(second.string("status") == "completed", "\(second.text)")
            #expect(second.value("progress.indexed") as? Int == 1 && second.value("progress.removed") as? Int == 1, "\(second.text)")
            let reembedded = second.value("progress.chunks") as? Int ?? -1
            #expect(reembedded > 0 && reembedded < firstChunks / 4, "only the changed page is embedded again: \(reembedded) of \(firstChunks)")
            #expect((second.value("progress.unchanged") as? Int ?? 0) >= 15)
            let ferns = try await alice.get("/search?q=ferns+shade+humidity&collection=sync&k=20")
            let urls = (ferns.json?["results"] as? [[String: Any]])?.compactMap { $0["url"] as? String } ?? []
            #expect(!urls.contains { $0.hasSuffix("/topics/ferns") }, "\(urls)")

            // Re-sync now: nothing changed since, so nothing is embedded.
            let now = try await alice.post("/collections/sync/sync")
            #expect(now.status == 202, "\(now.text)")
            let jobID = try #require((now.json?["job_ids"] as? [String])?.first)
            let third = try await waitForJob(alice, jobID)
            #expect(third.string("status") == "completed" && third.value("progress.chunks") as? Int == 0, "\(third.text)")
            #expect(try await alice.post("/collections/none/sync").status == 404)
        }
    }
}
