import API
import Embedding
import Foundation
import HTTPKit
import Logging
import Storage
import TestSupport
import Testing

@Suite("Accounts and sessions over HTTP")
struct AuthTests {
    @Test("register → login → me → logout, each with the documented status and shape", arguments: Backend.allCases)
    func happyPath(_ backend: Backend) async throws {
        try await withTestServer(backend: backend) { api, _ in
            let registered = try await api.post("/auth/register", json: ["email": "Ada@Example.com", "password": "analytical engine"])
            #expect(registered.status == 201)
            #expect(registered.string("user.email") == "ada@example.com")
            #expect(registered.value("user.id") as? Int != nil)
            #expect(registered.string("token")?.split(separator: ".").count == 3)
            #expect(registered.string("expires_at") != nil)

            let login = try await api.post("/auth/login", json: ["email": "ADA@example.com", "password": "analytical engine"])
            #expect(login.status == 200)
            let token = try #require(login.string("token"))
            #expect(login.string("user.email") == "ada@example.com")
            let expiresAt = try #require(login.string("expires_at").flatMap { ISO8601DateFormatter().date(from: $0) })
            // Default lifetime: 24 h.
            #expect(abs(expiresAt.timeIntervalSinceNow - 86_400) < 120)

            let me = try await api.get("/auth/me", token: token)
            #expect(me.status == 200)
            #expect(me.string("email") == "ada@example.com")
            #expect(me.value("id") as? Int == registered.value("user.id") as? Int)
            #expect(me.string("created_at") != nil)

            let logout = try await api.post("/auth/logout", token: token)
            #expect(logout.status == 204)
            let after = try await api.get("/auth/me", token: token)
            #expect(after.status == 401)
            #expect(after.errorCode == "unauthorized")
            // The registration token is a different session and still works.
            #expect(try await api.get("/auth/me", token: registered.string("token")).status == 200)
        }
    }

    @Test("wrong password and unknown email both answer 401 with the same message", arguments: Backend.allCases)
    func badCredentials(_ backend: Backend) async throws {
        try await withTestServer(backend: backend) { api, _ in
            _ = try await api.registered(email: "b@example.com")
            let wrong = try await api.post("/auth/login", json: ["email": "b@example.com", "password": "not the password"])
            let unknown = try await api.post("/auth/login", json: ["email": "nobody@example.com", "password": "not the password"])
            #expect(wrong.status == 401)
            #expect(unknown.status == 401)
            #expect(wrong.errorCode == "invalid_credentials")
            #expect(wrong.string("error.message") == unknown.string("error.message"))
        }
    }

    @Test("a duplicate email in another case is 409", arguments: Backend.allCases)
    func duplicate(_ backend: Backend) async throws {
        try await withTestServer(backend: backend) { api, _ in
            _ = try await api.registered(email: "dup@example.com")
            let again = try await api.post("/auth/register", json: ["email": "DUP@example.com", "password": "another password"])
            #expect(again.status == 409)
            #expect(again.errorCode == "email_taken")
        }
    }

    @Test("invalid emails and short or over-long passwords are 422", arguments: [
        ("not-an-email", "long enough pw", "invalid_email"),
        ("a@b", "long enough pw", "invalid_email"),
        ("spaces in@example.com", "long enough pw", "invalid_email"),
        ("ok@example.com", "short", "weak_password"),
        ("ok@example.com", String(repeating: "x", count: 73), "password_too_long"),
        ("ok@example.com", "\u{0}aaaaaaaaaa", "invalid_password"),
    ])
    func validation(email: String, password: String, code: String) async throws {
        try await withTestServer { api, _ in
            let reply = try await api.post("/auth/register", json: ["email": email, "password": password])
            #expect(reply.status == 422)
            #expect(reply.errorCode == code)
        }
    }

