import API
import Foundation
import HTTPKit
import TestSupport
import Testing

/// Base64url without padding, as JWT segments are encoded.
func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

@Suite("Bearer tokens")
struct TokenTests {
    @Test("missing, malformed, garbage, tampered, alg=none and foreign-key tokens are all 401", arguments: Backend.allCases)
    func rejected(_ backend: Backend) async throws {
        try await withTestServer(backend: backend) { api, _ in
            let session = try await api.registered(email: "tok@example.com")
            let token = try #require(session.token)
            let parts = token.split(separator: ".").map(String.init)

            #expect(try await api.get("/auth/me", token: .some(nil)).status == 401)
            let noScheme = try await api.request("GET", "/auth/me", headers: [.init("Authorization", token)], token: .some(nil))
            #expect(noScheme.status == 401)
            #expect(try await api.get("/auth/me", token: "garbage").status == 401)
            #expect(try await api.get("/auth/me", token: "a.b.c").status == 401)

            // Flip a signature character: the signature no longer matches.
            var signature = Array(parts[2])
            signature[4] = signature[4] == "A" ? "B" : "A"
            #expect(try await api.get("/auth/me", token: "\(parts[0]).\(parts[1]).\(String(signature))").status == 401)

            // Change the subject in the payload, keep the signature.
            let payload = #"{"sub":"999","exp":4102444800,"iat":1700000000,"jti":"x"}"#
            #expect(try await api.get("/auth/me", token: "\(parts[0]).\(base64URL(Data(payload.utf8))).\(parts[2])").status == 401)

            // alg = none with an empty signature.
            let none = base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
            #expect(try await api.get("/auth/me", token: "\(none).\(parts[1]).").status == 401)

            // The same claims signed by another server's secret.
            let foreign = await TokenService(secret: String(repeating: "f", count: 40), lifetime: 3600)
            let other = try await foreign.issue(userID: 1).token
            #expect(try await api.get("/auth/me", token: other).status == 401)

            let ok = try await api.get("/auth/me", token: token)
            #expect(ok.status == 200)
        }
    }

    @Test("an expired token is 401", arguments: Backend.allCases)
    func expired(_ backend: Backend) async throws {
        try await withTestServer(backend: backend) { api, dependencies in
            let session = try await api.registered(email: "exp@example.com")
            let me = try await api.get("/auth/me", token: session.token)
            let id = try #require(me.value("id") as? Int)
            let old = try await dependencies.tokens.issue(userID: Int64(id), now: Date().addingTimeInterval(-90_000)).token
            let reply = try await api.get("/auth/me", token: old)
            #expect(reply.status == 401)
            #expect(reply.errorCode == "unauthorized")
        }
    }

    @Test("user A's token only ever shows user A", arguments: Backend.allCases)
    func isolation(_ backend: Backend) async throws {
        try await withTestServer(backend: backend) { api, _ in
            let a = try await api.registered(email: "a@example.com")
            let b = try await api.registered(email: "b@example.com")
            #expect(try await a.get("/auth/me").string("email") == "a@example.com")
            #expect(try await b.get("/auth/me").string("email") == "b@example.com")
            // B logging out does not affect A.
            #expect(try await b.post("/auth/logout").status == 204)
            #expect(try await a.get("/auth/me").status == 200)
            #expect(try await b.get("/auth/me").status == 401)
        }
    }
}
