import Foundation
import TextKit

/// What to crawl and how politely.
public struct CrawlConfiguration: Sendable {
    public var startURL: URL
    /// Crawl this domain and its subdomains instead of only the start URL's host.
    public var domain: String?
    /// Only paths starting with one of these (empty: all).
    public var includePrefixes: [String] = []
    /// Never paths starting with one of these.
    public var excludePrefixes: [String] = []
    public var maxPages = 50
    public var maxDepth = 3
    public var perHostConcurrency = 4
    public var globalConcurrency = 16
    /// Seconds between request starts to one host (robots.txt Crawl-delay raises it).
    public var politenessDelay: Double = 0.5
    /// Allow loopback, private and link-local addresses (tests, intranets). Off by default.
    public var allowPrivateHosts = false
    public var maxBodyBytes = 5 << 20
    public var connectTimeout: Double = 10
    public var timeout: Double = 30
    public var maxRedirects = 5
    public var maxRetries = 3
    /// Longest `Retry-After` honoured; a longer one fails the page.
    public var maxRetryAfter: Double = 30
    public var userAgent = "NexTraction/0.1"
    public var useSitemaps = true
    /// curl `--resolve` entries (`host:port:address`), to point names at test servers.
    public var resolveOverrides: [String] = []

    public init(startURL: URL) {
        self.startURL = startURL
    }
}

/// Which URLs belong to a crawl: same host as the start URL (or the configured domain and
/// its subdomains), filtered by path prefixes.
public struct CrawlScope: Sendable {
    let host: String
    let domain: String?
    let include: [String]
    let exclude: [String]

    public init(configuration: CrawlConfiguration) {
        host = configuration.startURL.host?.lowercased() ?? ""
        domain = configuration.domain.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
        include = configuration.includePrefixes
        exclude = configuration.excludePrefixes
    }

    public func contains(_ url: URL) -> Bool {
        guard let candidate = url.host?.lowercased() else { return false }
        if let domain {
            guard candidate == domain || candidate.hasSuffix("." + domain) else { return false }
        } else {
            guard candidate == host else { return false }
        }
        let path = url.path.isEmpty ? "/" : url.path
        if exclude.contains(where: { path.hasPrefix($0) }) { return false }
        return include.isEmpty || include.contains { path.hasPrefix($0) }
    }
}

/// Why a URL was not stored.
public enum SkipReason: String, Sendable, Codable {
    case robots
    case noindex
    case duplicate
    case contentType = "content-type"
    case tooLarge = "too-large"
    case outOfScope = "out-of-scope"
    case maxDepth = "max-depth"
    case maxPages = "max-pages"
    case empty
    /// Mostly links: followed, not indexed.
    case navigation
}

/// A fetched and extracted page.
public struct CrawledPage: Sendable {
    /// The URL the content came from (after redirects), normalised.
    public var url: URL
    /// The page's canonical URL when it declares one in scope.
    public var canonicalURL: URL?
    public var depth: Int
    public var status: Int
    public var etag: String?
    public var lastModified: String?
    public var title: String
    public var language: String
    public var blocks: [TextBlock]
    public var links: [URL]
    /// SHA-256 of the normalised main text.
    public var contentHash: String
    public var fetchedAt: Date
    public var bytes: Int
}

/// What a page looked like when last stored (for conditional requests).
public struct KnownPage: Sendable {
    public var etag: String?
    public var lastModified: String?
    /// Links found on it then, followed again when the server answers 304.
    public var links: [URL]

    public init(etag: String?, lastModified: String?, links: [URL]) {
        self.etag = etag
        self.lastModified = lastModified
        self.links = links
    }
}

/// One thing that happened to one URL during a crawl.
public enum CrawlEvent: Sendable {
    /// A new in-scope URL was queued.
    case discovered(URL, depth: Int)
    case page(CrawledPage)
    /// The server answered 304: the stored content is current.
    case unchanged(URL, depth: Int)
    case skipped(URL, reason: SkipReason, detail: String?)
    /// A fetch failed; `status` is the HTTP status when there was one (404/410 mean gone).
    case failed(URL, reason: String, status: Int?)
}
