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

@Suite("Answers from a documentation site")
struct AnswerQualityTests {
    func withDocsServer(_ body: (APIClient) async throws -> Void) async throws {
        let data = try await CrawledSite.docs.build().directory
        try await withTestServer(configure: { $0.dataDirectory = data }, embedder: try TestModel.embedder()) { api, _ in
            let login = try await api.post("/auth/login", json: ["email": "docs@example.com", "password": "correct horse battery"])
            var user = api
            user.token = try #require(login.string("token"))
            try await body(user)
        }
    }

    func ask(_ api: APIClient, _ question: String) async throws -> APIClient.Reply {
        let reply = try await api.post("/ask", json: ["question": question, "collection": "larkspur"])
        #expect(reply.status == 200, "\(reply.text)")
        return reply
    }

    static func urls(_ reply: APIClient.Reply, _ key: String) -> [String] {
        ((reply.value(key) as? [[String: Any]]) ?? []).compactMap { $0["url"] as? String }
    }

    @Test("a table of contents made of links is crawled for its links but not indexed, and never a source")
    func tableOfContents() async throws {
        let log = try await CrawledSite.docs.build().log
        let contents = try #require(log.first { $0.url.hasSuffix("/contents") })
        #expect(contents.status == "skipped" && contents.reason == "navigation", "\(contents)")
        #expect(log.contains { $0.url.hasSuffix("/reference/limits") && $0.status == "fetched" })
        try await withDocsServer { api in
            // Its entry "Auto-increment sequence numbers" matches the question word for word; the
            // answer must come from the page that explains it.
            let reply = try await ask(api, "Do messages get auto-increment sequence numbers?")
            #expect(!Self.urls(reply, "sources").contains { $0.hasSuffix("/contents") })
            #expect(Self.urls(reply, "sources").first?.hasSuffix("/guide/queues") == true, "\(reply.text)")
            #expect(reply.string("answer")?.contains("sequence number") == true, "\(reply.text)")
            let search = try await api.get("/search?q=contents+auto-increment&collection=larkspur")
            #expect(!Self.urls(search, "results").contains { $0.hasSuffix("/contents") })
        }
    }

    @Test("a parameter entry answers a 'what is the default' question with its default and its name")
    func parameterDefault() async throws {
        try await withDocsServer { api in
            let reply = try await ask(api, "What is the default maximum number of client connections?")
            let answer = try #require(reply.string("answer"))
            #expect(answer.contains("250") && answer.contains("max_clients"), "\(answer)")
            #expect(Self.urls(reply, "citations").first?.hasSuffix("/config/server") == true)
            let port = try #require(try await ask(api, "Which port do clients connect to by default?").string("answer"))
            #expect(port.contains("7070") && port.contains("listen_port"), "\(port)")
        }
    }

