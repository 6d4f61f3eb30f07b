import Foundation

/// A token bucket: `capacity` tokens, refilled at `ratePerSecond`. Used per provider twice,
/// for requests per minute and for tokens per minute.
public final class TokenBucket: @unchecked Sendable {
    private let lock = NSLock()
    private let clock: any LLMClock
    public let capacity: Double
    public let ratePerSecond: Double
    private var tokens: Double
    private var updated: Double

    public init(perMinute: Double, clock: any LLMClock) {
        self.clock = clock
        capacity = max(1, perMinute)
        ratePerSecond = max(1, perMinute) / 60
        tokens = capacity
        updated = clock.now()
    }

    private func refill() {
        let now = clock.now()
        tokens = min(capacity, tokens + (now - updated) * ratePerSecond)
        updated = now
    }

    /// Takes `amount` tokens if available (0 wait), otherwise reserves them and returns the
    /// seconds to wait before the call may proceed. A request larger than the bucket waits
    /// for a full bucket.
    public func reserve(_ amount: Double = 1) -> Double {
        lock.lock()
        defer { lock.unlock() }
        refill()
        let needed = min(amount, capacity)
        tokens -= needed
        return tokens >= 0 ? 0 : -tokens / ratePerSecond
    }

    /// Tokens available now.
    public var available: Double {
        lock.lock()
        defer { lock.unlock() }
        refill()
        return tokens
    }
}
