import Foundation
import Storage
import TextKit

/// Counts attempts per key in a sliding window and refuses further ones once `limit` have
/// been made within `window` seconds. Kept in the database, so a restart does not clear it
/// and every server on the same database shares it. Keys are stored as SHA-256 hashes.
/// The clock is injected for tests.
public struct AttemptThrottle: Sendable {
    /// What is counted: `login-account` (failed logins per email and address),
    /// `login-address` (failed logins per address, whatever the email), `register-address`.
    public let scope: String
    public let limit: Int
    public let window: TimeInterval
    private let database: any AttemptStore
    private let now: @Sendable () -> Date

    public init(database: any AttemptStore, scope: String, limit: Int, window: TimeInterval, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.scope = scope
        self.limit = limit
        self.window = window
        self.now = now
    }

    /// Seconds until `key` may try again, or nil when it is not throttled.
    public func retryAfter(_ key: String) async throws -> TimeInterval? {
        let current = now()
        let recent = try await database.attempts(scope: scope, key: Self.hash(key), since: current.addingTimeInterval(-window))
        guard recent.count >= limit, let oldest = recent.oldest else { return nil }
        return max(1, oldest.addingTimeInterval(window).timeIntervalSince(current))
    }

    /// Records an attempt (a failed login, or any registration).
    public func record(_ key: String) async throws {
        let current = now()
        try await database.recordAttempt(scope: scope, key: Self.hash(key), at: current, forgetBefore: current.addingTimeInterval(-Self.horizon))
    }

    /// Forgets the attempts of `key` (after a successful login).
    public func reset(_ key: String) async throws {
        try await database.clearAttempts(scope: scope, key: Self.hash(key))
    }

    /// Attempts older than this are deleted whatever their scope (longer than any window).
    static let horizon: TimeInterval = 2 * 86_400

    private static func hash(_ key: String) -> String { ContentHash.sha256(key) }
}

/// The throttles of `/auth`: failed logins per account and address and per address, and
/// registrations per address.
public struct AuthThrottles: Sendable {
    public var loginAccount: AttemptThrottle
    public var loginAddress: AttemptThrottle
    public var registerAddress: AttemptThrottle

    public init(database: any AttemptStore, config: AppConfig, now: @escaping @Sendable () -> Date = { Date() }) {
        loginAccount = AttemptThrottle(database: database, scope: "login-account", limit: config.loginMaxFailures,
                                       window: config.loginWindow, now: now)
        loginAddress = AttemptThrottle(database: database, scope: "login-address", limit: config.loginAddressMaxFailures,
                                       window: config.loginWindow, now: now)
        registerAddress = AttemptThrottle(database: database, scope: "register-address", limit: config.registrationsPerAddress,
                                          window: config.registrationWindow, now: now)
    }
}