    @Test("a table row is quoted whole, with its header names")
    func tableRow() async throws {
        try await withDocsServer { api in
            let reply = try await ask(api, "What is the maximum message size?")
            let answer = try #require(reply.string("answer"))
            #expect(answer.contains("Limit: Message size; Value: 16 MiB"), "\(answer)")
            #expect(Self.urls(reply, "citations").count == 1 && Self.urls(reply, "citations").first?.hasSuffix("/reference/limits") == true,
                    "\(reply.text)")
        }
    }

    @Test("a heading is context for its section, never the answer on its own")
    func headingNotAnswer() async throws {
        try await withDocsServer { api in
            let reply = try await ask(api, "How do I create a queue?")
            let answer = try #require(reply.string("answer"))
            #expect(answer.contains("lark queue create"), "\(answer)")
            for citation in (reply.value("citations") as? [[String: Any]]) ?? [] {
                let snippet = (citation["snippet"] as? String ?? "").trimmingCharacters(in: .whitespaces)
                #expect(snippet != citation["heading"] as? String && !snippet.hasPrefix("1.1. Creating a queue"), "\(snippet)")
            }
            #expect(((reply.value("citations") as? [[String: Any]])?.first?["heading"] as? String ?? "").contains("Creating a queue"))
        }
    }

    @Test("a question about another product abstains, says why, and still returns the closest pages; JSON and SSE alike")
    func offTopic() async throws {
        try await withDocsServer { api in
            let reply = try await ask(api, "How do I declare an exchange in RabbitMQ?")
            #expect(reply.value("answerable") as? Bool == false)
            #expect(reply.string("abstention.code") == "term_not_in_collection", "\(reply.text)")
            #expect((reply.value("citations") as? [[String: Any]])?.isEmpty == true)
            let sources = Self.urls(reply, "sources")
            #expect(!sources.isEmpty && sources.count <= 5)
            #expect(reply.string("answer")?.contains("closest pages") == true, "\(reply.text)")
            #expect(reply.string("answer")?.contains("rabbitmq") == true)

            let stream = try await api.post("/ask", json: ["question": "How do I declare an exchange in RabbitMQ?", "collection": "larkspur",
                                                          "stream": true])
            #expect(stream.text.contains("event: sources") && stream.text.contains("\"answerable\":false"), "\(stream.text)")
            // The same collection answers a question about what it does cover.
            let covered = try await ask(api, "How long are unacknowledged messages kept?")
            #expect(covered.value("answerable") as? Bool == true && covered.string("answer")?.contains("seven days") == true,
                    "\(covered.text)")
        }
    }
}

@Suite("eval site")
struct EvalSiteCLITests {
    @Test("eval site reports per kind, prints one line per question with --details, and its JSON as the last line")
    func evalSite() async throws {
        let data = try await CrawledSite.docs.build().directory
        let questions = try TemporaryDirectory(prefix: "eval-site")
        let file = questions.appending("questions.jsonl")
        try """
            {"kind": "value", "question": "What is the default maximum number of client connections?", "pages": ["/config/server"], "answer_terms": ["250"]}
            {"kind": "value", "question": "Which TCP port do clients connect to by default?", "pages": ["/guide/clients"], "answer_terms": ["7070"]}
            {"kind": "factual", "question": "How long are unacknowledged messages kept?", "pages": ["/guide/queues"], "answer_terms": ["seven days"]}
            {"kind": "offtopic", "question": "How do I declare an exchange in RabbitMQ?", "pages": [], "answer_terms": []}

            """.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try runCLI(["eval", "site", file, "--collection", "larkspur", "--user", "docs@example.com", "--data-dir", data,
                              "--details", "--json"], environment: ["NEX_MODEL_DIR": TestModel.directory])
        #expect(run.status == 0, "\(run.output)")
        let last = try #require(run.output.split(separator: "\n").last.map(String.init))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(json["questions"] as? Int == 4 && json["answerable"] as? Int == 3 && json["offtopic"] as? Int == 1)
        // The port question's gold page is deliberately wrong: /config/server answers it.
        #expect(json["hit@1"] as? Double == 0.6667, "\(json)")
        #expect(json["answer_term_rate"] as? Double == 1.0)
        // Each answered term was in the retrieved chunks too (the search found what the answer quotes).
        #expect(json["answer_term_retrieved_rate"] as? Double == 1.0)
        #expect(json["abstained_offtopic"] as? Int == 1 && json["false_abstentions"] as? Int == 0)
        let perKind = try #require(json["per_kind"] as? [String: [String: Any]])
        #expect(Set(perKind.keys) == ["value", "factual", "offtopic"])
        #expect(perKind["value"]?["hit@1"] as? Double == 0.5 && perKind["factual"]?["hit@1"] as? Double == 1.0)
        #expect(run.output.contains("[abstained] offtopic: How do I declare an exchange in RabbitMQ?"))
        #expect(run.output.contains("[-5-t-] value: Which TCP port"), "\(run.output)")
        #expect(run.output.contains("terms in top 5"))
    }
}
