import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Storage

/// `/auth`: register, login, logout, me, and API keys.
struct AuthController {
    let database: any DataStore
    let tokens: TokenService
    let passwords: PasswordHasher
    let throttles: AuthThrottles
    let maxBodyBytes: Int
    let trustProxyHeaders: Bool

    struct Credentials: Decodable {
        var email: String
        var password: String
    }

    struct UserSummary: Encodable {
        var id: Int64
        var email: String
    }

    struct SessionResponse: Encodable {
        var user: UserSummary
        var token: String
        var expiresAt: Date

        enum CodingKeys: String, CodingKey {
            case user, token
            case expiresAt = "expires_at"
        }
    }

    struct MeResponse: Encodable {
        var id: Int64
        var email: String
        var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, email
            case createdAt = "created_at"
        }
    }

    /// Routes that need no token.
    func addPublicRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("register", use: register)
        group.post("login", use: login)
    }

    /// Routes behind `BearerAuthenticator` (any scope).
    func addProtectedRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("logout", use: logout)
        group.get("me", use: me)
        group.post("keys", use: createKey)
        group.get("keys", use: listKeys)
        group.delete("keys/:id", use: deleteKey)
    }

    struct KeyRequest: Decodable {
        var name: String
        var scopes: [APIScope]?
        /// Seconds, or a number with a unit (`90d`, `12h`); none: the key does not expire.
        var expiresIn: Lifetime?

        enum CodingKeys: String, CodingKey {
            case name, scopes
            case expiresIn = "expires_in"
        }

        struct Lifetime: Decodable {
            var seconds: TimeInterval

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Double.self) {
                    seconds = number
                } else if let text = try? container.decode(String.self), let parsed = APIKeys.lifetime(text) {
                    seconds = parsed
                } else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected seconds or a duration such as \"90d\"")
                }
            }
        }
    }

    /// A key as listed (never the key itself, nor its hash).
    struct KeySummary: Encodable {
        var id: Int64
        var name: String
        var prefix: String
        var scopes: [String]
        var createdAt: Date
        var lastUsedAt: Date?
        var expiresAt: Date?

        init(_ record: APIKeyRecord) {
            id = record.id ?? 0
            name = record.name
            prefix = record.prefix
            scopes = record.scopeList
            createdAt = record.createdAt
            lastUsedAt = record.lastUsedAt
            expiresAt = record.expiresAt
        }

        enum CodingKeys: String, CodingKey {
            case id, name, prefix, scopes
            case createdAt = "created_at"
            case lastUsedAt = "last_used_at"
            case expiresAt = "expires_at"
        }
    }

    struct CreatedKey: Encodable {
        var key: String
        var summary: KeySummary

        func encode(to encoder: any Encoder) throws {
            try summary.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
        }

        enum CodingKeys: String, CodingKey { case key }
    }

    struct KeyList: Encodable {
        var keys: [KeySummary]
    }

    @Sendable func createKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try user.requireSession()
        let input = try await request.decodeJSON(KeyRequest.self, limit: maxBodyBytes)
        let issued = try await APIKeys.create(userID: user.id, name: input.name, scopes: input.scopes ?? [.read],
                                              expiresIn: input.expiresIn?.seconds, database: database)
        context.logger.info("API key created", metadata: ["key_id": "\(issued.record.id ?? 0)", "scopes": "\(issued.record.scopes)"])
        return try .json(CreatedKey(key: issued.key, summary: KeySummary(issued.record)), status: .created)
    }

    @Sendable func listKeys(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try user.requireSession()
        return try .json(KeyList(keys: try await database.apiKeys(userID: user.id).map(KeySummary.init)))
    }

    @Sendable func deleteKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try user.requireSession()
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw APIError.notFound("no such API key") }
        guard try await database.deleteAPIKey(id: id, userID: user.id) else { throw APIError.notFound("no such API key") }
        context.logger.info("API key revoked", metadata: ["key_id": "\(id)"])
        return Response(status: .noContent)
    }

    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        let address = clientAddress(request, context) ?? "-"
        try await refuseIfThrottled(throttles.registerAddress, key: address, context: context,
                              message: "too many registrations from this address", code: "registration_throttled")
        let input = try await request.decodeJSON(Credentials.self, limit: maxBodyBytes)
        try await throttles.registerAddress.record(address)
        let user = try await AccountService.createUser(
            email: input.email, password: input.password, database: database, passwords: passwords
        )
        guard let id = user.id else { throw APIError.internalError }
        context.logger.info("user registered", metadata: ["user_id": "\(id)"])
        return try await session(for: id, email: user.email, status: .created)
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let input = try await request.decodeJSON(Credentials.self, limit: maxBodyBytes)
        let email = input.email.trimmingCharacters(in: .whitespaces).lowercased()
        let address = clientAddress(request, context) ?? "-"
        let account = "\(email)|\(address)"
        for (throttle, key) in [(throttles.loginAccount, account), (throttles.loginAddress, address)] {
            try await refuseIfThrottled(throttle, key: key, context: context, message: "too many failed logins", code: "login_throttled")
        }
        let user = try await database.user(email: email)
        guard await passwords.verify(input.password, hash: user?.passwordHash), let user, let id = user.id else {
            try await throttles.loginAccount.record(account)
            try await throttles.loginAddress.record(address)
            context.logger.info("login failed")
            throw APIError(.unauthorized, code: "invalid_credentials", message: "invalid email or password")
        }
        try await throttles.loginAccount.reset(account)
        context.logger.info("login succeeded", metadata: ["user_id": "\(id)"])
        return try await session(for: id, email: user.email, status: .ok)
    }

    /// 429 with `Retry-After` while `throttle` refuses `key`.
    private func refuseIfThrottled(_ throttle: AttemptThrottle, key: String, context: AppRequestContext, message: String,
                                   code: String) async throws {
        guard let wait = try await throttle.retryAfter(key) else { return }
        let seconds = Int(wait.rounded(.up))
        context.logger.notice("\(throttle.scope) throttled")
        throw APIError.tooManyRequests("\(message); try again in \(seconds) seconds", retryAfter: seconds, code: code)
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard case .session(let tokenID, let expiresAt) = user.credential else {
            throw APIError.badRequest("an API key does not log out; revoke it with DELETE /auth/keys/{id}", code: "not_a_session")
        }
        try await database.revokeToken(jti: tokenID, userID: user.id, expiresAt: expiresAt)
        context.logger.info("logged out", metadata: ["user_id": "\(user.id)"])
        return Response(status: .noContent)
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireUser()
        guard let user = try await database.user(id: identity.id) else { throw APIError.unauthorized() }
        return try .json(MeResponse(id: identity.id, email: user.email, createdAt: user.createdAt))
    }

    private func session(for userID: Int64, email: String, status: HTTPResponse.Status) async throws -> Response {
        let issued = try await tokens.issue(userID: userID)
        return try .json(
            SessionResponse(user: UserSummary(id: userID, email: email), token: issued.token, expiresAt: issued.expiresAt),
            status: status
        )
    }

    private func clientAddress(_ request: Request, _ context: AppRequestContext) -> String? {
        if trustProxyHeaders, let forwarded = HTTPField.Name("X-Forwarded-For").flatMap({ request.headers[$0] }) {
            return forwarded.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return context.peerAddress
    }
}

