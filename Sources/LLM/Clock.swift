import Foundation

/// Time as the rate limiters, breakers and retries see it: injected so tests can move it
/// by hand instead of sleeping.
public protocol LLMClock: Sendable {
    /// Seconds on a monotonic scale.
    func now() -> Double
    /// Waits `seconds` (a test clock just advances).
    func sleep(_ seconds: Double) async throws
}

/// The real clock.
public struct SystemClock: LLMClock {
    public init() {}
    public func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    public func sleep(_ seconds: Double) async throws {
        if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
    }
}

/// A clock that only moves when told to (or when something sleeps on it).
public final class ManualClock: LLMClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Double
    /// Every sleep requested, in order.
    public private(set) var sleeps: [Double] = []

    public init(start: Double = 1000) { current = start }

    public func now() -> Double {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func advance(_ seconds: Double) {
        lock.lock()
        current += seconds
        lock.unlock()
    }

    public func sleep(_ seconds: Double) async throws {
        lock.withLock {
            sleeps.append(seconds)
            current += max(0, seconds)
        }
    }
}
