import Foundation
import HTTPKit

/// What robots.txt says about an origin: its rules, and when it could not be fetched, why
/// (the crawl then reports that instead of pretending the site disallowed anything).
struct RobotsAnswer: Sendable {
    var rules: RobotsTxt
    /// Why robots.txt was unreachable (5xx, connection refused, DNS, TLS…); nil when it was
    /// read or answered 4xx.
    var unreachable: String?
    /// Whether the host itself could not be reached (no HTTP answer at all): the page fetch
    /// would fail the same way, so that is the reason to report, not robots.txt.
    var hostUnreachable = false
}

/// robots.txt per origin, fetched once per crawl (concurrent askers share one fetch).
/// 2xx: parsed; 4xx: allow all; 5xx or a network error: retried once after a second, then
/// disallow all with the reason (RFC 9309 §2.3.1.3-4). An address refused by the SSRF guard
/// allows all, so that the page fetch fails with the guard's own explanation.
actor RobotsCache {
    private var entries: [String: Task<RobotsAnswer, Never>] = [:]
    private let fetch: @Sendable (URL) async -> (status: Int?, body: Data, error: HTTPClientError?)

    init(fetch: @escaping @Sendable (URL) async -> (status: Int?, body: Data, error: HTTPClientError?)) {
        self.fetch = fetch
    }

    func robots(for origin: String) async -> RobotsAnswer {
        if let existing = entries[origin] { return await existing.value }
        let fetch = self.fetch
        let task = Task<RobotsAnswer, Never> {
            guard let url = URL(string: origin + "/robots.txt") else { return RobotsAnswer(rules: .allowAll) }
            var reason = "no answer"
            var answered = false
            for attempt in 0..<2 {
                let (status, body, error) = await fetch(url)
                // A refused address is the page fetch's to report, with its own reason.
                if case .blockedAddress = error { return RobotsAnswer(rules: .allowAll) }
                switch status {
                case .some(200..<300):
                    return RobotsAnswer(rules: RobotsTxt(parsing: String(decoding: body.prefix(512 << 10), as: UTF8.self)))
                case .some(400..<500): return RobotsAnswer(rules: .allowAll)
                case .some(let code):
                    reason = "HTTP \(code)"
                    answered = true
                case nil: reason = error?.description ?? "no answer"
                }
                if attempt == 0 { try? await Task.sleep(for: .seconds(1)) }
            }
            return RobotsAnswer(rules: .disallowAll, unreachable: reason, hostUnreachable: !answered)
        }
        entries[origin] = task
        return await task.value
    }
}
