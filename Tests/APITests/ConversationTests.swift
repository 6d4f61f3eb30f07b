import API
import Foundation
import TestSupport
import Testing

/// Conversations kept on the server: `/ask` with `conversation_id`, `/conversations`.
@Suite("Conversations")
struct ConversationTests {
    @Test("a conversation keeps its turns, answers a follow-up in their context, and belongs to its user", arguments: Backend.allCases)
    func conversation(_ backend: Backend) async throws {
        try await withGardenServer(backend) { alice, _ in
            let first = try await alice.post("/ask", json: ["question": "When should roses be pruned?", "collection": "garden",
                                                             "conversation_id": "new"])
            #expect(first.status == 200, "\(first.text)")
            let id = try #require(first.string("conversation_id"))
            let followUp = try await alice.post("/ask", json: ["question": "And how do I keep them healthy?", "collection": "garden",
                                                                "conversation_id": id])
            #expect(followUp.string("conversation_id") == id)
            #expect(followUp.string("searched_question")?.contains("roses") == true, "\(followUp.text)")
            let cited = (followUp.json?["citations"] as? [[String: Any]]) ?? []
            #expect(cited.contains { ($0["url"] as? String)?.hasSuffix("/topics/roses") == true }, "\(followUp.text)")

            // Streamed, the turn is added too and `done` names the conversation.
            let events = try await alice.post("/ask", json: ["question": "What is black spot?", "collection": "garden",
                                                              "conversation_id": id, "stream": true]).text
            #expect(events.contains("event: done") && events.contains("\"conversation_id\":\"\(id)\""), "\(events)")

            // Read back from the server, as another device would.
            let listed = try await alice.get("/conversations")
            let summary = try #require(listed.jsonArray?.first)
            #expect(summary["id"] as? String == id && summary["turns"] as? Int == 3)
            #expect(summary["title"] as? String == "When should roses be pruned?")
            let detail = try await alice.get("/conversations/\(id)")
            let turns = (detail.json?["turns"] as? [[String: Any]]) ?? []
            #expect(turns.map { $0["question"] as? String } == ["When should roses be pruned?", "And how do I keep them healthy?",
                                                                 "What is black spot?"])
            #expect((turns.first?["citations"] as? [[String: Any]])?.isEmpty == false && turns.first?["collection"] as? String == "garden")

            // Another user can neither read it nor ask in it.
            let bob = try await alice.registered(email: "bob-\(backend.rawValue)@example.com")
            #expect(try await bob.get("/conversations/\(id)").status == 404)
            #expect(try await bob.get("/conversations").jsonArray?.isEmpty == true)
            let intrusion = try await bob.post("/ask", json: ["question": "Anything?", "collection": "garden", "conversation_id": id])
            #expect(intrusion.status == 404)

            #expect(try await alice.request("DELETE", "/conversations/\(id)").status == 204)
            #expect(try await alice.get("/conversations/\(id)").status == 404)
            #expect(try await alice.post("/ask", json: ["question": "Again?", "collection": "garden", "conversation_id": id]).status == 404)
        }
    }

    @Test("a cited passage in its page's context: the chunk with its neighbours, only in the user's own collection")
    func passageInContext() async throws {
        try await withGardenServer { alice, _ in
            let reply = try await alice.post("/ask", json: ["question": "When is the best time of year to cut back rose bushes?",
                                                             "collection": "garden"])
            let chunkID = try #require((reply.json?["citations"] as? [[String: Any]])?.first?["chunk_id"] as? Int)
            let passage = try await alice.get("/collections/garden/chunks/\(chunkID)?around=1")
            #expect(passage.status == 200 && passage.string("url")?.hasSuffix("/topics/roses") == true, "\(passage.text)")
            let parts = (passage.json?["chunks"] as? [[String: Any]]) ?? []
            let target = try #require(parts.first { $0["target"] as? Bool == true })
            #expect(target["chunk_id"] as? Int == chunkID && (target["text"] as? String)?.contains("late winter") == true)
            #expect(parts.count > 1 && parts.count <= 3, "\(parts.count) parts")
            #expect(try await alice.get("/collections/garden/chunks/\(chunkID)?around=9").status == 422)
            let bob = try await alice.registered(email: "bob-passage@example.com")
            #expect(try await bob.get("/collections/garden/chunks/\(chunkID)").status == 404)
        }
    }

    @Test("one question asked of several collections is answered from the one that holds the answer")
    func severalCollections() async throws {
        let garden = try await FixtureSite()
        let docs = try await FixtureSite(script: "docs_site.py")
        defer { garden.stop(); docs.stop() }
        try await withTestServer(configure: { config in
            config.allowPrivateHosts = true
            config.crawlDelay = 0
        }, embedder: try TestModel.embedder()) { api, _ in
            let alice = try await api.registered(email: "several@example.com")
            for (site, name) in [(garden, "garden"), (docs, "larkspur")] {
                let queued = try await alice.post("/ingest", json: ["url": site.baseURL + "/", "collection": name, "max_pages": 40, "max_depth": 3])
                let done = try await waitForJob(alice, try #require(queued.string("job_id")))
                #expect(done.string("status") == "completed", "\(done.text)")
            }
            let both = ["garden", "larkspur"]
            let roses = try await alice.post("/ask", json: ["question": "When is the best time of year to cut back rose bushes?", "collections": both])
            #expect(roses.string("collection") == "garden" && roses.value("answerable") as? Bool == true, "\(roses.text)")
            #expect(((roses.json?["citations"] as? [[String: Any]])?.first?["url"] as? String)?.hasSuffix("/topics/roses") == true)
            let port = try await alice.post("/ask", json: ["question": "Which TCP port do clients connect to by default?",
                                                            "collections": both.reversed() as [String]])
            #expect(port.string("collection") == "larkspur" && port.string("answer")?.contains("7070") == true, "\(port.text)")
            #expect(try await alice.post("/ask", json: ["question": "Anything?", "collections": ["garden", "nope"]]).status == 404)
            #expect(try await alice.post("/ask", json: ["question": "Anything?", "collections": [String]()]).status == 422)
        }
    }
}
