import CLibXML2
import TextKit

/// Turns the main element's subtree into text blocks in reading order.
///
/// Inline text accumulates until a block-level element starts or ends; it then becomes a
/// paragraph (a list item inside `<li>`, a quote inside `<blockquote>`). Headings and `<pre>`
/// (verbatim) become one block each. Structure that answers depend on is kept:
/// - a definition list's term (`<dt>`, e.g. a parameter's `name (type)`) is not a block of its
///   own but the `term` of every block of its description (`<dd>`), so the two stay together;
/// - a table row becomes "header: value; header: value" when the table has a header row, so a
///   row can be quoted alone;
/// - link text is counted per block (`TextBlock.linkCharacters`) for link-density filtering.
enum BlockCollector {
    private struct State {
        var blocks: [TextBlock] = []
        var buffer = ""
        var bufferLinks = 0
        var linkDepth = 0
        var contexts: [TextBlock.Kind] = [.paragraph]
        /// Terms of the open descriptions, outermost first (nil: a `<dd>` without a term).
        var terms: [String?] = []
        /// `<dt>` terms waiting for their `<dd>`, per open `<dl>`.
        var pendingTerms: [[(text: String, links: Int)]] = []
        /// Header cells of the open tables, innermost last.
        var tableHeaders: [[String]?] = []

        /// The open descriptions' terms, the innermost two at most ("os.walk() › Parameters").
        var currentTerm: String? {
            let open = terms.compactMap { $0 }
            return open.isEmpty ? nil : open.suffix(2).joined(separator: " › ")
        }

        mutating func append(_ kind: TextBlock.Kind, _ text: String, links: Int) {
            blocks.append(TextBlock(kind, text, term: currentTerm, linkCharacters: links))
        }

        mutating func flush() {
            let text = Chunker.collapse(buffer)
            if !text.isEmpty { append(contexts.last ?? .paragraph, text, links: bufferLinks) }
            buffer = ""
            bufferLinks = 0
        }

        /// Terms of a `<dl>` that no description followed become paragraphs.
        mutating func flushPendingTerms() {
            guard let pending = pendingTerms.last, !pending.isEmpty else { return }
            for term in pending { append(.paragraph, term.text, links: term.links) }
            pendingTerms[pendingTerms.count - 1] = []
        }
    }

    /// What to undo when an element's subtree has been walked.
    private struct Exit {
        var isBlock = false
        var pushedContext = false
        var link = false
        var description = false
        var definitionList = false
        var table = false
    }

    private enum Step {
        case enter(xmlNodePtr)
        case exit(Exit)
    }

