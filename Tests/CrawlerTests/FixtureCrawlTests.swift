import Crawler
import Foundation
import HTTPKit
import TestSupport
import TextKit
import Testing

/// Crawls the fixture site served by a real server process and checks every behaviour.
@Suite("Crawling the fixture site", .serialized)
struct FixtureCrawlTests {
    struct Outcome {
        var pages: [String: CrawledPage] = [:]
        var skipped: [String: (SkipReason, String?)] = [:]
        var failed: [String: (String, Int?)] = [:]
        var unchanged: [String] = []
        var discovered: [String] = []
    }

    static func crawl(_ site: FixtureSite, configure: (inout CrawlConfiguration) -> Void = { _ in },
                      known: @escaping @Sendable (URL) async -> KnownPage? = { _ in nil }) async throws -> Outcome {
        var configuration = CrawlConfiguration(startURL: try #require(URL(string: site.baseURL + "/")))
        configuration.maxPages = 100
        configuration.maxDepth = 3
        configuration.politenessDelay = 0
        configuration.allowPrivateHosts = true
        configuration.userAgent = "NexTraction/test"
        configure(&configuration)
        let crawler = Crawler(configuration: configuration, client: try HTTPClient(userAgent: "unused"), knownPage: known)
        let events = crawler.start()
        var outcome = Outcome()
        while let event = await events.receive() {
            switch event {
            case .discovered(let url, _): outcome.discovered.append(url.path)
            case .page(let page): outcome.pages[page.url.path] = page
            case .skipped(let url, let reason, let detail): outcome.skipped[url.path] = (reason, detail)
            case .failed(let url, let reason, let status): outcome.failed[url.path] = (reason, status)
            case .unchanged(let url, _): outcome.unchanged.append(url.path)
            }
        }
        return outcome
    }

    @Test("every fixture behaviour: stored, skipped or failed with the right reason; main text only")
    func fullCrawl() async throws {
        let site = try await FixtureSite()
        let result = try await Self.crawl(site)
        let pages = result.pages

        // Stored pages, including ones reached through redirects, retries, the sitemap and a noindex page.
        for path in ["/", "/topics/roses", "/topics/houseplants", "/redirect-final", "/flaky", "/broken", "/latin1",
                     "/plain.txt", "/hidden-content", "/orphan", "/via-noindex", "/deep/1", "/deep/2", "/deep/3"] {
            #expect(pages[path] != nil, "\(path) should be stored")
        }
        #expect(pages.count >= 30, "the fixture site has ≥ 30 storable pages, got \(pages.count)")

        // Skips and failures with their reasons.
        #expect(result.skipped["/private/secret"]?.0 == .robots)
        #expect(result.skipped["/leave"]?.0 == .outOfScope)
        #expect(result.skipped["/leave"]?.1?.contains("localhost") == true)
        #expect(result.failed["/missing"]?.1 == 404)
        #expect(result.skipped["/files/manual.pdf"]?.0 == .contentType)
        #expect(result.skipped["/images/logo.png"]?.0 == .contentType)
        #expect(result.skipped["/noindex-page"]?.0 == .noindex)
        #expect(result.skipped["/huge"]?.0 == .tooLarge)
        #expect(result.skipped["/deep/4"]?.0 == .maxDepth)
        #expect(pages["/deep/4"] == nil && result.discovered.contains("/deep/5") == false)
        let dupes = ["/dup-a", "/dup-b"]
        #expect(dupes.filter { pages[$0] != nil }.count == 1)
        #expect(dupes.compactMap { result.skipped[$0]?.0 } == [.duplicate])

        // Canonical: one of the two URLs stored, pointing at the canonical target.
        let canonical = ["/canonical-variant", "/canonical-target"].compactMap { pages[$0] }
        #expect(canonical.count == 1)
        if let variant = pages["/canonical-variant"] { #expect(variant.canonicalURL?.path == "/canonical-target") }

        // Links that must never be followed.
        for path in ["/nofollowed", "/elsewhere"] { #expect(!result.discovered.contains(path)) }
        #expect(!result.discovered.contains { $0.contains("utm_") })

        // Extraction: main text kept, boilerplate and hidden text dropped, encodings decoded.
        let roses = try #require(pages["/topics/roses"])
        #expect(roses.title == "Pruning and Caring for Roses")
        #expect(roses.language == "en")
        #expect(roses.blocks.contains { $0.text.contains("Prune most roses in late winter") })
        let allText = pages.values.map { $0.blocks.map(\.text).joined(separator: "\n") }.joined(separator: "\n")
        for marker in ["HEADER-BOILERPLATE", "FOOTER-BOILERPLATE", "ASIDE-BOILERPLATE", "SCRIPT-TEXT", "HIDDEN-TEXT",
                       "FORM-TEXT", "NOSCRIPT-TEXT", "TEMPLATE-TEXT", "PRIVATE-TEXT", "NOINDEX-TEXT"] {
            #expect(!allText.contains(marker), "\(marker) leaked into stored text")
        }
        #expect(pages["/latin1"]?.blocks.contains { $0.text.contains("Crème brûlée à la française") } == true)
        #expect(pages["/latin1"]?.language == "fr")
        #expect(pages["/broken"]?.blocks.map(\.text).joined(separator: " ").contains("Broken markup still yields this sentence") == true)
        #expect(pages["/plain.txt"]?.blocks.contains { $0.text.contains("PLAIN-TEXT") } == true)
        #expect(pages["/topics/composting"]?.blocks.contains(TextBlock(.tableRow, "Material: Grass clippings; Type: green")) == true)

        // Politeness, seen from the server: robots Crawl-delay (0.05 s) between requests even
        // with no delay configured, Retry-After honoured, our User-Agent on every request.
        let requests = try await site.requests()
        let times = requests.map(\.time).sorted()
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }.sorted()
        // Arrival times jitter under load, so check the median gap and the whole span rather
        // than every single gap: n requests spaced ≥ 50 ms apart span ≥ (n − 1) · 50 ms.
        #expect(gaps[gaps.count / 2] >= 0.045, "median gap \(gaps[gaps.count / 2])")
        #expect((times.last ?? 0) - (times.first ?? 0) >= Double(times.count - 1) * 0.05 * 0.95)
        let flaky = requests.filter { $0.path == "/flaky" }.map(\.time)
        #expect(flaky.count == 2)
        if flaky.count == 2 { #expect(flaky[1] - flaky[0] >= 0.95) }
        #expect(requests.allSatisfy { $0.userAgent.hasPrefix("NexTraction/") })
        #expect(requests.filter { $0.path == "/robots.txt" }.count == 1)
        #expect(!requests.contains { $0.path.hasPrefix("/private") })
    }

    @Test("max pages stops the crawl and reports what was left")
    func maxPages() async throws {
        let site = try await FixtureSite()
        let result = try await Self.crawl(site) { $0.maxPages = 5; $0.useSitemaps = false }
        let fetchedCount = result.pages.count + result.skipped.values.filter { [.duplicate, .contentType, .noindex, .tooLarge, .robots, .outOfScope].contains($0.0) }.count + result.failed.count
        #expect(fetchedCount <= 5)
        #expect(result.skipped.values.contains { $0.0 == .maxPages })
    }

    @Test("a second crawl sends If-None-Match and reports 304 pages as unchanged, following their stored links")
    func conditionalRequests() async throws {
        let site = try await FixtureSite()
        let first = try await Self.crawl(site) { $0.maxDepth = 1; $0.useSitemaps = false }
        let home = try #require(first.pages["/"])
        let etags = first.pages.mapValues { ($0.etag, $0.links) }
        let known: @Sendable (URL) async -> KnownPage? = { url in
            etags[url.path].map { KnownPage(etag: $0.0, lastModified: nil, links: $0.1) }
        }
        let second = try await Self.crawl(site, configure: { $0.maxDepth = 1; $0.useSitemaps = false }, known: known)
        #expect(second.unchanged.contains("/"))
        #expect(second.unchanged.contains("/topics/roses"))
        #expect(second.pages["/"] == nil)
        // The home page's links were still followed from the stored list.
        #expect(Set(second.discovered) == Set(first.discovered))
        let conditional = try await site.requests().filter { $0.path == "/" && $0.ifNoneMatch != nil }
        #expect(conditional.count == 1 && conditional.first?.ifNoneMatch == home.etag)
    }

    @Test("SSRF guard: a public-looking name resolving to 127.0.0.1 is refused unless private hosts are allowed")
    func ssrf() async throws {
        let site = try await FixtureSite()
        let name = "docs.public-site.example"
        let start = "http://\(name):\(site.port)/"
        let refused = try await Self.crawl(site) { configuration in
            configuration.startURL = URL(string: start)!
            configuration.allowPrivateHosts = false
            configuration.resolveOverrides = ["\(name):\(site.port):127.0.0.1"]
        }
        #expect(refused.pages.isEmpty)
        let reason = refused.skipped["/"]?.1 ?? refused.failed["/"]?.0 ?? ""
        #expect(reason.contains("not a public address"), "got \(reason)")
        #expect(try await site.requests().isEmpty, "nothing may reach the private server")

        let allowed = try await Self.crawl(site) { configuration in
            configuration.startURL = URL(string: start)!
            configuration.maxDepth = 0
            configuration.resolveOverrides = ["\(name):\(site.port):127.0.0.1"]
        }
        #expect(allowed.pages["/"] != nil)
    }
}
