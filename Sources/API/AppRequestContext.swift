import Foundation
import Hummingbird
import NIOCore

/// The user a request acts for, set by `BearerAuthenticator` on protected routes.
public struct AuthenticatedUser: Sendable, Equatable {
    /// How the request proved who it is.
    public enum Credential: Sendable, Equatable {
        /// A login session's token; its `jti`, so logout can revoke exactly this token.
        case session(tokenID: String, expiresAt: Date)
        /// An API key with its scopes.
        case apiKey(id: Int64, scopes: Set<APIScope>)
    }

    public var id: Int64
    public var email: String
    public var credential: Credential

    /// Sessions may do everything; a key what its scopes allow.
    public func allows(_ scope: APIScope) -> Bool {
        switch credential {
        case .session: true
        case .apiKey(_, let scopes): scopes.contains(scope)
        }
    }

    /// 403 `insufficient_scope` unless `allows(scope)`.
    public func require(_ scope: APIScope) throws {
        guard allows(scope) else {
            throw APIError(.forbidden, code: "insufficient_scope", message: "this API key lacks the \"\(scope.rawValue)\" scope")
        }
    }

    /// 403 unless the request uses a login session (managing keys needs one: a key cannot mint keys).
    public func requireSession() throws {
        guard case .session = credential else {
            throw APIError(.forbidden, code: "session_required", message: "API keys are managed with a login session, not with an API key")
        }
    }
}

/// Per-request state: Hummingbird's core storage, the peer address and, once authenticated,
/// the user.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer's IP address (before any proxy header is considered).
    public let peerAddress: String?
    /// Set by `BearerAuthenticator`; nil on public routes.
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
