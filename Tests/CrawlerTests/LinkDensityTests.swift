import Crawler
import Foundation
import TextKit
import Testing

/// Link density (after readability/trafilatura): tables of contents and menus are not content.
@Suite("Link density")
struct LinkDensityTests {
    let url = URL(string: "https://docs.example/guide/")!

    @Test("a page that is a list of links is navigation; a page with a few links in its text is content")
    func pages() {
        let toc = (1...30).map { "<li><a href='/guide/\($0)'>\($0). Chapter \($0) of the guide</a></li>" }.joined()
        let contents = HTMLExtractor.extract(Data("<main><h1>Contents</h1><p>The chapters.</p><ul>\(toc)</ul></main>".utf8),
                                             url: url, charset: "utf-8")
        #expect(contents.isNavigation)
        #expect(contents.links.count == 30)   // still crawled for its links

        let article = HTMLExtractor.extract(Data("""
            <main><h1>Tables</h1><p>Create a table with <a href='/ref/create'>CREATE TABLE</a>, naming each column and its
            type. A table can have up to 1600 columns; see <a href='/ref/limits'>limits</a> for the others.</p>
            <ul><li><a href='/a'>Next chapter</a></li><li><a href='/b'>Previous chapter</a></li></ul></main>
            """.utf8), url: url, charset: "utf-8")
        #expect(!article.isNavigation)
        // The link-only list items are dropped; the paragraph with two links stays, its link text counted.
        #expect(article.blocks.map(\.text).contains { $0.hasPrefix("Create a table with CREATE TABLE") })
        #expect(!article.plainText.contains("Next chapter"))
        let paragraph = article.blocks.first { $0.kind == .paragraph }
        #expect(paragraph?.linkCharacters == "CREATETABLE".count + "limits".count)
    }

    @Test("definition lists become terms of their descriptions; a permalink sign is dropped from headings and terms")
    func definitions() {
        let page = HTMLExtractor.extract(Data("""
            <main><h2>Settings<a class='headerlink' href='#s'>¶</a></h2><dl>
            <dt><code>max_clients</code> (<code>integer</code>)<a href='#m'>¶</a></dt>
            <dd><p>Sets the most clients at once.</p><p>The default is 250 clients.</p></dd>
            <dt>-q</dt><dt>--quiet</dt><dd>Be quiet.</dd><dt>orphan term</dt></dl></main>
            """.utf8), url: url, charset: "utf-8")
        #expect(page.blocks == [
            TextBlock(.heading(level: 2), "Settings", linkCharacters: 1),
            TextBlock(.paragraph, "Sets the most clients at once.", term: "max_clients (integer)"),
            TextBlock(.paragraph, "The default is 250 clients.", term: "max_clients (integer)"),
            TextBlock(.paragraph, "Be quiet.", term: "-q, --quiet"),
            TextBlock(.paragraph, "orphan term"),
        ])
    }
}
