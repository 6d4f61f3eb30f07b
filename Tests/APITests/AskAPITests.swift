import API
import Embedding
import Foundation
import HTTPKit
import Ingest
import IndexStore
import Logging
import Storage
import TestSupport
import Testing

@Suite("Asking questions")
struct AskAPITests {
    func withAskServer(_ backend: Backend = .sqlite, rate: Int = 1000, llm: String? = nil, _ body: (APIClient) async throws -> Void) async throws {
        try await withGardenServer(backend, rate: rate, llm: llm) { alice, _ in try await body(alice) }
    }

    @Test("LLM answers: a supported citation stays, an unsupported one and a source that was not provided are removed and reported")
    func llmCitationCheck() async throws {
        // The provider is `llm_canned.py`, a declared test double (see its header).
        let canned = try await FixtureSite(script: "llm_canned.py")
        defer { canned.stop() }
        try await withAskServer(llm: canned.baseURL + "/v1") { alice in
            let body: [String: any Sendable] = ["question": "When should roses be pruned?", "collection": "garden"]
            let reply = try await alice.post("/ask", json: body)
            #expect(reply.status == 200 && reply.string("mode") == "llm", "\(reply.text)")
            let answer = try #require(reply.string("answer"))
            #expect(answer.contains("buds begin to swell [1]."))
            #expect(answer.contains("green cheese.") && !answer.contains("[2]") && !answer.contains("[9]"))
            let dropped = (reply.value("citation_check.dropped") as? [[String: Any]]) ?? []
            #expect(dropped.contains { $0["n"] as? Int == 9 && $0["reason"] as? String == "source 9 was not provided" }, "\(dropped)")
            #expect(dropped.contains { $0["n"] as? Int == 2 && ($0["reason"] as? String ?? "").contains("not supported") }, "\(dropped)")
            let kept = (reply.value("citation_check.kept") as? [[String: Any]]) ?? []
            let threshold = try #require(reply.value("citation_check.threshold") as? Double)
            #expect(kept.map { $0["n"] as? Int } == [1] && kept.allSatisfy { ($0["score"] as? Double ?? 0) >= threshold })
            let citations = (reply.json?["citations"] as? [[String: Any]]) ?? []
            #expect(citations.count == 1 && (citations.first?["url"] as? String)?.hasSuffix("/topics/roses") == true)
            #expect(reply.value("usage.prompt_tokens") as? Int == 100 && reply.value("usage.estimated") as? Bool == false)

            // Streamed: the model's text as it comes, then the checked citations and answer.
            var streamed = body
            streamed["stream"] = true
            let events = try await alice.post("/ask", json: streamed).text
            #expect(events.contains("event: answer") && events.contains("event: citation_check"))
            let done = try #require(events.components(separatedBy: "event: done\ndata: ").last?.components(separatedBy: "\n").first)
            let final = try #require(try JSONSerialization.jsonObject(with: Data(done.utf8)) as? [String: Any])
            #expect(final["answer"] as? String == answer && final["mode"] as? String == "llm")

            // "mode": "extractive" skips the model.
            var extractive = body
            extractive["mode"] = "extractive"
            #expect(try await alice.post("/ask", json: extractive).string("mode") == "extractive")
        }
    }

