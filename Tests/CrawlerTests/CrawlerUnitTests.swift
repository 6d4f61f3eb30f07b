import Crawler
import Foundation
import Testing

@Suite("URL normalisation")
struct URLNormalizerTests {
    @Test("scheme and host case, default ports, dot segments, fragments and tracking parameters", arguments: [
        ("HTTP://Example.COM:80/a/./b/../c?utm_source=x&id=3#frag", "http://example.com/a/c?id=3"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("http://example.com/a/b/../../../c", "http://example.com/c"),
        ("http://example.com/?gclid=1&fbclid=2", "http://example.com/"),
        ("http://user:pw@example.com./path/", "http://example.com/path/"),
        ("http://example.com/caf\u{e9} menu", "http://example.com/caf%C3%A9%20menu"),
    ])
    func normalize(input: String, expected: String) {
        #expect(URLNormalizer.normalize(input)?.absoluteString == expected)
    }

    @Test("relative references resolve against the page; non-web schemes are dropped")
    func resolve() throws {
        let base = try #require(URL(string: "http://example.com/docs/guide/intro.html"))
        #expect(URLNormalizer.resolve("../api/", against: base)?.absoluteString == "http://example.com/docs/api/")
        #expect(URLNormalizer.resolve("/top", against: base)?.absoluteString == "http://example.com/top")
        #expect(URLNormalizer.resolve("//cdn.example.com/x", against: base)?.absoluteString == "http://cdn.example.com/x")
        #expect(URLNormalizer.resolve("#section", against: base)?.absoluteString == "http://example.com/docs/guide/intro.html")
        #expect(URLNormalizer.resolve("mailto:a@b.c", against: base) == nil)
        #expect(URLNormalizer.resolve("javascript:void(0)", against: base) == nil)
        #expect(URLNormalizer.resolve("ftp://example.com/file", against: base) == nil)
    }
}

@Suite("robots.txt")
struct RobotsTests {
    let robots = RobotsTxt(parsing: """
        # comment
        User-agent: *
        Disallow: /private/
        Disallow: /*.pdf$
        Allow: /private/open
        Crawl-delay: 2

        User-agent: NexTraction
        User-agent: other
        Disallow: /nex-only
        Allow: /nex-only/public

        Sitemap: https://example.com/sitemap.xml
        """)

    @Test("the most specific user-agent group applies, else *")
    func groups() {
        #expect(robots.group(for: "NexTraction/0.1")?.agents == ["nextraction", "other"])
        #expect(robots.group(for: "SomeBot/1.0")?.agents == ["*"])
        #expect(robots.crawlDelay(for: "SomeBot") == 2)
        #expect(robots.crawlDelay(for: "NexTraction") == nil)
        #expect(robots.sitemaps == ["https://example.com/sitemap.xml"])
    }

    @Test("longest match wins, Allow wins ties, * and $ patterns")
    func matching() {
        #expect(!robots.isAllowed("/private/x", userAgent: "SomeBot"))
        #expect(robots.isAllowed("/private/open/page", userAgent: "SomeBot"))
        #expect(!robots.isAllowed("/docs/file.pdf", userAgent: "SomeBot"))
        #expect(robots.isAllowed("/docs/file.pdf?x=1", userAgent: "SomeBot"))
        #expect(robots.isAllowed("/private/x", userAgent: "NexTraction/0.1"))
        #expect(!robots.isAllowed("/nex-only/x", userAgent: "NexTraction/0.1"))
        #expect(robots.isAllowed("/nex-only/public/x", userAgent: "NexTraction/0.1"))
        #expect(RobotsTxt.allowAll.isAllowed("/anything", userAgent: "x"))
        #expect(!RobotsTxt.disallowAll.isAllowed("/anything", userAgent: "x"))
        #expect(RobotsTxt(parsing: "User-agent: *\nDisallow:\n").isAllowed("/x", userAgent: "y"))
    }
}

@Suite("Sitemaps")
struct SitemapTests {
    @Test("urlset, sitemap index and gzip-compressed files are read")
    func parse() throws {
        let urlset = Data("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc> https://a.example/x </loc></url><url><loc>https://a.example/y</loc></url></urlset>".utf8)
        #expect(SitemapParser.parse(urlset) == .pages(["https://a.example/x", "https://a.example/y"]))
        let index = Data("<sitemapindex><sitemap><loc>https://a.example/s1.xml</loc></sitemap></sitemapindex>".utf8)
        #expect(SitemapParser.parse(index) == .sitemaps(["https://a.example/s1.xml"]))
        #expect(SitemapParser.parse(Data("<html><body>not a sitemap</body></html>".utf8)) == nil)
        let gzipped = try gzip(urlset)
        #expect(SitemapParser.parse(gzipped) == .pages(["https://a.example/x", "https://a.example/y"]))
    }

    /// Compresses with the system's gzip (a real gzip stream, not our own encoder).
    func gzip(_ data: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return result
    }
}
