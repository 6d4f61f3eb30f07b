import CLibXML2

/// Chooses the element that holds a page's main content.
enum MainContent {
    /// `<main>` or `[role=main]` when present; else the `<article>` with the most text; else
    /// the element scored highest by its paragraphs (each paragraph of ≥ 25 characters adds
    /// 1 + length/100 (≤ 3) to its parent and half that to its grandparent, after
    /// Readability); else `body`.
    static func choose(in body: xmlNodePtr) -> xmlNodePtr {
        var mainElement: xmlNodePtr?
        var articles: [xmlNodePtr] = []
        var scores: [xmlNodePtr: Double] = [:]
        DOMWalk.forEachElement(under: body) { node, name in
            if node != body, HTMLExtractor.isSkipped(node, name: name) { return false }
            if mainElement == nil, name == "main" || XMLNode.attribute(node, "role")?.lowercased() == "main" {
                mainElement = node
            }
            if name == "article" { articles.append(node) }
            if name == "p" || name == "pre" || name == "td" {
                let length = visibleCharacterCount(DOMWalk.visibleText(node))
                if length >= 25, let parent = node.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE {
                    let score = 1 + min(Double(length) / 100, 3)
                    scores[parent, default: 0] += score
                    if let grandparent = parent.pointee.parent, grandparent.pointee.type == XML_ELEMENT_NODE {
                        scores[grandparent, default: 0] += score / 2
                    }
                }
            }
            return true
        }
        if let mainElement { return mainElement }
        if let article = articles.max(by: { DOMWalk.visibleText($0).count < DOMWalk.visibleText($1).count }) {
            return article
        }
        if let (best, score) = scores.max(by: { $0.value < $1.value }), score >= 2 { return best }
        return body
    }
}

/// The number of non-space characters after collapsing white space.
func visibleCharacterCount(_ text: String) -> Int {
    text.reduce(0) { $0 + ($1.isWhitespace ? 0 : 1) }
}
