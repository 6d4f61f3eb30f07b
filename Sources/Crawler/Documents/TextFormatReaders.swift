import CCmark
import Foundation
import TextKit

/// Markdown, rendered by cmark-gfm to HTML and read by the same extractor as crawled pages
/// (headings, code blocks, tables as "header: value" rows, definition lists).
enum MarkdownReader {
    static func read(_ bytes: Data, fallbackTitle: String) throws -> ReadDocument {
        guard var text = TextDecoding.decode(bytes) else { throw DocumentError(.unsupportedType, "the Markdown file is not UTF-8 text") }
        let frontMatterTitle = stripFrontMatter(&text)
        let html = text.utf8CString.withUnsafeBufferPointer { buffer -> String? in
            guard let rendered = nex_markdown_to_html(buffer.baseAddress, buffer.count - 1) else { return nil }
            defer { free(rendered) }
            return String(cString: rendered)
        }
        guard let html else { throw DocumentError(.damaged, "the Markdown file could not be parsed") }
        // All of it is content: `<main>` keeps the extractor from choosing a part of it.
        let page = "<!doctype html><html><head><meta charset=\"utf-8\"></head><body><main>\(html)</main></body></html>"
        let extracted = HTMLExtractor.extract(Data(page.utf8), url: URL(string: "upload:document.md")!, charset: "utf-8")
        let firstHeading = extracted.blocks.first { $0.kind == .heading(level: 1) }?.text
        let title = [frontMatterTitle, firstHeading].compactMap { $0 }.first { !$0.isEmpty } ?? fallbackTitle
        return ReadDocument(kind: .markdown, parts: [.init(anchor: "", title: title, blocks: extracted.blocks)], emptyParts: 0)
    }

    /// Removes a leading YAML front-matter block (`---` … `---`) and returns its `title:`.
    static func stripFrontMatter(_ text: inout String) -> String? {
        guard text.hasPrefix("---\n") || text.hasPrefix("---\r\n") else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else { return nil }
        let title = lines[1..<end].lazy.compactMap { line -> String? in
            guard line.lowercased().hasPrefix("title:") else { return nil }
            return line.dropFirst(6).trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\"'"))
        }.first
        text = lines[(end + 1)...].joined(separator: "\n")
        return title
    }
}

/// A saved web page: the crawler's own extraction, boilerplate stripped.
enum HTMLDocumentReader {
    static func read(_ bytes: Data, name: String, fallbackTitle: String) throws -> ReadDocument {
        let extracted = HTMLExtractor.extract(bytes, url: URL(string: "upload:document.html")!, charset: nil)
        let title = extracted.title.isEmpty ? fallbackTitle : extracted.title
        return ReadDocument(kind: .html, parts: [.init(anchor: "", title: title, blocks: extracted.blocks)], emptyParts: 0)
    }
}

/// Plain text: blank lines separate paragraphs; a paragraph underlined with `===` or `---`
/// is a heading, and one indented throughout (4 spaces or a tab) is kept verbatim as code.
enum PlainTextReader {
    static func read(_ bytes: Data, fallbackTitle: String) throws -> ReadDocument {
        guard let text = TextDecoding.decode(bytes) else { throw DocumentError(.unsupportedType, "the file is not UTF-8 text") }
        var blocks: [TextBlock] = []
        let paragraphs = text.replacingOccurrences(of: "\r\n", with: "\n")
            .components(separatedBy: "\n").split { $0.trimmingCharacters(in: .whitespaces).isEmpty }
        for lines in paragraphs {
            var lines = Array(lines)
            if lines.count >= 2, let rule = lines.last?.trimmingCharacters(in: .whitespaces), rule.count >= 3,
               Set(rule).count == 1, rule.first == "=" || rule.first == "-" {
                let heading = Chunker.collapse(lines.dropLast().joined(separator: " "))
                blocks.append(TextBlock(.heading(level: rule.first == "=" ? 1 : 2), heading))
                continue
            }
            if lines.allSatisfy({ $0.hasPrefix("    ") || $0.hasPrefix("\t") }) {
                let indent = lines.map { $0.prefix { $0 == " " || $0 == "\t" }.count }.min() ?? 0
                blocks.append(TextBlock(.code, lines.map { String($0.dropFirst(indent)) }.joined(separator: "\n")))
                continue
            }
            lines = lines.map { $0.trimmingCharacters(in: .whitespaces) }
            let text = PDFLayout.join(lines)
            if !text.isEmpty { blocks.append(TextBlock(.paragraph, text)) }
        }
        let title = blocks.first { $0.kind == .heading(level: 1) }?.text ?? fallbackTitle
        return ReadDocument(kind: .text, parts: [.init(anchor: "", title: title, blocks: blocks)], emptyParts: 0)
    }
}