    @Test("the 11th login attempt within the window is refused with 429 and Retry-After, even with the right password", arguments: Backend.allCases)
    func throttling(_ backend: Backend) async throws {
        try await withTestServer(backend: backend) { api, _ in
            _ = try await api.registered(email: "t@example.com", password: "the right password")
            for _ in 0..<10 {
                let reply = try await api.post("/auth/login", json: ["email": "t@example.com", "password": "wrong password"])
                #expect(reply.status == 401)
            }
            let throttled = try await api.post("/auth/login", json: ["email": "t@example.com", "password": "the right password"])
            #expect(throttled.status == 429)
            #expect(throttled.errorCode == "login_throttled")
            let retryAfter = try #require(throttled.header("Retry-After").flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 300)
            // Another account from the same address is not affected.
            _ = try await api.registered(email: "u@example.com", password: "the right password")
            let other = try await api.post("/auth/login", json: ["email": "u@example.com", "password": "the right password"])
            #expect(other.status == 200)
        }
    }
}

@Suite("Passwords and throttles over HTTP")
struct PasswordRuleTests {
    @Test("login applies bcrypt's byte rules: 72 bytes plus more, and a NUL-prefixed password, never match", arguments: Backend.allCases)
    func bcryptPrefixes(_ backend: Backend) async throws {
        try await withTestServer(backend: backend) { api, dependencies in
            let exact = String(repeating: "x", count: 72)
            _ = try await api.registered(email: "long@example.com", password: exact)
            #expect(try await api.post("/auth/login", json: ["email": "long@example.com", "password": exact]).status == 200)
            let longer = try await api.post("/auth/login", json: ["email": "long@example.com", "password": exact + "anything"])
            #expect(longer.status == 401 && longer.errorCode == "invalid_credentials")
            // An account whose hash was made from a NUL-prefixed password (registration refuses
            // those now; an older account might have one): the empty password must not open it.
            let hash = await dependencies.passwords.hash("\u{0}aaaaaaaaaa")
            _ = try await dependencies.database.createUser(email: "nul@example.com", passwordHash: hash)
            for password in ["", "\u{0}aaaaaaaaaa", "\u{0}"] {
                #expect(try await api.post("/auth/login", json: ["email": "nul@example.com", "password": password]).status == 401)
            }
        }
    }

    @Test("one address trying many emails is throttled, and the limit survives a restart")
    func perAddress() async throws {
        let directory = try TemporaryDirectory()
        let configure: (inout AppConfig) -> Void = { config in
            config.dataDirectory = directory.path
            config.loginAddressMaxFailures = 5
        }
        try await withTestServer(configure: configure) { api, _ in
            _ = try await api.registered(email: "victim@example.com", password: "the right password")
            for n in 0..<5 {
                let reply = try await api.post("/auth/login", json: ["email": "guess\(n)@example.com", "password": "wrong password"])
                #expect(reply.status == 401)
            }
            let sixth = try await api.post("/auth/login", json: ["email": "guess5@example.com", "password": "wrong password"])
            #expect(sixth.status == 429 && sixth.errorCode == "login_throttled")
            #expect(sixth.header("Retry-After").flatMap(Int.init) != nil)
        }
        // A restart on the same data folder does not clear it.
        try await withTestServer(configure: configure) { api, _ in
            let again = try await api.post("/auth/login", json: ["email": "victim@example.com", "password": "the right password"])
            #expect(again.status == 429 && again.errorCode == "login_throttled")
        }
    }

    @Test("registrations per address are limited", arguments: Backend.allCases)
    func registrations(_ backend: Backend) async throws {
        try await withTestServer(backend: backend, configure: { $0.registrationsPerAddress = 3 }) { api, _ in
            for n in 0..<3 { _ = try await api.registered(email: "r\(n)@example.com") }
            let fourth = try await api.post("/auth/register", json: ["email": "r3@example.com", "password": "long enough pw"])
            #expect(fourth.status == 429 && fourth.errorCode == "registration_throttled")
            #expect(fourth.header("Retry-After").flatMap(Int.init).map { $0 > 0 && $0 <= 3600 } == true)
        }
    }
}

