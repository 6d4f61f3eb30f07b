import CLibXML2
import Foundation
import TextKit

/// Main-content extraction from HTML with libxml2's parser (recover mode, no network).
///
/// Boilerplate subtrees are dropped (script, style, noscript, template, nav, header, footer,
/// aside, form and anything hidden), the main element is chosen (`<main>`, `[role=main]`,
/// the largest `<article>`, else the element whose paragraphs carry the most text), and its
/// headings, paragraphs, list items, table rows and `<pre>` blocks are kept in order. Links
/// are collected from the whole page for the crawl frontier.
public enum HTMLExtractor {
    static let skippedTags: Set<String> = [
        "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg", "math",
        "iframe", "object", "embed", "canvas", "button", "select", "option", "input", "textarea", "dialog",
        "head", "menu",
    ]
    static let skippedRoles: Set<String> = ["navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog"]
    static let blockTags: Set<String> = [
        "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dd", "dt", "blockquote", "figure",
        "figcaption", "table", "tbody", "thead", "tfoot", "caption", "address", "details", "summary", "center",
        "hr", "body", "html",
    ]

    /// Extracts `data` fetched from `url`; `charset` is the Content-Type header's, if any.
    public static func extract(_ data: Data, url: URL, charset: String?) -> ExtractedPage {
        let encoding = CharsetSniffer.encoding(of: data, declared: charset)
        nex_xml_silence_errors()
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)
        let document: htmlDocPtr? = data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return nil }
            return htmlReadMemory(base.assumingMemoryBound(to: CChar.self), Int32(raw.count), url.absoluteString, encoding, options)
        }
        var page = ExtractedPage(title: "", declaredLanguage: nil, blocks: [], links: [], canonical: nil, noindex: false, nofollow: false)
        guard let document else { return page }
        // Freed on every path, also when the bytes parsed to a document with no root element
        // (a leak the HTML fuzz target found).
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return page }

        page.declaredLanguage = XMLNode.attribute(root, "lang").flatMap { $0.isEmpty ? nil : $0 }
        var base = url
        var body: xmlNodePtr?
        var titleText = ""
        DOMWalk.forEachElement(under: root) { node, name in
            switch name {
            case "title" where titleText.isEmpty:
                titleText = Chunker.collapse(XMLNode.text(node))
            case "base":
                if let href = XMLNode.attribute(node, "href"), let resolved = URLNormalizer.resolve(href, against: url) { base = resolved }
            case "meta":
                let metaName = XMLNode.attribute(node, "name")?.lowercased()
                if metaName == "robots" || metaName == "nextraction" {
                    let content = (XMLNode.attribute(node, "content") ?? "").lowercased()
                    if content.contains("noindex") || content.contains("none") { page.noindex = true }
                    if content.contains("nofollow") || content.contains("none") { page.nofollow = true }
                }
            case "link":
                let rel = (XMLNode.attribute(node, "rel") ?? "").lowercased().split(separator: " ")
                if rel.contains("canonical"), let href = XMLNode.attribute(node, "href") { page.canonical = URLNormalizer.resolve(href, against: url) }
            case "body":
                body = body ?? node
            default:
                break
            }
            return name != "body"   // the head's elements are all we look for here
        }
        if let canonical = page.canonical, let resolved = URLNormalizer.resolve(canonical.absoluteString, against: base) {
            page.canonical = resolved
        }
        let content = body ?? root
        page.links = collectLinks(under: content, base: base)
        let main = MainContent.choose(in: content)
        page.blocks = BlockCollector.collect(from: main)
        if main != content, page.blocks.reduce(0, { $0 + $1.text.count }) < 50 {
            // A nearly empty <main>: fall back to the whole body.
            page.blocks = BlockCollector.collect(from: content)
        }
        (page.blocks, page.isNavigation) = LinkDensity.filter(page.blocks)
        page.title = titleText.isEmpty
            ? (page.blocks.first { if case .heading = $0.kind { return true } else { return false } }?.text ?? "")
            : titleText
        if page.declaredLanguage == nil { page.declaredLanguage = XMLNode.attribute(main, "lang") }
        return page
    }

    /// Every `<a href>` not marked `rel=nofollow`, resolved against `base` and normalised.
    static func collectLinks(under node: xmlNodePtr, base: URL) -> [URL] {
        var links: [URL] = []
        var seen = Set<String>()
        DOMWalk.forEachElement(under: node) { element, name in
            if name == "a" || name == "area", let href = XMLNode.attribute(element, "href") {
                let rel = (XMLNode.attribute(element, "rel") ?? "").lowercased()
                if !rel.contains("nofollow"), let url = URLNormalizer.resolve(href, against: base), seen.insert(url.absoluteString).inserted {
                    links.append(url)
                }
            }
            return true
        }
        return links
    }

    /// Whether an element and its subtree are boilerplate or hidden.
    static func isSkipped(_ node: xmlNodePtr, name: String) -> Bool {
        if skippedTags.contains(name) { return true }
        guard node.pointee.properties != nil else { return false }
        if xmlHasProp(node, "hidden") != nil { return true }
        if XMLNode.attribute(node, "aria-hidden")?.lowercased() == "true" { return true }
        if let role = XMLNode.attribute(node, "role")?.lowercased(), skippedRoles.contains(role) { return true }
        if let style = XMLNode.attribute(node, "style")?.lowercased().replacingOccurrences(of: " ", with: ""),
           style.contains("display:none") || style.contains("visibility:hidden") { return true }
        return false
    }
}

/// Iterative traversals of libxml2 trees (no recursion: hostile pages nest deeply).
enum DOMWalk {
    /// Visits elements depth-first in document order; `visit` returns whether to descend.
    static func forEachElement(under root: xmlNodePtr, _ visit: (xmlNodePtr, String) -> Bool) {
        var stack: [xmlNodePtr] = [root]
        while let node = stack.popLast() {
            guard node.pointee.type == XML_ELEMENT_NODE else { continue }
            guard visit(node, XMLNode.name(node)) else { continue }
            var children: [xmlNodePtr] = []
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE { children.append(current) }
                child = current.pointee.next
            }
            stack.append(contentsOf: children.reversed())
        }
    }

    /// The visible text under `node` (skipping boilerplate and hidden subtrees), verbatim.
    static func visibleText(_ node: xmlNodePtr) -> String {
        var text = ""
        var stack: [xmlNodePtr] = [node]
        while let current = stack.popLast() {
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { text += String(cString: content) }
            case XML_ELEMENT_NODE:
                let name = XMLNode.name(current)
                if current != node, HTMLExtractor.isSkipped(current, name: name) { continue }
                if name == "br" { text += "\n" }
                var children: [xmlNodePtr] = []
                var child = current.pointee.children
                while let next = child {
                    children.append(next)
                    child = next.pointee.next
                }
                stack.append(contentsOf: children.reversed())
            default:
                continue
            }
        }
        return text
    }
}
