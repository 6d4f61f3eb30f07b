import Foundation
import JWTKit

/// The claims of a session token: subject (user id), expiry, issue time and a unique id
/// (`jti`) that logout records as revoked.
struct SessionClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Issues and verifies HS256 session tokens.
///
/// The secret comes from configuration or from `jwt_secret` in the data directory, created
/// on first start with 48 random bytes and mode 0600 — never from the source code.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    public let lifetime: TimeInterval

    public init(secret: String, lifetime: TimeInterval) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = lifetime
    }

    /// A signed token and what a client needs to know about it.
    public struct IssuedToken: Sendable {
        public var token: String
        public var expiresAt: Date
        /// The `jti` claim.
        public var id: String
    }

    /// A new signed token for `userID`, issued at `now`.
    public func issue(userID: Int64, now: Date = Date()) async throws -> IssuedToken {
        let claims = SessionClaims(
            sub: SubjectClaim(value: String(userID)),
            // Whole seconds: the claim is serialised as an integer epoch anyway.
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: (now.timeIntervalSince1970 + lifetime).rounded(.down))),
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))),
            jti: IDClaim(value: UUID().uuidString.lowercased())
        )
        return IssuedToken(token: try await keys.sign(claims), expiresAt: claims.exp.value, id: claims.jti.value)
    }

    /// The verified claims of `token`, or nil when its signature, algorithm, format or
    /// expiry is wrong (callers answer 401 without saying which).
    func verify(_ token: String) async -> SessionClaims? {
        try? await keys.verify(token, as: SessionClaims.self)
    }

    /// Reads the secret from `explicit` or the data directory, generating the file if absent.
    public static func loadSecret(explicit: String?, dataDirectory: String) throws -> String {
        if let explicit { return explicit }
        let path = (dataDirectory as NSString).appendingPathComponent("jwt_secret")
        let manager = FileManager.default
        if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            let secret = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            guard secret.utf8.count >= 32 else {
                throw ConfigError.invalid(name: path, value: "(\(secret.utf8.count) bytes)", expected: "at least 32 bytes; delete it to generate a new one")
            }
            return secret
        }
        try manager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<48).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secret = bytes.map { String(format: "%02x", $0) }.joined()
        // Create with 0600 from the start, so the secret is never readable by others.
        guard manager.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigError.invalid(name: path, value: "(unwritable)", expected: "a writable data directory")
        }
        return secret
    }
}
