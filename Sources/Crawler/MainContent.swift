import CLibXML2

/// Chooses the element that holds a page's main content.
///
/// `<main>` or `[role=main]` when present; else the `<article>` with the most text; else the
/// deepest element that holds nearly all of the page's text without losing its headings.
/// The last rule, rather than Readability's "best-scoring paragraph parent", is what
/// documentation needs: pages made of many sibling sections (AsciiDoc's `sect1` divs, a
/// parameter list's `<dd>` entries) have no single paragraph parent, and picking the biggest
/// one dropped everything else — a man page's name, synopsis and description. Boilerplate
/// with semantic markup is skipped before this; what is left of it (link lists) goes by link
/// density afterwards (`LinkDensity`).
enum MainContent {
    /// A child holding at least this share of the page's text (not counting link text) may
    /// become the main element...
    static let textShare = 0.75
    /// ...when at most this many of its parent's headings lie outside it.
    static let headingsLeftOut = 1

    static func choose(in body: xmlNodePtr) -> xmlNodePtr {
        var mainElement: xmlNodePtr?
        var articles: [xmlNodePtr] = []
        DOMWalk.forEachElement(under: body) { node, name in
            if node != body, HTMLExtractor.isSkipped(node, name: name) { return false }
            if mainElement == nil, name == "main" || XMLNode.attribute(node, "role")?.lowercased() == "main" {
                mainElement = node
            }
            if name == "article" { articles.append(node) }
            return true
        }
        if let mainElement { return mainElement }
        if let article = articles.max(by: { DOMWalk.visibleText($0).count < DOMWalk.visibleText($1).count }) {
            return article
        }
        let totals = measure(body)
        guard let total = totals[body], total.text > 0 else { return body }
        var node = body
        while true {
            var best: (node: xmlNodePtr, text: Int, headings: Int)?
            var child = node.pointee.children
            while let current = child {
                if let measured = totals[current], measured.text > (best?.text ?? -1) {
                    best = (current, measured.text, measured.headings)
                }
                child = current.pointee.next
            }
            guard let best, Double(best.text) >= textShare * Double(total.text),
                  (totals[node]?.headings ?? 0) - best.headings <= headingsLeftOut else { return node }
            node = best.node
        }
    }

    /// Per element under `root` (skipped subtrees excluded): its non-space text characters
    /// outside links, and its headings. One iterative post-order pass.
    static func measure(_ root: xmlNodePtr) -> [xmlNodePtr: (text: Int, headings: Int)] {
        var totals: [xmlNodePtr: (text: Int, headings: Int)] = [:]
        enum Step { case enter(xmlNodePtr, inLink: Bool), exit(xmlNodePtr) }
        var steps: [Step] = [.enter(root, inLink: false)]
        while let step = steps.popLast() {
            switch step {
            case .exit(let node):
                guard let mine = totals[node], let parent = node.pointee.parent, node != root else { continue }
                let sum = totals[parent] ?? (0, 0)
                totals[parent] = (sum.text + mine.text, sum.headings + mine.headings)
            case .enter(let node, let inLink):
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    guard !inLink, let content = node.pointee.content, let parent = node.pointee.parent else { continue }
                    let count = visibleCharacterCount(String(cString: content))
                    let sum = totals[parent] ?? (0, 0)
                    totals[parent] = (sum.text + count, sum.headings)
                case XML_ELEMENT_NODE:
                    let name = XMLNode.name(node)
                    if node != root, HTMLExtractor.isSkipped(node, name: name) { continue }
                    let isHeading = name.count == 2 && name.first == "h" && ("1"..."6").contains(name.last.map(String.init) ?? "")
                    totals[node] = (totals[node]?.text ?? 0, (totals[node]?.headings ?? 0) + (isHeading ? 1 : 0))
                    steps.append(.exit(node))
                    let link = inLink || (name == "a" && XMLNode.attribute(node, "href") != nil)
                    var children: [xmlNodePtr] = []
                    var child = node.pointee.children
                    while let current = child {
                        children.append(current)
                        child = current.pointee.next
                    }
                    for child in children.reversed() { steps.append(.enter(child, inLink: link)) }
                default:
                    continue
                }
            }
        }
        return totals
    }
}

/// The number of non-space characters after collapsing white space.
func visibleCharacterCount(_ text: String) -> Int {
    text.reduce(0) { $0 + ($1.isWhitespace ? 0 : 1) }
}
