import Foundation

/// Closed → (N consecutive failures) → open → (cooldown) → half-open: one trial call; its
/// success closes the circuit, its failure opens it again for another cooldown.
public final class CircuitBreaker: @unchecked Sendable {
    public enum State: String, Sendable {
        case closed, open, halfOpen = "half-open"
    }

    private let lock = NSLock()
    private let clock: any LLMClock
    public let threshold: Int
    public let cooldown: Double
    private var failures = 0
    private var openedAt: Double?
    private var trialInFlight = false

    public init(threshold: Int, cooldown: Double, clock: any LLMClock) {
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self.clock = clock
    }

    public var state: State {
        lock.lock()
        defer { lock.unlock() }
        return currentState()
    }

    private func currentState() -> State {
        guard let openedAt else { return .closed }
        return clock.now() - openedAt >= cooldown ? .halfOpen : .open
    }

    /// Whether a call may go through now (in half-open, only one trial at a time).
    public func allow() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        switch currentState() {
        case .closed: return true
        case .open: return false
        case .halfOpen:
            guard !trialInFlight else { return false }
            trialInFlight = true
            return true
        }
    }

    public func recordSuccess() {
        lock.lock()
        failures = 0
        openedAt = nil
        trialInFlight = false
        lock.unlock()
    }

    public func recordFailure() {
        lock.lock()
        defer { lock.unlock() }
        if currentState() == .halfOpen {
            openedAt = clock.now()
        } else {
            failures += 1
            if failures >= threshold { openedAt = clock.now() }
        }
        trialInFlight = false
    }
}
