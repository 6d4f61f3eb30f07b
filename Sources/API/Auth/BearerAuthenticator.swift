import Foundation
import JWTKit
import Hummingbird
import Logging
import Storage

/// Authenticates `Authorization: Bearer <credential>` on a route group. The credential is
/// either a session token (a JWT from login: valid signature, not expired, not revoked) or an
/// API key (`nex_…`: known, not expired), and its user must still exist. Any failure logs at
/// debug level (never the credential) and answers a bare 401.
struct BearerAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenService
    let database: any AccountStore & TokenRevocationStore & APIKeyStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing Authorization: Bearer token")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("Authorization header must be: Bearer <token>")
        }
        let credential = String(parts[1])
        let identity = APIKeys.looksLikeKey(credential)
            ? try await APIKeys.authenticate(credential, database: database, logger: context.logger)
            : try await session(credential, logger: context.logger)
        guard let identity else { throw APIError.unauthorized() }
        var context = context
        context.identity = identity
        context.logger[metadataKey: "user_id"] = "\(identity.id)"
        return try await next(request, context)
    }

    private func session(_ token: String, logger: Logger) async throws -> AuthenticatedUser? {
        guard let claims = await tokens.verify(token), let userID = Int64(claims.sub.value) else {
            logger.debug("token rejected: bad signature, format or expiry")
            return nil
        }
        if try await database.isTokenRevoked(jti: claims.jti.value) {
            logger.debug("token rejected: revoked", metadata: ["user_id": "\(userID)"])
            return nil
        }
        guard let user = try await database.user(id: userID) else {
            logger.debug("token rejected: user no longer exists", metadata: ["user_id": "\(userID)"])
            return nil
        }
        return AuthenticatedUser(id: userID, email: user.email, credential: .session(tokenID: claims.jti.value, expiresAt: claims.exp.value))
    }
}

/// Refuses (403 `insufficient_scope`) an API key without `scope`; sessions may do everything.
struct RequireScope: RouterMiddleware {
    typealias Context = AppRequestContext
    let scope: APIScope

    init(_ scope: APIScope) { self.scope = scope }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try context.requireUser().require(scope)
        return try await next(request, context)
    }
}
