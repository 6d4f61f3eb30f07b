import Foundation
import Hummingbird
import NIOCore

/// The user a request acts for, set by `JWTAuthenticator` on protected routes.
public struct AuthenticatedUser: Sendable, Equatable {
    public var id: Int64
    public var email: String
    /// The token's `jti`, so logout can revoke exactly this token.
    public var tokenID: String
    public var tokenExpiresAt: Date
}

/// Per-request state: Hummingbird's core storage, the peer address and, once authenticated,
/// the user.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer's IP address (before any proxy header is considered).
    public let peerAddress: String?
    /// Set by `JWTAuthenticator`; nil on public routes.
    public var identity: AuthenticatedUser?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Our own decoder enforces the configured limit (see `Request.decodeJSON`); this only
    /// caps what Hummingbird's generic helpers would collect.
    public var maxUploadSize: Int { 64 << 20 }

    /// The authenticated user; throws 401 when a route forgot its authenticator.
    public func requireUser() throws -> AuthenticatedUser {
        guard let identity else { throw APIError.unauthorized() }
        return identity
    }
}
