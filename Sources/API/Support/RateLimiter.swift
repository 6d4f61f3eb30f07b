import Foundation

/// A token bucket per key (user): `perMinute` requests a minute on average, bursts up to
/// the same number. In memory, per process. Thread-safe; the clock is injectable.
public final class RateLimiter: @unchecked Sendable {
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
