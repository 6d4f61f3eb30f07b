import Crawler
import Foundation
import TextKit
import Testing

@Suite("HTML extraction")
struct ExtractorTests {
    let url = URL(string: "https://site.example/docs/page")!

    func extract(_ html: String, charset: String? = "utf-8") -> ExtractedPage {
        HTMLExtractor.extract(Data(html.utf8), url: url, charset: charset)
    }

    @Test("keeps the main element's headings, paragraphs, lists, table rows (with their header) and pre; drops boilerplate")
    func mainContent() {
        let page = extract("""
            <html lang="en-GB"><head><title> Guide  title </title><meta name="robots" content="nofollow">
            <link rel="canonical" href="/docs/canonical"></head><body>
            <header>Site header</header><nav><a href="/a">Nav link</a></nav>
            <main><h1>Guide</h1><p>First   paragraph
            with a line break.</p><h2>Steps</h2><ul><li>One</li><li>Two <b>bold</b></li></ul>
            <table><tr><th>Key</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr></table>
            <pre>let x = 1
              let y = 2</pre><div hidden>secret</div><script>alert(1)</script></main>
            <aside>Sidebar</aside><footer>Footer text</footer></body></html>
            """)
        #expect(page.title == "Guide title")
        #expect(page.declaredLanguage == "en-GB")
        #expect(page.nofollow && !page.noindex)
        #expect(page.canonical?.absoluteString == "https://site.example/docs/canonical")
        #expect(page.blocks == [
            TextBlock(.heading(level: 1), "Guide"),
            TextBlock(.paragraph, "First paragraph with a line break."),
            TextBlock(.heading(level: 2), "Steps"),
            TextBlock(.listItem, "One"),
            TextBlock(.listItem, "Two bold"),
            TextBlock(.tableRow, "Key: a; Value: 1"),
            TextBlock(.code, "let x = 1\n  let y = 2"),
        ])
        #expect(page.links.map(\.absoluteString) == ["https://site.example/a"])
        for word in ["Site header", "Nav link", "Sidebar", "Footer text", "secret", "alert"] {
            #expect(!page.plainText.contains(word))
        }
    }

    @Test("without <main>, the element whose paragraphs carry the most text wins")
    func densestBlock() {
        let page = extract("""
            <body><div class="menu"><p>Home</p><p>About</p></div>
            <div class="content"><p>This paragraph is long enough to count as real content for the scorer.</p>
            <p>And so is this second paragraph, which adds to the same parent element.</p></div>
            <div class="links"><a href="x">A very long list of links that is not content at all really</a></div></body>
            """)
        #expect(page.blocks.count == 2)
        #expect(page.plainText.hasPrefix("This paragraph"))
    }

    @Test("a page of sibling sections (a man page) keeps every section: the biggest one is not the main content")
    func siblingSections() {
        let options = (1...12).map { "<dt>--option-\($0)</dt><dd><p>Option \($0) changes how the command reports what it did, in detail.</p></dd>" }
        let page = extract("""
            <body><div id="header"><h1>git-notes(1) Manual Page</h1><h2>NAME</h2><div class="sectionbody">
            <p>git-notes - Add or inspect object notes</p></div></div>
            <div id="content"><div class="sect1"><h2>DESCRIPTION</h2><div class="sectionbody"><div class="paragraph">
            <p>Adds, removes, or reads notes attached to objects, without touching the objects themselves.</p></div></div></div>
            <div class="sect1"><h2>OPTIONS</h2><div class="sectionbody"><div class="dlist"><dl>\(options.joined())</dl></div></div></div>
            </div><div id="footer"><div id="footer-text">Last updated 2023-01-01</div></div></body>
            """)
        let text = page.plainText
        #expect(text.contains("git-notes - Add or inspect object notes"))
        #expect(text.contains("without touching the objects themselves"))
        #expect(text.contains("Option 12 changes"))
        #expect(page.blocks.contains(TextBlock(.heading(level: 2), "DESCRIPTION")))
    }

    @Test("links: base href, nofollow, fragments and duplicates")
    func links() {
        let page = extract("""
            <head><base href="https://other.example/root/"></head><body><main><p>Text body here.</p>
            <a href="a.html">A</a><a href="a.html#x">A again</a><a rel="nofollow sponsored" href="/paid">Paid</a>
            <a href="https://site.example/abs?utm_campaign=z">Abs</a></main></body>
            """)
        #expect(page.links.map(\.absoluteString) == ["https://other.example/root/a.html", "https://site.example/abs"])
    }

    @Test("ISO-8859-1 bytes decode by header, by meta tag, and guessed when unlabelled")
    func charsets() throws {
        let html = "<html><head><meta charset=\"iso-8859-1\"><title>Cr\u{e8}me</title></head><body><main><p>Cr\u{e8}me br\u{fb}l\u{e9}e \u{e0} la fran\u{e7}aise</p></main></body></html>"
        let latin1 = try #require(html.data(using: .isoLatin1))
        for charset in ["ISO-8859-1", nil] {
            let page = HTMLExtractor.extract(latin1, url: url, charset: charset)
            #expect(page.plainText == "Crème brûlée à la française")
            #expect(page.title == "Crème")
        }
        let unlabelled = try #require("<p>Caf\u{e9} cr\u{e8}me</p>".data(using: .isoLatin1))
        #expect(HTMLExtractor.extract(unlabelled, url: url, charset: nil).plainText == "Café crème")
    }

    @Test("hostile input: deep nesting, garbage bytes and an empty body do not crash")
    func hostile() {
        let deep = String(repeating: "<div>", count: 20_000) + "deep text" + String(repeating: "</div>", count: 20_000)
        #expect(extract(deep).plainText.contains("deep text") || extract(deep).blocks.isEmpty)
        let garbage = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        _ = HTMLExtractor.extract(garbage, url: url, charset: nil)
        #expect(HTMLExtractor.extract(Data(), url: url, charset: nil).blocks.isEmpty)
        let scripts = extract("<body><script>" + String(repeating: "</scr'+'ipt>", count: 100) + "</script><p>after</p></body>")
        #expect(scripts.plainText.contains("after"))
    }
}
