import Foundation

/// Politeness per origin: at most `maxConcurrent` requests in flight to one origin, and
/// request starts at least `delay` seconds apart. Waiters are served in arrival order.
actor HostScheduler {
    private struct HostState {
        var active = 0
        var lastStart = Date.distantPast
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let maxConcurrent: Int
    private var hosts: [String: HostState] = [:]

    init(maxConcurrent: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
    }

    /// Waits for a slot at `origin`, then for its politeness delay; returns once the request may start.
    func acquire(_ origin: String, delay: Double) async {
        if hosts[origin, default: HostState()].active < maxConcurrent {
            hosts[origin, default: HostState()].active += 1
        } else {
            // `release` hands its slot straight to the first waiter (active stays counted).
            await withCheckedContinuation { continuation in hosts[origin, default: HostState()].waiters.append(continuation) }
        }
        // Space this start `delay` after the previous one (the delay known now: robots.txt
        // may have raised it since), and reserve it before sleeping so concurrent callers
        // queue up behind it.
        let now = Date()
        let start = max(now, (hosts[origin]?.lastStart ?? .distantPast).addingTimeInterval(delay))
        hosts[origin]?.lastStart = start
        let wait = start.timeIntervalSince(now)
        if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
    }

    func release(_ origin: String) {
        guard var state = hosts[origin] else { return }
        if state.waiters.isEmpty {
            state.active -= 1
            hosts[origin] = state
        } else {
            let next = state.waiters.removeFirst()
            hosts[origin] = state
            next.resume()
        }
    }
}
