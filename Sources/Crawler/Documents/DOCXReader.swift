import CLibXML2
import Foundation
import TextKit
import ZIPFoundation

/// Word documents (.docx, Office Open XML): the ZIP is opened with ZIPFoundation and
/// `word/document.xml` read with libxml2 (network and entity expansion off). Paragraph styles
/// give headings (their outline level, or a "heading N" / "Title" style name, so localised
/// style ids work), numbered or bulleted paragraphs are list items, and tables become rows of
/// "header: value" like HTML tables.
enum DOCXReader {
    /// Most bytes one part of the archive may inflate to (a ZIP bomb stops here).
    static let maxPartBytes = 64 << 20

    static func isWordDocument(_ bytes: Data) -> Bool {
        guard let archive = try? Archive(data: bytes, accessMode: .read) else { return false }
        return archive["word/document.xml"] != nil
    }

    static func read(_ bytes: Data, fallbackTitle: String) throws -> ReadDocument {
        guard let archive = try? Archive(data: bytes, accessMode: .read) else {
            throw DocumentError(.damaged, "the Word document is damaged (not a readable ZIP archive)")
        }
        guard let body = try part("word/document.xml", of: archive) else {
            throw DocumentError(.damaged, "the Word document has no word/document.xml")
        }
        let styles = try part("word/styles.xml", of: archive).map(headingStyles) ?? [:]
        let declaredTitle = try part("docProps/core.xml", of: archive).flatMap(coreTitle)
        var reader = BodyReader(styles: styles)
        guard parse(body, { reader.readBody($0) }) else { throw DocumentError(.damaged, "the Word document's XML is damaged") }
        let title = [declaredTitle, reader.titleParagraph, reader.blocks.first { $0.kind == .heading(level: 1) }?.text]
            .compactMap { $0 }.first { !$0.isEmpty } ?? fallbackTitle
        return ReadDocument(kind: .docx, parts: [.init(anchor: "", title: title, blocks: reader.blocks)], emptyParts: 0)
    }

