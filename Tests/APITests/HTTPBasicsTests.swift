import API
import Foundation
import HTTPKit
import TestSupport
import Testing

@Suite("HTTP basics")
struct HTTPBasicsTests {
    @Test("malformed JSON is 400, a missing field 422, a wrong type 422, all in the JSON error shape")
    func malformed() async throws {
        try await withTestServer { api, _ in
            let broken = try await api.request("POST", "/auth/register", rawBody: Data(#"{"email": "a@b.c", "password": "#.utf8))
            #expect(broken.status == 400)
            #expect(broken.errorCode == "invalid_json")
            #expect(broken.string("error.message") != nil)
            let empty = try await api.request("POST", "/auth/login", rawBody: Data())
            #expect(empty.status == 400)
            let missing = try await api.post("/auth/register", json: ["email": "x@example.com"])
            #expect(missing.status == 422)
            #expect(missing.string("error.message")?.contains("password") == true)
            let wrongType = try await api.post("/auth/register", json: ["email": 42, "password": "long enough pw"])
            #expect(wrongType.status == 422)
        }
    }

    @Test("a body over NEX_MAX_BODY is 413, whether declared by Content-Length or sent chunked")
    func tooLarge() async throws {
        try await withTestServer(configure: { $0.maxBodyBytes = 4096 }) { api, _ in
            let big = Data(#"{"email":"a@example.com","password":""#.utf8) + Data(repeating: UInt8(ascii: "x"), count: 10_000) + Data(#""}"#.utf8)
            let declared = try await api.request("POST", "/auth/register", rawBody: big)
            #expect(declared.status == 413)
            #expect(declared.errorCode == "payload_too_large")
            let chunked = try await api.request("POST", "/auth/register", rawBody: big, headers: [.init("Transfer-Encoding", "chunked")])
            #expect(chunked.status == 413)
            #expect(chunked.errorCode == "payload_too_large")
            // Just under the limit is accepted (and then judged on content).
            let small = try await api.post("/auth/register", json: ["email": "small@example.com", "password": "long enough pw"])
            #expect(small.status == 201)
        }
    }

    @Test("without the embedding model the server is alive but not ready, and says why")
    func notReadyWithoutModel() async throws {
        try await withTestServer { api, _ in
            #expect(try await api.get("/health").status == 200)
            let ready = try await api.get("/ready")
            #expect(ready.status == 503 && ready.string("model") == "missing" && ready.string("database") == "ok")
            #expect(ready.string("error")?.contains("model file missing") == true, "\(ready.text)")
        }
    }

    @Test("unknown routes are JSON 404s; protected routes without a token are 401")
    func notFound() async throws {
        try await withTestServer { api, _ in
            let missing = try await api.get("/no/such/route")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "not_found")
            #expect(missing.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(try await api.get("/auth/me").status == 401)
        }
    }

    @Test("health, readiness, metrics and the OpenAPI document need no token")
    func operational() async throws {
        try await withTestServer(embedder: try TestModel.embedder()) { api, _ in
            let health = try await api.get("/health")
            #expect(health.status == 200 && health.string("status") == "ok")
            let ready = try await api.get("/ready")
            #expect(ready.status == 200 && ready.string("database") == "ok" && ready.string("model") == "ok" && ready.string("web") == "ok")
            _ = try await api.get("/health")
            let metrics = try await api.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("http_requests_total"))
            #expect(metrics.text.contains(#"route="/health""#))
            let spec = try await api.get("/openapi.json")
            #expect(spec.status == 200)
            let paths = try #require(spec.json?["paths"] as? [String: Any])
            #expect(paths["/auth/register"] != nil && paths["/auth/me"] != nil)
        }
    }

    @Test("the web page is served at / without a token, with a same-origin content security policy; no NUL paths; no caching of user data")
    func webPage() async throws {
        try await withTestServer { api, _ in
            let page = try await api.get("/")
            #expect(page.status == 200)
            #expect(page.text.contains("<form"))
            #expect(page.header("Content-Type")?.contains("text/html") == true)
            let policy = page.header("Content-Security-Policy") ?? ""
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"))
            #expect(page.header("X-Content-Type-Options") == "nosniff")
            let script = try await api.get("/app.js")
            #expect(script.status == 200)
            // Error responses carry the headers too.
            #expect(try await api.get("/no-such-route").header("X-Content-Type-Options") == "nosniff")
            // A NUL or control character in the path never reaches the file server (which
            // would serve app.js typed by the name after the NUL).
            for path in ["/app.js%00.html", "/app.js%00", "/%0aindex.html", "/app.js%ff"] {
                let reply = try await api.get(path)
                #expect(reply.status == 400 && reply.errorCode == "invalid_path", "\(path): \(reply.status)")
                #expect(reply.header("Content-Type")?.contains("text/html") != true)
            }
            // Responses with tokens or user data are never cached; the UI's files are revalidated.
            let session = try await api.post("/auth/register", json: ["email": "cache@example.com", "password": "long enough pw"])
            #expect(session.status == 201 && session.header("Cache-Control") == "no-store")
            #expect(try await api.get("/auth/me", token: session.string("token")).header("Cache-Control") == "no-store")
            #expect(try await api.get("/no-such-route").header("Cache-Control") == "no-store")
            #expect(page.header("Cache-Control") == "no-cache" && script.header("Cache-Control") == "no-cache")
        }
    }

    @Test("CORS: no headers by default; configured origins get them and preflights are answered")
    func cors() async throws {
        try await withTestServer { api, _ in
            let reply = try await api.request("GET", "/health", headers: [.init("Origin", "https://evil.example")])
            #expect(reply.header("Access-Control-Allow-Origin") == nil)
        }
        try await withTestServer(configure: { $0.corsOrigins = ["https://app.example"] }) { api, _ in
            let allowed = try await api.request("GET", "/health", headers: [.init("Origin", "https://app.example")])
            #expect(allowed.header("Access-Control-Allow-Origin") == "https://app.example")
            let other = try await api.request("GET", "/health", headers: [.init("Origin", "https://evil.example")])
            #expect(other.header("Access-Control-Allow-Origin") == nil)
            let preflight = try await api.request("OPTIONS", "/auth/me", headers: [
                .init("Origin", "https://app.example"), .init("Access-Control-Request-Method", "GET"),
            ])
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)
        }
    }

