import Foundation
import JWTKit
import Hummingbird
import Logging
import Storage

/// Authenticates `Authorization: Bearer <jwt>` on a route group: a valid signature, not
/// expired, not revoked, and a user that still exists. Any failure logs at debug level (never
/// the token) and answers a bare 401.
struct JWTAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenService
    let database: any AccountStore & TokenRevocationStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing Authorization: Bearer token")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("Authorization header must be: Bearer <token>")
        }
        guard let claims = await tokens.verify(String(parts[1])), let userID = Int64(claims.sub.value) else {
            context.logger.debug("token rejected: bad signature, format or expiry")
            throw APIError.unauthorized()
        }
        if try await database.isTokenRevoked(jti: claims.jti.value) {
            context.logger.debug("token rejected: revoked", metadata: ["user_id": "\(userID)"])
            throw APIError.unauthorized()
        }
        guard let user = try await database.user(id: userID) else {
            context.logger.debug("token rejected: user no longer exists", metadata: ["user_id": "\(userID)"])
            throw APIError.unauthorized()
        }
        var context = context
        context.identity = AuthenticatedUser(
            id: userID, email: user.email, tokenID: claims.jti.value, tokenExpiresAt: claims.exp.value
        )
        context.logger[metadataKey: "user_id"] = "\(userID)"
        return try await next(request, context)
    }
}
