import Foundation
import TestSupport
import Testing

/// `/v1/models` and `/v1/chat/completions` (OpenAI-compatible) on the crawled garden site.
@Suite("OpenAI-compatible chat")
struct ChatCompletionsTests {
    static let python = BuildProducts.repositoryRoot.appendingPathComponent(".build/venv-api/bin/python").path

    /// The `data:` payloads of an OpenAI stream, parsed (the final `[DONE]` left out).
    static func chunks(_ text: String) throws -> [[String: Any]] {
        try text.components(separatedBy: "\n\n").compactMap { frame -> [String: Any]? in
            guard frame.hasPrefix("data: "), frame != "data: [DONE]" else { return nil }
            return try JSONSerialization.jsonObject(with: Data(frame.dropFirst(6).utf8)) as? [String: Any]
        }
    }

    @Test("a completion answers with [n] markers and the sources listed, full citations as extra fields; streamed the same")
    func completion() async throws {
        try await withGardenServer { alice, _ in
            let models = try await alice.get("/v1/models")
            #expect(models.string("object") == "list")
            let ids = (models.json?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(ids == ["nextraction/garden"], "\(models.text)")
            #expect(try await alice.get("/v1/models/nextraction%2Fgarden").string("id") == "nextraction/garden")

            let body: [String: any Sendable] = ["model": "nextraction/garden",
                                                "messages": [["role": "system", "content": "You are helpful."],
                                                             ["role": "user", "content": "When is the best time of year to cut back rose bushes?"]]]
            let reply = try await alice.post("/v1/chat/completions", json: body)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.string("object") == "chat.completion" && reply.string("id")?.hasPrefix("chatcmpl-") == true)
            let choice = try #require((reply.json?["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "stop")
            let content = try #require((choice["message"] as? [String: Any])?["content"] as? String)
            #expect(content.contains("late winter") && content.contains("[1]"), "\(content)")
            #expect(content.contains("\n\nSources:\n[1] ") && content.contains("/topics/roses"), "\(content)")
            let citations = try #require(reply.json?["citations"] as? [[String: Any]])
            #expect((citations.first?["url"] as? String)?.hasSuffix("/topics/roses") == true)
            #expect((reply.json?["sources"] as? [Any])?.isEmpty == false && reply.value("answerable") as? Bool == true)
            #expect((reply.value("usage.total_tokens") as? Int ?? 0) > 0)

            var streamed = body
            streamed["stream"] = true
            let events = try await alice.post("/v1/chat/completions", json: streamed)
            #expect(events.header("Content-Type")?.hasPrefix("text/event-stream") == true)
            #expect(events.text.hasSuffix("data: [DONE]\n\n"))
            let chunks = try Self.chunks(events.text)
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            let deltas = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]) }
            #expect(deltas.first?["role"] as? String == "assistant")
            #expect(deltas.compactMap { $0["content"] as? String }.joined() == content)
            let last = try #require(chunks.last)
            #expect((last["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String == "stop")
            #expect((last["citations"] as? [[String: Any]])?.count == citations.count)
        }
    }

    @Test("a follow-up is searched with the previous turn; an off-topic question lists the closest pages")
    func conversation() async throws {
        try await withGardenServer { alice, _ in
            let first = "When should roses be pruned?"
            let previous = try await alice.post("/v1/chat/completions", json: [
                "model": "nextraction/garden", "messages": [["role": "user", "content": first]]])
            let answer = try #require(((previous.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)
            let followUp = try await alice.post("/v1/chat/completions", json: [
                "model": "nextraction/garden",
                "messages": [["role": "user", "content": first], ["role": "assistant", "content": answer],
                             ["role": "user", "content": "And how do I keep them healthy?"]]])
            #expect(followUp.string("searched_question")?.contains("roses") == true, "\(followUp.text)")
            let citations = (followUp.json?["citations"] as? [[String: Any]]) ?? []
            #expect(citations.contains { ($0["url"] as? String)?.hasSuffix("/topics/roses") == true }, "\(followUp.text)")
            // The same question on its own does not reach the roses page.
            let alone = try await alice.post("/v1/chat/completions", json: [
                "model": "nextraction/garden", "messages": [["role": "user", "content": "And how do I keep them healthy?"]]])
            #expect(alone.string("searched_question") == "And how do I keep them healthy?")
            let aloneCitations = (alone.json?["citations"] as? [[String: Any]]) ?? []
            #expect(!aloneCitations.contains { ($0["url"] as? String)?.hasSuffix("/topics/roses") == true }, "\(alone.text)")
            // A question that names its own topic is searched as asked.
            let standalone = try await alice.post("/v1/chat/completions", json: [
                "model": "nextraction/garden",
                "messages": [["role": "user", "content": first], ["role": "assistant", "content": answer],
                             ["role": "user", "content": "What pH do blueberries need in the soil?"]]])
            #expect(standalone.string("searched_question") == "What pH do blueberries need in the soil?")

            let offTopic = try await alice.post("/v1/chat/completions", json: [
                "model": "nextraction/garden", "messages": [["role": "user", "content": "What is the capital city of Peru?"]]])
            #expect(offTopic.value("answerable") as? Bool == false)
            let content = ((offTopic.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            #expect(content?.contains("Closest pages:\n1. ") == true, "\(offTopic.text)")
        }
    }

    @Test("errors come in OpenAI's shape: unknown model, bad messages, malformed JSON, no or wrong key, a key without read scope")
    func errors() async throws {
        try await withGardenServer { alice, _ in
            func check(_ reply: APIClient.Reply, status: Int, type: String, code: String? = nil) {
                #expect(reply.status == status, "\(reply.text)")
                let error = reply.json?["error"] as? [String: Any]
                #expect(error?["type"] as? String == type, "\(reply.text)")
                #expect(error?["message"] is String && error?.keys.contains("param") == true)
                if let code { #expect(error?["code"] as? String == code, "\(reply.text)") }
            }
            let question: [String: any Sendable] = ["role": "user", "content": "When should roses be pruned?"]
            check(try await alice.post("/v1/chat/completions", json: ["model": "gpt-4o", "messages": [question]]),
                  status: 404, type: "not_found_error", code: "model_not_found")
            check(try await alice.post("/v1/chat/completions", json: ["model": "nextraction/garden", "messages": [[String: String]]()]),
                  status: 422, type: "invalid_request_error", code: "invalid_messages")
            check(try await alice.post("/v1/chat/completions", json: ["model": "nextraction/garden",
                                                                      "messages": [question, ["role": "assistant", "content": "Hi"]]]),
                  status: 422, type: "invalid_request_error", code: "invalid_messages")
            check(try await alice.request("POST", "/v1/chat/completions", rawBody: Data("{\"model\":".utf8)),
                  status: 400, type: "invalid_request_error", code: "invalid_json")
            check(try await alice.get("/v1/models", token: .some(nil)), status: 401, type: "authentication_error")
            check(try await alice.get("/v1/models", token: "nex_" + String(repeating: "x", count: 43)), status: 401, type: "authentication_error")
            let writeOnly = try await alice.post("/auth/keys", json: ["name": "write only", "scopes": ["write"]])
            check(try await alice.get("/v1/models", token: writeOnly.string("key")), status: 403, type: "permission_error", code: "insufficient_scope")
        }
    }

    @Test("LLM mode: the model is shown the earlier turns, and the reply keeps its checked citations")
    func llm() async throws {
        // The provider is `llm_canned.py`, a declared test double (see its header).
        let canned = try await FixtureSite(script: "llm_canned.py")
        defer { canned.stop() }
        try await withGardenServer(llm: canned.baseURL + "/v1") { alice, _ in
            let reply = try await alice.post("/v1/chat/completions", json: [
                "model": "nextraction/garden",
                "messages": [["role": "user", "content": "Which rose disease is most common?"],
                             ["role": "assistant", "content": "Black spot is the most common rose disease [1]."],
                             ["role": "user", "content": "And when should I prune them?"]]])
            #expect(reply.status == 200 && reply.string("mode") == "llm", "\(reply.text)")
            let content = ((reply.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String ?? ""
            #expect(content.contains("buds begin to swell [1].") && !content.contains("[9]"), "\(content)")
            #expect(content.contains("\n\nSources:\n[1] "), "\(content)")
            #expect((reply.value("usage.prompt_tokens") as? Int) == 100)
            let sent = try await APIClient(baseURL: canned.baseURL).get("/last-request")
            let messages = (sent.json?["messages"] as? [[String: Any]]) ?? []
            #expect(messages.map { $0["role"] as? String } == ["system", "user", "assistant", "user"], "\(sent.text)")
            #expect(messages.dropFirst().first?["content"] as? String == "Which rose disease is most common?")
            #expect((messages.last?["content"] as? String)?.hasSuffix("Question: And when should I prune them?") == true)
        }
    }

    @Test("the official openai SDK lists the models, reads the answer with its citations, streams it, and gets typed errors",
          .enabled(if: FileManager.default.isExecutableFile(atPath: python), "needs .build/venv-api with openai (run `make test`)"))
    func openAISDK() async throws {
        try await withGardenServer { alice, base in
            let key = try #require(try await alice.post("/auth/keys", json: ["name": "chat front end"]).string("key"))
            let script = BuildProducts.repositoryRoot.appendingPathComponent("Tests/Fixtures/openai_client.py").path
            let run = try await runProgramOffPool(Self.python, [script, "--base", base, "--key", key, "--model", "nextraction/garden",
                                                   "--question", "When is the best time of year to cut back rose bushes?"])
            #expect(run.status == 0, "\(run.output)")
            let line = try #require(run.output.split(separator: "\n").last)
            let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(seen["models"] as? [String] == ["nextraction/garden"])
            let content = seen["content"] as? String ?? ""
            #expect(content.contains("late winter") && content.contains("Sources:"), "\(content)")
            #expect(seen["finish_reason"] as? String == "stop" && (seen["total_tokens"] as? Int ?? 0) > 0)
            #expect(((seen["citations"] as? [[String: Any]])?.first?["url"] as? String)?.hasSuffix("/topics/roses") == true)
            #expect(seen["streamed"] as? String == content)
            #expect((seen["streamed_citations"] as? [Any])?.isEmpty == false)
            let missing = seen["missing_model"] as? [String: Any]
            #expect(missing?["status"] as? Int == 404 && missing?["code"] as? String == "model_not_found", "\(String(describing: missing))")
            #expect((seen["bad_key"] as? [String: Any])?["status"] as? Int == 401)
        }
    }
}
