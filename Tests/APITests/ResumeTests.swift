import Foundation
import Storage
import TestSupport
import Testing
import VectorIndex

#if canImport(Glibc)
import Glibc
#endif

@Suite("Resuming after a crash", .serialized)
struct ResumeTests {
    @Test("a job killed with SIGKILL resumes after restart and ends like an uninterrupted run; the index matches SQLite")
    func killAndResume() async throws {
        let site = try await FixtureSite()
        let data = try TemporaryDirectory()
        let environment = [
            "NEX_MODEL_DIR": TestModel.directory, "NEX_ALLOW_PRIVATE_HOSTS": "1", "NEX_CRAWL_DELAY": "0.15",
            "NEX_JOB_STALE_AFTER": "2s", "NEX_LOG_LEVEL": "info",
            // Held requests (below) wait for the test, not for a timeout.
            "NEX_FETCH_TIMEOUT": "900",
        ]
        var server = try await ServerProcess(dataDirectory: data.path, environment: environment)
        var api = try await APIClient(baseURL: server.baseURL).registered(email: "resume@example.com")
        // Given a site that answers six topic pages and then holds every further one: the
        // crawl cannot finish until the test releases it, whatever the machine's load.
        try await site.hold(prefix: "/topics/", after: 6)
        let body: [String: any Sendable] = ["url": site.baseURL + "/", "collection": "crashy", "max_pages": 60, "max_depth": 3]
        let id = try #require(try await api.post("/ingest", json: body).string("job_id"))

        // When the server is killed mid-way (pages indexed, a request still held)…
        try await site.waitUntilHolding()
        let midway = try await waitForJob(api, id, timeout: 300) { ($0.value("progress.indexed") as? Int ?? 0) >= 5 }
        #expect(midway.string("status") == "running")
        server.stop(signal: SIGKILL)
        try await site.release()

        // …then after a restart on the same data the job is reclaimed and finishes.
        server = try await ServerProcess(dataDirectory: data.path, environment: environment)
        api = try APIClient(baseURL: server.baseURL, token: api.token)
        let resumed = try await waitForJob(api, id, timeout: 600)
        #expect(resumed.string("status") == "completed", "\(resumed.text)\n\(server.log)")
        #expect(resumed.value("attempts") as? Int == 2)

        // The same crawl, uninterrupted, into another collection.
        let referenceBody: [String: any Sendable] = ["url": site.baseURL + "/", "collection": "reference", "max_pages": 60, "max_depth": 3]
        let reference = try #require(try await api.post("/ingest", json: referenceBody).string("job_id"))
        #expect(try await waitForJob(api, reference, timeout: 600).string("status") == "completed")
        server.stop()

        let database = try AppDatabase.open(path: data.appending("nextraction.sqlite"))
        let user = try #require(try database.user(email: "resume@example.com"))
        let crashy = try #require(try database.collection(userID: user.id!, name: "crashy")?.id)
        let clean = try #require(try database.collection(userID: user.id!, name: "reference")?.id)
        #expect(try database.counts(collectionID: crashy) == database.counts(collectionID: clean))
        #expect(try database.counts(collectionID: crashy).documents >= 30)
        // No duplicated chunks, and the published index holds exactly the stored chunk ids.
        for collection in [crashy, clean] {
            let ids = try database.chunkIDs(collectionID: collection)
            #expect(Set(ids).count == ids.count)
            let generations = try IndexGenerations(directory: data.appending("index/\(collection)"))
            let index = try #require(try generations.snapshot()?.index)
            #expect(Set(index.allIDs) == Set(ids))
            #expect(index.count == ids.count)
        }
    }
}