    @Test("logs of a registration and login at trace level never contain the password or the token")
    func noSecretsInLogs() async throws {
        let capture = LogCapture()
        try await withTestServer(logHandler: capture.sink) { api, _ in
            let password = "Sup3r-Secret-Passphrase"
            let registered = try await api.post("/auth/register", json: ["email": "logs@example.com", "password": password])
            let token = try #require(registered.string("token"))
            let login = try await api.post("/auth/login", json: ["email": "logs@example.com", "password": password])
            let loginToken = try #require(login.string("token"))
            _ = try await api.get("/auth/me", token: loginToken)
            _ = try await api.post("/auth/login", json: ["email": "logs@example.com", "password": "wrong-\(password)"])
            _ = try await api.get("/auth/me", token: "\(loginToken)x")
            let log = capture.text
            #expect(log.contains("login succeeded"), "the capture must actually see the request logs")
            #expect(!log.contains(password))
            #expect(!log.contains(token))
            #expect(!log.contains(loginToken))
            #expect(!log.contains(String(loginToken.split(separator: ".")[2])))
        }
    }
}

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("every documented path and method is routed (no 'no route' 404 for any of them)")
    func documentedPathsAnswer() async throws {
        try await withTestServer { api, _ in
            let user = try await api.registered(email: "spec@example.com")
            let spec = try await api.get("/openapi.json")
            let paths = try #require(spec.json?["paths"] as? [String: [String: Any]])
            #expect(paths.count >= 14)
            for (path, methods) in paths {
                let concrete = path.replacingOccurrences(of: "{id}", with: "00000000").replacingOccurrences(of: "{name}", with: "none")
                    .replacingOccurrences(of: "{model}", with: "none")
                for method in methods.keys {
                    let reply = try await user.request(method.uppercased(), concrete, json: method == "get" || method == "delete" ? nil : [:])
                    let message = reply.string("error.message") ?? ""
                    #expect(!message.hasPrefix("no route for"), "\(method.uppercased()) \(path) is documented but not routed")
                }
            }
        }
    }
}
