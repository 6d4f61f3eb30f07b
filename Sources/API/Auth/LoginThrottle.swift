import Foundation

/// Counts failed logins per key (email + client address) in a sliding window and refuses
/// further attempts once `maxFailures` have failed within `window` seconds.
///
/// In memory, per server process: a restart or another replica starts from zero, which is
/// acceptable for brute-force slowing (bcrypt already bounds the guessing rate).
/// Thread-safe (a lock around a small dictionary); the clock is injected for tests.
public final class LoginThrottle: @unchecked Sendable {
    public let maxFailures: Int
    public let window: TimeInterval
    private let now: @Sendable () -> Date
    private let lock = NSLock()
    private var failures: [String: [Date]] = [:]
    private var lastSweep = Date.distantPast

    public init(maxFailures: Int, window: TimeInterval, now: @escaping @Sendable () -> Date = { Date() }) {
        self.maxFailures = maxFailures
        self.window = window
        self.now = now
    }

    /// Seconds until `key` may try again, or nil when it is not throttled.
    public func retryAfter(_ key: String) -> TimeInterval? {
        lock.lock()
        defer { lock.unlock() }
        let current = now()
        let recent = prune(key, at: current)
        guard recent.count >= maxFailures, let oldest = recent.first else { return nil }
        return max(1, oldest.addingTimeInterval(window).timeIntervalSince(current))
    }

    /// Records a failed attempt.
    public func recordFailure(_ key: String) {
        lock.lock()
        defer { lock.unlock() }
        let current = now()
        var recent = prune(key, at: current)
        recent.append(current)
        failures[key] = recent
        sweepIfDue(at: current)
    }

    /// Forgets the failures of `key` (after a successful login).
    public func reset(_ key: String) {
        lock.lock()
        failures[key] = nil
        lock.unlock()
    }

    private func prune(_ key: String, at current: Date) -> [Date] {
        let cutoff = current.addingTimeInterval(-window)
        let recent = (failures[key] ?? []).filter { $0 > cutoff }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }

    /// Drops stale keys now and then, so memory stays bounded under a spray of emails.
    private func sweepIfDue(at current: Date) {
        guard current.timeIntervalSince(lastSweep) > window else { return }
        lastSweep = current
        let cutoff = current.addingTimeInterval(-window)
        failures = failures.compactMapValues { dates in
            let recent = dates.filter { $0 > cutoff }
            return recent.isEmpty ? nil : recent
        }
    }
}