/// What makes an acceptable email and password.
enum CredentialRules {
    /// The email trimmed and lowercased, or 422 when it is not a plausible address.
    static func validEmail(_ raw: String) throws -> String {
        let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid = email.count <= 254
            && parts.count == 2
            && !parts[0].isEmpty && parts[0].count <= 64
            && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !parts[1].contains("..")
            && email.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
            && !email.contains(where: { "()<>,;:\\\"[]".contains($0) })
        guard valid else { throw APIError.unprocessable("email is not a valid address", code: "invalid_email") }
        return email
    }

    /// 422 when the password holds a NUL, is shorter than 8 characters, or longer than
    /// bcrypt's 72 bytes (bcrypt ignores what follows, which would silently weaken long
    /// passphrases). Login applies the same rules (`PasswordHasher.verify`).
    static func checkPassword(_ password: String) throws {
        guard !password.unicodeScalars.contains("\0") else {
            // bcrypt stops at a NUL byte: "\0anything" would be the empty password.
            throw APIError.unprocessable("password must not contain a NUL character", code: "invalid_password")
        }
        guard password.count >= PasswordHasher.minimumCharacters else {
            throw APIError.unprocessable("password must be at least \(PasswordHasher.minimumCharacters) characters", code: "weak_password")
        }
        guard password.utf8.count <= PasswordHasher.maximumBytes else {
            throw APIError.unprocessable("password must be at most \(PasswordHasher.maximumBytes) bytes", code: "password_too_long")
        }
    }
}
