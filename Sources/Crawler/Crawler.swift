import Foundation
import HTTPKit
import TextKit

/// A polite breadth-first site crawler.
///
/// `start()` returns a bounded channel of `CrawlEvent`s and crawls in the background: robots
/// rules and sitemaps first, then BFS from the start URL within scope, depth and page limits.
/// Fetching and extraction run concurrently (a task group up to `globalConcurrency`,
/// `HostScheduler` limiting each origin); frontier bookkeeping, de-duplication and event
/// emission happen in one loop, so no state is shared between tasks. Cancelling the
/// consumer's channel stops the crawl.
public final class Crawler: Sendable {
    public let configuration: CrawlConfiguration
    let client: HTTPClient
    let knownPage: @Sendable (URL) async -> KnownPage?
    let scope: CrawlScope
    let scheduler: HostScheduler
    let robots: RobotsCache

    public init(configuration: CrawlConfiguration, client: HTTPClient, knownPage: @escaping @Sendable (URL) async -> KnownPage? = { _ in nil }) {
        self.configuration = configuration
        self.client = client
        self.knownPage = knownPage
        scope = CrawlScope(configuration: configuration)
        scheduler = HostScheduler(maxConcurrent: configuration.perHostConcurrency)
        let fetcher = PlainFetcher(client: client, configuration: configuration, scheduler: scheduler)
        robots = RobotsCache { url in await fetcher.get(url, delay: configuration.politenessDelay) }
    }

    /// Starts crawling; events arrive on the returned channel, which is finished at the end.
    public func start(bufferSize: Int = 64) -> BoundedChannel<CrawlEvent> {
        let channel = BoundedChannel<CrawlEvent>(capacity: bufferSize)
        Task { [self] in
            await crawl(into: channel)
            await channel.finish()
        }
        return channel
    }

    /// One queued URL.
    struct Item {
        var url: URL
        var depth: Int
    }

    func crawl(into channel: BoundedChannel<CrawlEvent>) async {
        guard let start = URLNormalizer.normalize(configuration.startURL) else {
            await channel.send(.failed(configuration.startURL, reason: "invalid start URL", status: nil))
            return
        }
        var frontier: [Item] = []
        var next = 0
        var seen: Set<String> = [start.absoluteString]
        var stored: Set<String> = []
        var hashes: Set<String> = []
        var dispatched = 0

        func enqueue(_ url: URL, depth: Int) async {
            guard scope.contains(url), seen.insert(url.absoluteString).inserted else { return }
            if depth > configuration.maxDepth {
                await channel.send(.skipped(url, reason: .maxDepth, detail: "depth \(depth) > \(configuration.maxDepth)"))
                return
            }
            frontier.append(Item(url: url, depth: depth))
            await channel.send(.discovered(url, depth: depth))
        }

        frontier.append(Item(url: start, depth: 0))
        await channel.send(.discovered(start, depth: 0))
        if configuration.useSitemaps, configuration.maxDepth >= 1 {
            for url in await sitemapURLs(origin: URLNormalizer.origin(of: start), limit: configuration.maxPages * 4) {
                await enqueue(url, depth: 1)
            }
        }

        await withTaskGroup(of: FetchOutcome.self) { group in
            var active = 0
            while true {
                if await channel.isCancelled || Task.isCancelled { group.cancelAll(); break }
                while active < configuration.globalConcurrency, next < frontier.count, dispatched < configuration.maxPages {
                    let item = frontier[next]
                    next += 1
                    dispatched += 1
                    active += 1
                    group.addTask { [self] in await self.fetch(item) }
                }
                guard active > 0, let outcome = await group.next() else { break }
                active -= 1
                if case .page(let page, _) = outcome { seen.insert(page.url.absoluteString) }
                let (event, follow, depth) = resolve(outcome, stored: &stored, hashes: &hashes)
                for url in follow { await enqueue(url, depth: depth + 1) }
                if let event { await channel.send(event) }
            }
        }
        // What the page limit left unfetched.
        for item in frontier[next...] where !(await channel.isCancelled) {
            await channel.send(.skipped(item.url, reason: .maxPages, detail: "limit of \(configuration.maxPages) pages reached"))
        }
    }