    /// One member of the archive, inflated (nil when absent).
    static func part(_ path: String, of archive: Archive) throws -> Data? {
        guard let entry = archive[path] else { return nil }
        var data = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                data.append(chunk)
                if data.count > maxPartBytes { throw DocumentError(.tooLarge, "\(path) inflates to more than \(maxPartBytes >> 20) MiB") }
            }
        } catch let error as DocumentError {
            throw error
        } catch {
            throw DocumentError(.damaged, "the Word document is damaged (\(path) does not inflate)")
        }
        return data
    }

    /// Parses XML bytes and hands the root element to `body`; false when it does not parse.
    static func parse(_ bytes: Data, _ body: (xmlNodePtr) -> Void) -> Bool {
        nex_xml_silence_errors()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_COMPACT.rawValue)
        let document: xmlDocPtr? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return nil }
            return xmlReadMemory(base.assumingMemoryBound(to: CChar.self), Int32(raw.count), "part.xml", "UTF-8", options)
        }
        guard let document else { return false }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return false }
        body(root)
        return true
    }

    /// Heading level per paragraph style id (0 for the Title style).
    static func headingStyles(_ bytes: Data) -> [String: Int] {
        var levels: [String: Int] = [:]
        _ = parse(bytes) { root in
            for style in children(root) where XMLNode.name(style) == "style" {
                guard let id = XMLNode.attribute(style, "styleId") else { continue }
                let name = children(style).first { XMLNode.name($0) == "name" }.flatMap { XMLNode.attribute($0, "val") }?.lowercased() ?? ""
                let outline = children(style).first { XMLNode.name($0) == "ppr" }
                    .flatMap { children($0).first { XMLNode.name($0) == "outlinelvl" } }
                    .flatMap { XMLNode.attribute($0, "val") }.flatMap(Int.init)
                if name == "title" {
                    levels[id] = 0
                } else if let outline, (0..<9).contains(outline) {
                    levels[id] = min(6, outline + 1)
                } else if name.hasPrefix("heading "), let level = Int(name.dropFirst(8)), (1...9).contains(level) {
                    levels[id] = min(6, level)
                }
            }
        }
        return levels
    }

    /// `dc:title` of the document properties.
    static func coreTitle(_ bytes: Data) -> String? {
        var title: String?
        _ = parse(bytes) { root in
            title = children(root).first { XMLNode.name($0) == "title" }.map { Chunker.collapse(XMLNode.text($0)) }
        }
        return title
    }

    static func children(_ node: xmlNodePtr) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    /// Walks `w:body` in document order.
    struct BodyReader {
        let styles: [String: Int]
        var blocks: [TextBlock] = []
        var titleParagraph: String?

        mutating func readBody(_ root: xmlNodePtr) {
            guard let body = DOCXReader.children(root).first(where: { XMLNode.name($0) == "body" }) else { return }
            readContainer(body)
        }

        mutating func readContainer(_ node: xmlNodePtr) {
            for child in DOCXReader.children(node) {
                switch XMLNode.name(child) {
                case "p": readParagraph(child)
                case "tbl": readTable(child)
                case "sdt", "sdtcontent", "customxml", "smarttag", "ins": readContainer(child)
                default: break
                }
            }
        }

        mutating func readParagraph(_ paragraph: xmlNodePtr) {
            let text = Chunker.collapse(Self.text(of: paragraph))
            guard !text.isEmpty else { return }
            let properties = DOCXReader.children(paragraph).first { XMLNode.name($0) == "ppr" }
            let propertyChildren = properties.map(DOCXReader.children) ?? []
            let style = propertyChildren.first { XMLNode.name($0) == "pstyle" }.flatMap { XMLNode.attribute($0, "val") }
            let outline = propertyChildren.first { XMLNode.name($0) == "outlinelvl" }.flatMap { XMLNode.attribute($0, "val") }.flatMap(Int.init)
            let level = style.flatMap { styles[$0] } ?? outline.flatMap { (0..<9).contains($0) ? min(6, $0 + 1) : nil }
            if let level {
                if level == 0, titleParagraph == nil { titleParagraph = text }
                blocks.append(TextBlock(.heading(level: max(1, level)), text))
            } else if propertyChildren.contains(where: { XMLNode.name($0) == "numpr" }) {
                blocks.append(TextBlock(.listItem, text))
            } else {
                blocks.append(TextBlock(.paragraph, text))
            }
        }

        /// Rows of cells; the first row names the columns when the table has more than one row.
        mutating func readTable(_ table: xmlNodePtr) {
            let rows = DOCXReader.children(table).filter { XMLNode.name($0) == "tr" }.map { row in
                DOCXReader.children(row).filter { XMLNode.name($0) == "tc" }.map { Chunker.collapse(Self.text(of: $0)) }
            }
            guard let header = rows.first else { return }
            if rows.count == 1 {
                blocks.append(TextBlock(.tableRow, header.filter { !$0.isEmpty }.joined(separator: " | ")))
                return
            }
            for row in rows.dropFirst() {
                let pairs = row.enumerated().compactMap { index, cell -> String? in
                    guard !cell.isEmpty else { return nil }
                    guard index < header.count, !header[index].isEmpty else { return cell }
                    return "\(header[index]): \(cell)"
                }
                if !pairs.isEmpty { blocks.append(TextBlock(.tableRow, pairs.joined(separator: "; "))) }
            }
        }

        /// The visible text under a node: runs' `w:t`, tabs and breaks as spaces; paragraphs
        /// inside (a table cell's) separated by spaces; deleted text and field codes skipped.
        static func text(of node: xmlNodePtr) -> String {
            var text = ""
            for child in DOCXReader.children(node) {
                switch XMLNode.name(child) {
                case "t": text += XMLNode.text(child)
                case "tab", "br", "cr": text += " "
                case "ppr", "rpr", "del", "instrtext", "deltext", "fldchar": break
                case "p": text += " " + Self.text(of: child) + " "
                default: text += Self.text(of: child)
                }
            }
            return text
        }
    }
}
