import Foundation

/// A parsed robots.txt (RFC 9309): groups of rules per user agent, `Crawl-delay`, `Sitemap`.
///
/// The group for a crawler is the one whose user-agent token matches its product token
/// case-insensitively (the longest such name wins), else the `*` group, else none (allow
/// all). Within a group the rule with the longest matching pattern decides; on a tie `Allow`
/// wins. Patterns support `*` (any run of characters) and a final `$` (end of URL).
public struct RobotsTxt: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var allow: Bool
        public var pattern: String
    }

    public struct Group: Sendable, Equatable {
        public var agents: [String]
        public var rules: [Rule]
        public var crawlDelay: Double?
    }

    public var groups: [Group]
    public var sitemaps: [String]

    /// Everything allowed (robots.txt missing or answering 4xx).
    public static let allowAll = RobotsTxt(groups: [], sitemaps: [])
    /// Everything disallowed (robots.txt unreachable with 5xx after a retry).
    public static let disallowAll = RobotsTxt(groups: [Group(agents: ["*"], rules: [Rule(allow: false, pattern: "/")], crawlDelay: nil)], sitemaps: [])

    public init(groups: [Group], sitemaps: [String]) {
        self.groups = groups
        self.sitemaps = sitemaps
    }

    public init(parsing text: String) {
        var groups: [Group] = []
        var sitemaps: [String] = []
        var current: Group?
        var lastWasAgent = false
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "user-agent":
                if !lastWasAgent {
                    if let current { groups.append(current) }
                    current = Group(agents: [], rules: [], crawlDelay: nil)
                }
                current?.agents.append(value.lowercased())
                lastWasAgent = true
            case "allow", "disallow":
                lastWasAgent = false
                // An empty Disallow allows everything: no rule.
                guard !value.isEmpty else { continue }
                current?.rules.append(Rule(allow: field == "allow", pattern: value))
            case "crawl-delay":
                lastWasAgent = false
                if let delay = Double(value), delay >= 0 { current?.crawlDelay = delay }
            case "sitemap":
                if !value.isEmpty { sitemaps.append(value) }
            default:
                continue
            }
        }
        if let current { groups.append(current) }
        self.init(groups: groups, sitemaps: sitemaps)
    }

    /// The group that applies to `userAgent` (its product token, e.g. "NexTraction").
    public func group(for userAgent: String) -> Group? {
        let token = userAgent.split(separator: "/").first.map { $0.lowercased() } ?? userAgent.lowercased()
        var best: (Group, Int)?
        for group in groups {
            for agent in group.agents where agent != "*" && token.contains(agent) {
                if best == nil || agent.count > best?.1 ?? 0 { best = (group, agent.count) }
            }
        }
        if let best { return best.0 }
        return groups.first { $0.agents.contains("*") }
    }

    /// Whether `pathAndQuery` (percent-encoded, starting with "/") may be fetched.
    public func isAllowed(_ pathAndQuery: String, userAgent: String) -> Bool {
        guard let group = group(for: userAgent) else { return true }
        if pathAndQuery == "/robots.txt" { return true }
        var decision: (length: Int, allow: Bool)?
        for rule in group.rules where Self.matches(pattern: rule.pattern, path: pathAndQuery) {
            let length = rule.pattern.count
            if decision == nil || length > decision?.length ?? 0 || (length == decision?.length && rule.allow) {
                decision = (length, rule.allow)
            }
        }
        return decision?.allow ?? true
    }

    /// The crawl delay in seconds for `userAgent`, if the file sets one.
    public func crawlDelay(for userAgent: String) -> Double? {
        group(for: userAgent)?.crawlDelay
    }

    /// Robots pattern matching: `*` matches any run of characters, a final `$` anchors the end.
    static func matches(pattern: String, path: String) -> Bool {
        var pattern = Array(pattern.utf8)
        let anchored = pattern.last == UInt8(ascii: "$")
        if anchored { pattern.removeLast() }
        let text = Array(path.utf8)
        // Iterative wildcard matching with backtracking to the last '*'.
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                mark = t
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p == pattern.count, !anchored {
                return true
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