    static func collect(from root: xmlNodePtr) -> [TextBlock] {
        var state = State()
        var steps: [Step] = [.enter(root)]
        while let step = steps.popLast() {
            switch step {
            case .exit(let exit):
                if exit.isBlock { state.flush() }
                if exit.pushedContext { state.contexts.removeLast() }
                if exit.link { state.linkDepth -= 1 }
                if exit.description { state.terms.removeLast() }
                if exit.definitionList {
                    state.flushPendingTerms()
                    state.pendingTerms.removeLast()
                }
                if exit.table { state.tableHeaders.removeLast() }
            case .enter(let node):
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = node.pointee.content {
                        let text = String(cString: content)
                        state.buffer += text
                        if state.linkDepth > 0 { state.bufferLinks += visibleCharacterCount(text) }
                    }
                case XML_ELEMENT_NODE:
                    enter(node, state: &state, steps: &steps, isRoot: node == root)
                default:
                    break
                }
            }
        }
        state.flush()
        return state.blocks
    }

    private static func enter(_ node: xmlNodePtr, state: inout State, steps: inout [Step], isRoot: Bool) {
        let name = XMLNode.name(node)
        if !isRoot, HTMLExtractor.isSkipped(node, name: name) { return }
        var exit = Exit()
        switch name {
        case "h1", "h2", "h3", "h4", "h5", "h6":
            state.flush()
            let text = labelText(node)
            if !text.isEmpty, let level = Int(name.dropFirst()) {
                state.blocks.append(TextBlock(.heading(level: level), text, linkCharacters: linkCharacters(under: node)))
            }
            return
        case "pre":
            state.flush()
            let text = DOMWalk.visibleText(node)
            if !text.allSatisfy(\.isWhitespace) { state.append(.code, text, links: linkCharacters(under: node)) }
            return
        case "tr":
            state.flush()
            row(node, state: &state)
            return
        case "dt":
            state.flush()
            let text = labelText(node)
            if !text.isEmpty {
                if state.pendingTerms.isEmpty {
                    state.append(.paragraph, text, links: linkCharacters(under: node))   // a <dt> outside any <dl>
                } else {
                    state.pendingTerms[state.pendingTerms.count - 1].append((text, linkCharacters(under: node)))
                }
            }
            return
        case "br":
            state.buffer += " "
            return
        case "a" where XMLNode.attribute(node, "href") != nil:
            state.linkDepth += 1
            exit.link = true
        case "dl":
            state.flush()
            state.pendingTerms.append([])
            exit.definitionList = true
        case "dd":
            state.flush()
            let pending = state.pendingTerms.last ?? []
            state.terms.append(pending.isEmpty ? nil : pending.map(\.text).joined(separator: ", "))
            if !state.pendingTerms.isEmpty { state.pendingTerms[state.pendingTerms.count - 1] = [] }
            exit.description = true
        case "table":
            state.tableHeaders.append(nil)
            exit.table = true
        default:
            break
        }
        let isBlock = HTMLExtractor.blockTags.contains(name)
        if isBlock {
            state.flush()
            if name == "li" {
                state.contexts.append(.listItem)
                exit.pushedContext = true
            } else if name == "blockquote" {
                state.contexts.append(.quote)
                exit.pushedContext = true
            } else if name == "dd" {
                state.contexts.append(.paragraph)
                exit.pushedContext = true
            }
        }
        exit.isBlock = isBlock
        steps.append(.exit(exit))
        var children: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            children.append(current)
            child = current.pointee.next
        }
        for child in children.reversed() { steps.append(.enter(child)) }
    }

    /// A table row: remembered as the header when it is the table's first row of header cells
    /// (`<th>`, or any cells inside `<thead>`); else "header: value; …" under a header, or the
    /// cells joined by " | " without one.
    private static func row(_ node: xmlNodePtr, state: inout State) {
        var cells: [(text: String, header: Bool)] = []
        var child = node.pointee.children
        while let cell = child {
            if cell.pointee.type == XML_ELEMENT_NODE {
                let name = XMLNode.name(cell)
                if name == "td" || name == "th" { cells.append((Chunker.collapse(DOMWalk.visibleText(cell)), name == "th")) }
            }
            child = cell.pointee.next
        }
        guard cells.contains(where: { !$0.text.isEmpty }) else { return }
        let inHead = node.pointee.parent.map { XMLNode.name($0) == "thead" } ?? false
        let isHeader = inHead || cells.allSatisfy(\.header)
        if isHeader, let last = state.tableHeaders.indices.last, state.tableHeaders[last] == nil {
            state.tableHeaders[last] = cells.map(\.text)
            return
        }
        let links = linkCharacters(under: node)
        if let header = state.tableHeaders.last ?? nil, !isHeader {
            let pairs = cells.enumerated().compactMap { index, cell -> String? in
                guard !cell.text.isEmpty else { return nil }
                guard index < header.count, !header[index].isEmpty else { return cell.text }
                return "\(header[index]): \(cell.text)"
            }
            state.append(.tableRow, pairs.joined(separator: "; "), links: links)
        } else {
            state.append(.tableRow, cells.map(\.text).filter { !$0.isEmpty }.joined(separator: " | "), links: links)
        }
    }

    /// A heading's or term's text, without a trailing permalink sign ("Installing¶").
    static func labelText(_ node: xmlNodePtr) -> String {
        var text = Chunker.collapse(DOMWalk.visibleText(node))
        while let last = text.last, "¶#§🔗".contains(last) || last.isWhitespace { text.removeLast() }
        return text
    }

    /// Non-space characters of link text under `node` (its `<a href>` descendants).
    static func linkCharacters(under node: xmlNodePtr) -> Int {
        var count = 0
        DOMWalk.forEachElement(under: node) { element, name in
            if name == "a", XMLNode.attribute(element, "href") != nil {
                count += visibleCharacterCount(DOMWalk.visibleText(element))
                return false
            }
            return !HTMLExtractor.isSkipped(element, name: name) || element == node
        }
        return count
    }
}