    @Test("a paraphrased question finds the right page first and cites it; the answer quotes that section", arguments: Backend.allCases)
    func paraphrase(_ backend: Backend) async throws {
        try await withAskServer(backend) { alice in
            let reply = try await alice.post("/ask", json: ["question": "When is the best time of year to cut back rose bushes?", "collection": "garden"])
            #expect(reply.status == 200)
            #expect(reply.value("answerable") as? Bool == true)
            let citations = try #require(reply.json?["citations"] as? [[String: Any]])
            #expect((citations.first?["url"] as? String)?.hasSuffix("/topics/roses") == true)
            #expect((citations.first?["heading"] as? String)?.contains("When to prune roses") == true)
            #expect(reply.string("answer")?.contains("late winter") == true)
            #expect(reply.string("answer")?.contains("[1]") == true)
            for key in ["embed_ms", "search_ms", "answer_ms", "total_ms"] { #expect(reply.value("timings.\(key)") is Double) }
        }
    }

    @Test("a question answered in one section cites that section's page", arguments: [
        ("How thick should a layer of bark mulch be?", "/topics/mulching", "centimetres"),
        ("What causes dark sunken patches at the bottom of tomato fruit?", "/topics/tomatoes", "calcium"),
        ("At what temperature should I ventilate my greenhouse?", "/topics/greenhouse", "twenty-seven"),
        ("Which rootstock keeps an apple tree small?", "/topics/fruit-trees", "M27"),
    ])
    func section(question: String, page: String, term: String) async throws {
        try await withAskServer { alice in
            let reply = try await alice.post("/ask", json: ["question": question, "collection": "garden"])
            let citations = try #require(reply.json?["citations"] as? [[String: Any]])
            #expect(citations.contains { ($0["url"] as? String)?.hasSuffix(page) == true }, "\(reply.text)")
            #expect(reply.string("answer")?.contains(term) == true, "\(reply.text)")
        }
    }

    @Test("off-topic questions are answered with answerable: false and no citations", arguments: [
        "What is the capital city of Peru?", "How do I reset my car's engine control unit?", "Who won the 1998 football world cup?",
    ])
    func offTopic(question: String) async throws {
        try await withAskServer { alice in
            let reply = try await alice.post("/ask", json: ["question": question, "collection": "garden"])
            #expect(reply.status == 200)
            #expect(reply.value("answerable") as? Bool == false, "\(reply.text)")
            #expect((reply.json?["citations"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("the SSE stream parses into citations, answer deltas and done, with the same answer as JSON", arguments: Backend.allCases)
    func streaming(_ backend: Backend) async throws {
        try await withAskServer(backend) { alice in
            let body: [String: any Sendable] = ["question": "How often should I water orchids?", "collection": "garden"]
            let json = try await alice.post("/ask", json: body)
            var streamed = body
            streamed["stream"] = true
            let sse = try await alice.post("/ask", json: streamed)
            #expect(sse.header("Content-Type")?.hasPrefix("text/event-stream") == true)
            var events: [(String, String)] = []
            for block in sse.text.components(separatedBy: "\n\n") where !block.isEmpty {
                var name = "", data = ""
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                }
                #expect(!name.isEmpty && !data.isEmpty, "malformed event: \(block)")
                #expect((try? JSONSerialization.jsonObject(with: Data(data.utf8))) != nil, "data is not JSON: \(data)")
                events.append((name, data))
            }
            #expect(events.map(\.0).prefix(2) == ["sources", "citations"])
            #expect(events.last?.0 == "done")
            let answer = events.filter { $0.0 == "answer" }.compactMap { event -> String? in
                (try? JSONSerialization.jsonObject(with: Data(event.1.utf8)) as? [String: String])?["delta"]
            }.joined()
            #expect(answer == json.string("answer"))
            #expect(events.filter { $0.0 == "answer" }.count >= 1)
            // The Accept header asks for the stream too.
            let accept = try await alice.request("POST", "/ask", json: body, headers: [.init("Accept", "text/event-stream")])
            #expect(accept.text.hasPrefix("event: sources"))
        }
    }

    @Test("GET /search ranks chunks page by page, with their dense, lexical and fused scores", arguments: Backend.allCases)
    func search(_ backend: Backend) async throws {
        try await withAskServer(backend) { alice in
            let reply = try await alice.get("/search?q=compost%20carbon%20nitrogen%20ratio&collection=garden&k=5")
            let results = try #require(reply.json?["results"] as? [[String: Any]])
            #expect(results.count == 5)
            #expect((results.first?["url"] as? String)?.hasSuffix("/topics/composting") == true)
            #expect(results.first?["dense"] is Double && results.first?["lexical"] is Double && results.first?["fused"] is Double)
            // Page by page: a page's chunks are together, best chunk first.
            let urls = results.compactMap { $0["url"] as? String }
            var seen: [String] = []
            for url in urls where seen.last != url {
                #expect(!seen.contains(url), "\(url) comes back after another page: \(urls)")
                seen.append(url)
            }
            for url in seen {
                let fused = results.filter { $0["url"] as? String == url }.compactMap { $0["fused"] as? Double }
                #expect(fused == fused.sorted(by: >))
            }
        }
    }

    @Test("validation, collections of other users, and the per-user rate limit", arguments: Backend.allCases)
    func guards(_ backend: Backend) async throws {
        try await withAskServer(backend, rate: 3) { alice in
            #expect(try await alice.post("/ask", json: ["question": "   "]).status == 422)
            #expect(try await alice.post("/ask", json: ["question": String(repeating: "a", count: 2001), "collection": "garden"]).status == 422)
            #expect(try await alice.post("/ask", json: ["question": "roses?", "collection": "nope"]).status == 404)
            let bob = try await APIClient(baseURL: alice.baseURL).registered(email: "bob-\(UUID().uuidString.prefix(6))@example.com")
            let stolen = try await bob.post("/ask", json: ["question": "When should roses be pruned?", "collection": "garden"])
            #expect(stolen.status == 404)
            #expect(!stolen.text.contains("roses"))
            #expect(try await bob.get("/search?q=roses&collection=garden").status == 404)
            // Alice's budget of 3 a minute: the 422s and the 404 above did not count; at most three more pass, then 429.
            // (On PostgreSQL the budget is shared with every server on the database, here other tests' servers asking as Alice.)
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await alice.post("/ask", json: ["question": "roses?", "collection": "garden"]).status) }
            #expect(statuses.contains(429))
            let limited = try await alice.post("/ask", json: ["question": "roses?", "collection": "garden"])
            #expect(limited.status == 429 && limited.header("Retry-After") != nil && limited.errorCode == "rate_limited")
        }
    }
}
