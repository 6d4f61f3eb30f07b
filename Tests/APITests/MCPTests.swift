import API
import Foundation
import HTTPKit
import TestSupport
import Testing

/// `/mcp` on the crawled garden site, driven by the official Python MCP SDK (a real agent's
/// client) and checked over plain HTTP for what a client must not get past.
@Suite("MCP server")
struct MCPTests {
    static let python = BuildProducts.repositoryRoot.appendingPathComponent(".build/venv-api/bin/python").path
    static let available = FileManager.default.isExecutableFile(atPath: python)

    static func run(base: String, key: String, question: String, ingest: String = "https://example.com/") async throws -> [String: Any] {
        let script = BuildProducts.repositoryRoot.appendingPathComponent("Tests/Fixtures/mcp_client.py").path
        let run = try await runProgramOffPool(python, [script, "--url", base + "/mcp", "--key", key, "--collection", "garden", "--question", question,
                                          "--ingest-url", ingest])
        guard run.status == 0, let line = run.output.split(separator: "\n").last,
              let seen = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw APIClientError.unexpected(status: Int(run.status), body: run.output)
        }
        return seen
    }

    @Test("the MCP SDK lists the tools a key may use and gets ranked passages, a cited answer and readable tool errors",
          .enabled(if: available, "needs .build/venv-api with mcp (run `make test`)"))
    func tools() async throws {
        try await withGardenServer { alice, base in
            let reader = try #require(try await alice.post("/auth/keys", json: ["name": "agent", "scopes": ["read"]]).string("key"))
            let seen = try await Self.run(base: base, key: reader, question: "When is the best time of year to cut back rose bushes?")
            #expect(seen["server"] as? String == "NexTraction")
            #expect(seen["tools"] as? [String] == ["ask", "job_status", "list_collections", "search"], "\(seen)")
            let collections = (seen["collections"] as? [String: Any])?["collections"] as? [[String: Any]]
            #expect(collections?.first?["name"] as? String == "garden" && (collections?.first?["pages"] as? Int ?? 0) >= 10)
            let results = ((seen["search"] as? [String: Any])?["results"] as? [[String: Any]]) ?? []
            #expect(results.count == 3 && (results.first?["url"] as? String)?.hasSuffix("/topics/roses") == true, "\(seen)")
            #expect((seen["search_text"] as? String)?.contains("/topics/roses") == true)
            let ask = seen["ask"] as? [String: Any]
            #expect(ask?["answerable"] as? Bool == true)
            #expect(((ask?["citations"] as? [[String: Any]])?.first?["url"] as? String)?.hasSuffix("/topics/roses") == true)
            let text = seen["ask_text"] as? String ?? ""
            #expect(text.contains("late winter") && text.contains("[1]") && text.contains("Sources:") && text.contains("/topics/roses"), "\(text)")
            let missing = seen["missing"] as? [String: Any]
            #expect(missing?["isError"] as? Bool == true && (missing?["text"] as? String)?.contains("not found") == true)
            let ingest = seen["ingest"] as? [String: Any]
            #expect(ingest?["isError"] as? Bool == true && (ingest?["text"] as? String)?.contains("\"write\" scope") == true, "\(seen)")

            let writer = try #require(try await alice.post("/auth/keys", json: ["name": "agent+", "scopes": ["read", "write"]]).string("key"))
            let writing = try await Self.run(base: base, key: writer, question: "How do I keep roses healthy?", ingest: "ftp://example.com/")
            #expect((writing["tools"] as? [String])?.contains("ingest") == true)
            // With the write scope the tool runs: here it stops at its own URL check (this test crawls nothing).
            let refused = writing["ingest"] as? [String: Any]
            #expect(refused?["isError"] as? Bool == true && (refused?["text"] as? String)?.contains("http") == true, "\(writing)")
            #expect((refused?["text"] as? String)?.contains("scope") == false)
        }
    }

    @Test("/mcp needs a credential, refuses foreign browser origins and unknown hosts on a loopback server, and has no GET stream")
    func guards() async throws {
        try await withGardenServer { alice, _ in
            let initialize: [String: any Sendable] = [
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": ["protocolVersion": "2025-06-18", "capabilities": [String: String](),
                           "clientInfo": ["name": "test", "version": "1"]] as [String: any Sendable],
            ]
            let accept = HTTPClient.Header("Accept", "application/json, text/event-stream")
            let ok = try await alice.request("POST", "/mcp", json: initialize, headers: [accept])
            #expect(ok.status == 200 && ok.string("result.serverInfo.name") == "NexTraction", "\(ok.text)")
            #expect(try await alice.request("POST", "/mcp", json: initialize, headers: [accept], token: .some(nil)).status == 401)
            let foreign = try await alice.request("POST", "/mcp", json: initialize, headers: [accept, .init("Origin", "https://evil.example")])
            #expect(foreign.status == 403, "\(foreign.text)")
            let local = try await alice.request("POST", "/mcp", json: initialize, headers: [accept, .init("Origin", "http://localhost:3000")])
            #expect(local.status == 200)
            let host = try await alice.request("POST", "/mcp", json: initialize, headers: [accept, .init("Host", "rebound.example")])
            #expect(host.status == 421, "\(host.text)")
            #expect(try await alice.request("GET", "/mcp", headers: [.init("Accept", "text/event-stream")]).status == 405)
        }
    }

    @Test("configured origins and hosts are accepted (a server behind its real name)")
    func configuredOrigins() async throws {
        try await withTestServer(configure: {
            $0.mcpAllowedOrigins = ["https://rag.example.com"]
            $0.mcpAllowedHosts = ["rag.example.com"]
        }) { api, _ in
            let user = try await api.registered(email: "mcp-origin@example.com")
            let ping: [String: any Sendable] = ["jsonrpc": "2.0", "id": 7, "method": "ping"]
            let headers: [HTTPClient.Header] = [.init("Accept", "application/json"), .init("Origin", "https://rag.example.com"),
                                                .init("Host", "rag.example.com"), .init("MCP-Protocol-Version", "2025-06-18")]
            let reply = try await user.request("POST", "/mcp", json: ping, headers: headers)
            #expect(reply.status == 200 && reply.value("id") as? Int == 7, "\(reply.text)")
            let other = try await user.request("POST", "/mcp", json: ping, headers: [headers[0], .init("Origin", "https://other.example.com"), headers[3]])
            #expect(other.status == 403)
        }
    }
}
