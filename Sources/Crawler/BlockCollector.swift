import CLibXML2
import TextKit

/// Turns the main element's subtree into text blocks in reading order.
///
/// Inline text accumulates until a block-level element starts or ends; it then becomes a
/// paragraph (a list item inside `<li>`, a quote inside `<blockquote>`). Headings, `<pre>`
/// (verbatim) and table rows (cells joined by " | ") become one block each.
enum BlockCollector {
    private struct State {
        var blocks: [TextBlock] = []
        var buffer = ""
        var contexts: [TextBlock.Kind] = [.paragraph]

        mutating func flush() {
            let text = Chunker.collapse(buffer)
            buffer = ""
            if !text.isEmpty { blocks.append(TextBlock(contexts.last ?? .paragraph, text)) }
        }
    }

    private enum Step {
        case enter(xmlNodePtr)
        case exit(isBlock: Bool, pushedContext: Bool)
    }

    static func collect(from root: xmlNodePtr) -> [TextBlock] {
        var state = State()
        var steps: [Step] = [.enter(root)]
        while let step = steps.popLast() {
            switch step {
            case .exit(let isBlock, let pushedContext):
                if isBlock { state.flush() }
                if pushedContext { state.contexts.removeLast() }
            case .enter(let node):
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = node.pointee.content { state.buffer += String(cString: content) }
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
        switch name {
        case "h1", "h2", "h3", "h4", "h5", "h6":
            state.flush()
            let text = Chunker.collapse(DOMWalk.visibleText(node))
            if !text.isEmpty, let level = Int(name.dropFirst()) { state.blocks.append(TextBlock(.heading(level: level), text)) }
            return
        case "pre":
            state.flush()
            let text = DOMWalk.visibleText(node)
            if !text.allSatisfy(\.isWhitespace) { state.blocks.append(TextBlock(.code, text)) }
            return
        case "tr":
            state.flush()
            var cells: [String] = []
            var child = node.pointee.children
            while let cell = child {
                if cell.pointee.type == XML_ELEMENT_NODE, ["td", "th"].contains(XMLNode.name(cell)) {
                    let text = Chunker.collapse(DOMWalk.visibleText(cell))
                    if !text.isEmpty { cells.append(text) }
                }
                child = cell.pointee.next
            }
            if !cells.isEmpty { state.blocks.append(TextBlock(.tableRow, cells.joined(separator: " | "))) }
            return
        case "br":
            state.buffer += " "
            return
        default:
            break
        }
        let isBlock = HTMLExtractor.blockTags.contains(name)
        var pushedContext = false
        if isBlock {
            state.flush()
            if name == "li" || name == "dd" || name == "dt" {
                state.contexts.append(.listItem)
                pushedContext = true
            } else if name == "blockquote" {
                state.contexts.append(.quote)
                pushedContext = true
            }
        }
        steps.append(.exit(isBlock: isBlock, pushedContext: pushedContext))
        var children: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            children.append(current)
            child = current.pointee.next
        }
        for child in children.reversed() { steps.append(.enter(child)) }
    }
}