    /// Applies crawl-wide de-duplication to one fetch result: the event to emit, the links to
    /// follow and the depth they were found at.
    func resolve(_ outcome: FetchOutcome, stored: inout Set<String>, hashes: inout Set<String>) -> (CrawlEvent?, [URL], Int) {
        switch outcome {
        case .page(var page, let follow):
            if let canonical = page.canonicalURL, canonical != page.url {
                guard scope.contains(canonical) else {
                    page.canonicalURL = nil
                    return resolve(.page(page, follow: follow), stored: &stored, hashes: &hashes)
                }
                if stored.contains(canonical.absoluteString) {
                    return (.skipped(page.url, reason: .duplicate, detail: "canonical \(canonical.absoluteString) already stored"), follow, page.depth)
                }
            }
            if stored.contains(page.url.absoluteString) {
                return (.skipped(page.url, reason: .duplicate, detail: "already stored"), follow, page.depth)
            }
            guard hashes.insert(page.contentHash).inserted else {
                return (.skipped(page.url, reason: .duplicate, detail: "same content as another page"), follow, page.depth)
            }
            stored.insert(page.url.absoluteString)
            if let canonical = page.canonicalURL { stored.insert(canonical.absoluteString) }
            return (.page(page), follow, page.depth)
        case .unchanged(let url, let depth, let follow):
            stored.insert(url.absoluteString)
            return (.unchanged(url, depth: depth), follow, depth)
        case .skipped(let url, let depth, let reason, let detail, let follow):
            return (.skipped(url, reason: reason, detail: detail), follow, depth)
        case .failed(let url, let reason, let status):
            return (.failed(url, reason: reason, status: status), [], 0)
        }
    }

    /// Page URLs from the origin's sitemaps (robots.txt `Sitemap:` lines and /sitemap.xml),
    /// following sitemap indexes one level deep.
    func sitemapURLs(origin: String, limit: Int) async -> [URL] {
        let rules = await robots.robots(for: origin).rules
        var pending = rules.sitemaps.compactMap { URLNormalizer.normalize($0) }
        if let fallback = URL(string: origin + "/sitemap.xml"), !pending.contains(fallback) { pending.append(fallback) }
        var visited: Set<String> = []
        var pages: [URL] = []
        var level = 0
        while !pending.isEmpty, level < 3, pages.count < limit {
            var deeper: [URL] = []
            let delay = max(configuration.politenessDelay, rules.crawlDelay(for: configuration.userAgent) ?? 0)
            for sitemap in pending where visited.insert(sitemap.absoluteString).inserted && scope.contains(sitemap) {
                let (status, body, _) = await PlainFetcher(client: client, configuration: configuration, scheduler: scheduler)
                    .get(sitemap, delay: delay)
                guard let status, (200..<300).contains(status), let content = SitemapParser.parse(body) else { continue }
                switch content {
                case .pages(let locations):
                    pages += locations.compactMap { URLNormalizer.normalize($0) }.prefix(limit - pages.count)
                case .sitemaps(let locations):
                    deeper += locations.compactMap { URLNormalizer.normalize($0) }
                }
            }
            pending = deeper
            level += 1
        }
        return pages
    }
}

/// A bare GET for robots.txt and sitemaps: politeness, address policy and limits apply,
/// redirects are followed by curl (same-origin files, nothing stored from them).
struct PlainFetcher: Sendable {
    let client: HTTPClient
    let configuration: CrawlConfiguration
    let scheduler: HostScheduler

    func get(_ url: URL, delay: Double) async -> (status: Int?, body: Data, error: HTTPClientError?) {
        var request = HTTPClient.Request(url: url.absoluteString, connectTimeout: configuration.connectTimeout,
                                         timeout: configuration.timeout, maxBodyBytes: configuration.maxBodyBytes,
                                         maxRedirects: configuration.maxRedirects,
                                         addressPolicy: configuration.allowPrivateHosts ? .any : .publicOnly,
                                         resolveOverrides: configuration.resolveOverrides)
        request.headers = [.init("User-Agent", configuration.userAgent)]
        let origin = URLNormalizer.origin(of: url)
        await scheduler.acquire(origin, delay: delay)
        defer { Task { await scheduler.release(origin) } }
        do {
            let response = try await client.execute(request)
            return (response.status, response.body, nil)
        } catch let error as HTTPClientError {
            return (nil, Data(), error)
        } catch {
            return (nil, Data(), .transport(code: -1, message: "\(error)"))
        }
    }
}
