import API
import Foundation
import Storage
import TestSupport
import Testing

/// Names, query strings and numbers as real clients send them, against the in-process server
/// over real HTTP: what a security and failure review found mishandled.
@Suite("Names, query strings and numbers")
struct InputHandlingTests {
    /// The user id behind a client's token.
    func userID(_ api: APIClient) async throws -> Int64 {
        Int64(try #require(try await api.get("/auth/me").value("id") as? Int))
    }

    @Test("collections named with spaces or non-ASCII letters can be deleted; '+' in a query string is a space")
    func names() async throws {
        try await withTestServer(embedder: try TestModel.embedder()) { api, dependencies in
            let user = try await api.registered(email: "names@example.com")
            let id = try await userID(user)
            for name in ["my docs", "ünïcødé", "a+b"] { _ = try await dependencies.database.ensureCollection(userID: id, name: name) }
            // Form encoding: `my+docs` and `my%20docs` name the same collection; `a%2Bb` is "a+b".
            for collection in ["my+docs", "my%20docs", "a%2Bb"] {
                let search = try await user.get("/search?q=roses&collection=\(collection)")
                #expect(search.status == 200, "\(collection): \(search.text)")
            }
            #expect(try await user.get("/search?q=roses&collection=nope").status == 404)
            #expect(try await user.request("DELETE", "/collections/my%20docs").status == 204)
            #expect(try await user.request("DELETE", "/collections/%C3%BCn%C3%AFc%C3%B8d%C3%A9").status == 204)
            #expect(try await user.request("DELETE", "/collections/a+b").status == 204)
            #expect(try await user.get("/collections").jsonArray?.isEmpty == true)
            #expect(try await user.request("DELETE", "/collections/%FF%FE").status == 400)
        }
    }

    @Test("numbers out of range and malformed query numbers are 422 with our own message, never Foundation's")
    func numbers() async throws {
        try await withTestServer(embedder: try TestModel.embedder()) { api, dependencies in
            let user = try await api.registered(email: "numbers@example.com")
            let id = try await userID(user)
            let collection = try await dependencies.database.ensureCollection(userID: id, name: "default")
            for (path, body) in [("/ask", #"{"question": "roses?", "top_k": 1e30}"#), ("/ask", #"{"question": "roses?", "top_k": 2.5}"#),
                                 ("/ingest", #"{"url": "https://example.com/", "max_pages": 1e300}"#),
                                 ("/plans", #"{"title": "t", "steps": [{"id": "a", "prompt": "x", "max_tokens": 1e30}]}"#)] {
                let reply = try await user.request("POST", path, rawBody: Data(body.utf8))
                #expect(reply.status == 422, "\(path) \(body): \(reply.text)")
                #expect(!reply.text.contains("correct format") && !reply.text.contains("Foundation"), "\(reply.text)")
            }
            let wrongType = try await user.request("POST", "/ask", rawBody: Data(#"{"question": 7}"#.utf8))
            #expect(wrongType.status == 422 && wrongType.string("error.message") == "field \"question\" must be a string")
            #expect(try await user.request("POST", "/ask", rawBody: Data("[1, 2]".utf8)).status == 422)
            #expect(try await user.request("POST", "/ask", rawBody: Data("{\"question\": ".utf8)).errorCode == "invalid_json")

            let job = try await dependencies.database.createJob(userID: id, collectionID: collection.id, kind: "ingest", params: "{}")
            for query in ["limit=-1452871", "limit=0", "limit=501", "offset=-1", "limit=ten", "status=bogus"] {
                let reply = try await user.get("/jobs/\(job.id)/pages?\(query)")
                #expect(reply.status == 422, "\(query): \(reply.text)")
            }
            #expect(try await user.get("/jobs/\(job.id)/pages?limit=500&status=failed").status == 200)
            #expect(try await user.get("/search?q=roses&k=abc").status == 422)
            #expect(try await user.get("/search?q=roses&k=1000").status == 422)
        }
    }
}
