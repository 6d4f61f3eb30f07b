import API
import Embedding
import Foundation
import Storage
import TestSupport
import Testing

/// `NEX_EMBED_PRECISION`: a collection is searched and extended only in the precision it was
/// embedded in, and `index rebuild --reembed` moves it to the other one.
@Suite("Embedding precision of a collection")
struct PrecisionTests {
    @Test("an fp32 collection is refused by an int8 server (409 precision_mismatch, ingest fails) until re-embedded; then the int8 server answers it and an fp32 one refuses it")
    func switchPrecision() async throws {
        // A copy of the shared garden crawl, embedded in fp32.
        let (folder, data) = try await CrawledSite.garden.copy(prefix: "precision")
        defer { withExtendedLifetime(folder) {} }
        let environment = ["NEX_MODEL_DIR": TestModel.directory, "NEX_BCRYPT_COST": "4"]
        let question: [String: any Sendable] = ["question": "When is the best time of year to cut back rose bushes?", "collection": "garden"]

        func serve<T>(_ embedder: MiniLMEmbedder, _ body: (APIClient) async throws -> T) async throws -> T {
            try await withTestServer(configure: { config in
                config.dataDirectory = data
                config.allowPrivateHosts = true
            }, embedder: embedder) { api, _ in
                let login = try await api.post("/auth/login", json: ["email": "alice@example.com", "password": "correct horse battery"])
                var alice = api
                alice.token = try #require(login.string("token"))
                return try await body(alice)
            }
        }

        let fp32Answer = try await serve(TestModel.embedder()) { alice in
            let reply = try await alice.post("/ask", json: question)
            #expect(reply.status == 200)
            return reply.string("answer")
        }
        try await serve(TestModel.int8Embedder()) { alice in
            let refused = try await alice.post("/ask", json: question)
            #expect(refused.status == 409 && refused.errorCode == "precision_mismatch", "\(refused.text)")
            #expect(refused.text.contains("index rebuild --reembed --collection garden") && refused.text.contains("fp32"))
            // The write path refuses too: nothing of another precision joins the collection.
            let site = try await FixtureSite()
            defer { site.stop() }
            let job = try await alice.post("/ingest", json: ["url": site.baseURL + "/", "collection": "garden", "max_pages": 2])
            #expect(job.status == 202)
            let finished = try await waitForJob(alice, try #require(job.string("job_id")))
            #expect(finished.string("status") == "failed" && finished.string("error")?.contains("--reembed") == true, "\(finished.text)")
            // A new collection takes the server's precision.
            let fresh = try await alice.post("/ingest", json: ["url": site.baseURL + "/", "collection": "int8-garden", "max_pages": 2])
            let done = try await waitForJob(alice, try #require(fresh.string("job_id")))
            #expect(done.string("status") == "completed", "\(done.text)")
        }

        let rebuilt = try await runProgramAsync(BuildProducts.nextraction, ["index", "rebuild", "--reembed", "--collection", "garden", "--data-dir", data],
                                                environment: environment.merging(["NEX_EMBED_PRECISION": "int8"]) { $1 })
        #expect(rebuilt.status == 0 && rebuilt.output.contains("re-embedded in int8"), "\(rebuilt.output)")
        let database = try AppDatabase.open(path: (data as NSString).appendingPathComponent("nextraction.sqlite"))
        let collections = try database.allCollections().map(\.collection)
        let precisions = try Dictionary(uniqueKeysWithValues: collections.map { ($0.name, try database.embedPrecision(collectionID: $0.id ?? 0)) })
        #expect(precisions["garden"] == "int8" && precisions["int8-garden"] == "int8", "\(precisions)")

        let int8Answer = try await serve(TestModel.int8Embedder()) { alice in
            let reply = try await alice.post("/ask", json: question)
            #expect(reply.status == 200, "\(reply.text)")
            return reply.string("answer")
        }
        #expect(fp32Answer != nil && int8Answer == fp32Answer)
        try await serve(TestModel.embedder()) { alice in
            let refused = try await alice.post("/ask", json: question)
            #expect(refused.errorCode == "precision_mismatch" && refused.text.contains("int8"), "\(refused.text)")
        }
    }
}
