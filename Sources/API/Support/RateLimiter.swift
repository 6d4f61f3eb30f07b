import Foundation
import Storage

/// A limit on requests per key (user): nil when a request may go ahead, else the seconds
/// until one may.
public protocol RequestLimiter: Sendable {
    func take(_ key: Int64) async throws -> TimeInterval?
}

/// A token bucket per key (user): `perMinute` requests a minute on average, bursts up to
/// the same number. In memory, per process (one server on its SQLite file). Thread-safe; the
/// clock is injectable.
public final class RateLimiter: RequestLimiter, @unchecked Sendable {
    public let perMinute: Int
    private let now: @Sendable () -> Date
    private let lock = NSLock()
    private var buckets: [Int64: (tokens: Double, updated: Date)] = [:]

    public init(perMinute: Int, now: @escaping @Sendable () -> Date = { Date() }) {
        self.perMinute = max(1, perMinute)
        self.now = now
    }

    /// Takes one token for `key`; returns nil when allowed, else the seconds until the next token.
    public func take(_ key: Int64) -> TimeInterval? {
        lock.lock()
        defer { lock.unlock() }
        let current = now()
        let rate = Double(perMinute) / 60
        var bucket = buckets[key] ?? (Double(perMinute), current)
        bucket.tokens = min(Double(perMinute), bucket.tokens + current.timeIntervalSince(bucket.updated) * rate)
        bucket.updated = current
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
        buckets[key] = bucket
        return (1 - bucket.tokens) / rate
    }
}

/// The same limit kept in the database, for several servers on one PostgreSQL: a sliding
/// window of one minute per user, so spreading requests over servers gains nothing. Each
/// request is recorded before it is counted, so concurrent requests cannot all slip under.
public struct SharedRateLimiter: RequestLimiter {
    public let perMinute: Int
    let database: any AttemptStore
    let scope: String
    let now: @Sendable () -> Date

    public init(database: any AttemptStore, scope: String, perMinute: Int, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.scope = scope
        self.perMinute = max(1, perMinute)
        self.now = now
    }

    public func take(_ key: Int64) async throws -> TimeInterval? {
        let current = now()
        let window = try await database.recordRequest(scope: scope, key: String(key), at: current,
                                                      windowStart: current.addingTimeInterval(-60))
        guard window.count > perMinute else { return nil }
        return max(1, (window.oldest ?? current).addingTimeInterval(60).timeIntervalSince(current))
    }
}