@Suite("Login throttle")
struct LoginThrottleTests {
    /// A clock the test moves by hand.
    final class ManualClock: @unchecked Sendable {
        var now = Date(timeIntervalSince1970: 1_000_000)
    }

    @Test("refuses after N attempts, frees the key when the oldest leaves the window, reset clears it; kept in SQLite")
    func window() async throws {
        let clock = ManualClock()
        let directory = try TemporaryDirectory()
        let path = directory.appending("throttle.sqlite")
        let throttle = AttemptThrottle(database: try AppDatabase.open(path: path), scope: "login-account", limit: 3, window: 300) { clock.now }
        for _ in 0..<3 {
            #expect(try await throttle.retryAfter("k") == nil)
            try await throttle.record("k")
            clock.now += 10
        }
        // Oldest failure at t0, now t0+30: wait until t0+300. Another process sees the same.
        #expect(try await throttle.retryAfter("k") == 270)
        let reopened = AttemptThrottle(database: try AppDatabase.open(path: path), scope: "login-account", limit: 3, window: 300) { clock.now }
        #expect(try await reopened.retryAfter("k") == 270)
        #expect(try await throttle.retryAfter("other") == nil)
        let otherScope = AttemptThrottle(database: try AppDatabase.open(path: path), scope: "login-address", limit: 3, window: 300) { clock.now }
        #expect(try await otherScope.retryAfter("k") == nil)
        clock.now += 271
        #expect(try await throttle.retryAfter("k") == nil)
        try await throttle.record("k")
        try await throttle.reset("k")
        #expect(try await throttle.retryAfter("k") == nil)
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("environment variables are parsed with units and invalid values name the variable")
    func environment() throws {
        let config = try AppConfig.load(environment: [
            "NEX_PORT": "9001", "NEX_TOKEN_TTL": "90m", "NEX_MAX_BODY": "2MiB", "NEX_CORS_ORIGINS": "https://a.example, https://b.example",
            "NEX_TRUST_PROXY": "yes", "NEX_LOG_LEVEL": "DEBUG", "NEX_JWT_SECRET": String(repeating: "s", count: 32),
        ])
        #expect(config.port == 9001)
        #expect(config.tokenTTL == 5400)
        #expect(config.maxBodyBytes == 2 << 20)
        #expect(config.corsOrigins == ["https://a.example", "https://b.example"])
        #expect(config.trustProxyHeaders)
        #expect(config.logLevel == .debug)
        #expect(try AppConfig.load(environment: [:]).port == 8000)

        for (name, value) in [("NEX_PORT", "99999"), ("NEX_TOKEN_TTL", "soon"), ("NEX_JWT_SECRET", "short"), ("NEX_BCRYPT_COST", "2"),
                              ("NEX_EMBED_PRECISION", "int4")] {
            do {
                _ = try AppConfig.load(environment: [name: value])
                Issue.record("\(name)=\(value) was accepted")
            } catch {
                #expect("\(error)".contains(name))
            }
        }
    }

    @Test("unset, the embedding precision is the collections' (fp32 if any is), else the CPU's preferred one; set, it is what it says", arguments: Backend.allCases)
    func precision(_ backend: Backend) async throws {
        let opened = try await backend.open()   // holds the database's folder while the test runs
        let store = opened.store
        let unset = try AppConfig.load(environment: [:])
        #expect(try AppConfig.load(environment: ["NEX_EMBED_PRECISION": "FP32"]).embedPrecision == .fp32)
        let owner = try await Owner(store)
        #expect(try await unset.embedPrecision(for: store) == EmbeddingPrecision.preferred)   // an empty collection holds no vectors
        _ = try await store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/a", texts: ["alpha"])
        #expect(try await unset.embedPrecision(for: store) == .fp32)   // vectors from before precisions were recorded
        try await store.setEmbedPrecision(collectionID: owner.collectionID, precision: "int8")
        #expect(try await unset.embedPrecision(for: store) == .int8)
        #expect(try await AppConfig.load(environment: ["NEX_EMBED_PRECISION": "fp32"]).embedPrecision(for: store) == .fp32)
    }
}
