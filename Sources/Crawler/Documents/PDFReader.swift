import CPoppler
import Foundation
import TextKit

/// PDF text with poppler: one part per page (cited as `#page=N`). Lines are rebuilt into
/// blocks from the page's layout: a line set in a clearly larger font than the body text is a
/// heading (levels by size), a vertical gap, a bullet, a change of indent or a line ending
/// short of the column's right edge starts a new block (indented ones are list items), monospaced lines
/// stay a code block, and running headers, footers and page numbers go.
enum PDFReader {
    /// `%PDF-` within the first 1,024 bytes (where the format allows the header to sit).
    static func looksLikePDF(_ bytes: Data) -> Bool {
        bytes.prefix(1024).range(of: Data("%PDF-".utf8)) != nil
    }

    /// Refuses what poppler cannot (or should not) read, with the reason a user can act on.
    static func open(_ bytes: Data) throws -> OpaquePointer {
        // A cut-off download still opens (poppler rebuilds the cross-reference table) and
        // silently loses its last pages; a PDF ends with %%EOF, so say it is truncated.
        guard bytes.suffix(1024).range(of: Data("%%EOF".utf8)) != nil else {
            throw DocumentError(.damaged, "the PDF is truncated (it has no end-of-file marker); upload the complete file")
        }
        var code: Int32 = 0
        var message: UnsafeMutablePointer<CChar>?
        let document = bytes.withUnsafeBytes { raw in nex_pdf_open(raw.baseAddress, raw.count, &code, &message) }
        let detail = message.map { String(cString: $0) } ?? ""
        free(message)
        guard let document else {
            switch Int(code) {
            case Int(NEX_PDF_ENCRYPTED):
                throw DocumentError(.encrypted, "the PDF is encrypted (password-protected); remove the password and upload it again")
            default:
                throw DocumentError(.damaged, "the PDF is damaged and cannot be read" + (detail.isEmpty ? "" : " (\(detail))"))
            }
        }
        return OpaquePointer(document)
    }

    /// Checks that the PDF opens, without reading its text (for the upload request).
    static func check(_ bytes: Data) throws {
        nex_pdf_close(UnsafeMutableRawPointer(try open(bytes)))
    }

    static func read(_ bytes: Data, fallbackTitle: String) throws -> ReadDocument {
        let document = UnsafeMutableRawPointer(try open(bytes))
        defer { nex_pdf_close(document) }
        var pages: [[Line]] = []
        for index in 0..<Int(nex_pdf_page_count(document)) {
            guard let page = nex_pdf_page(document, Int32(index)) else { pages.append([]); continue }
            pages.append(lines(of: page))
            nex_pdf_page_close(page)
        }
        let declaredTitle = nex_pdf_title(document).map { pointer -> String in
            defer { free(pointer) }
            return Chunker.collapse(String(cString: pointer))
        }
        return PDFLayout(pages: pages).document(declaredTitle: declaredTitle, fallbackTitle: fallbackTitle)
    }

    /// One visual line of a page.
    struct Line {
        var text: String
        var top: Double
        var bottom: Double
        var left: Double
        var right: Double
        var fontSize: Double
        var monospaced: Bool
    }

    /// The page's lines with their position and font, from its text, character boxes and font runs.
    static func lines(of page: UnsafeMutableRawPointer) -> [Line] {
        guard let raw = nex_pdf_page_text(page) else { return [] }
        let text = Array(String(cString: raw).unicodeScalars)
        free(raw)
        var boxes: UnsafeMutablePointer<Double>?
        let boxCount = Int(nex_pdf_page_boxes(page, &boxes))
        defer { free(boxes) }
        var runs: UnsafeMutablePointer<Double>?
        let runCount = Int(nex_pdf_page_fonts(page, &runs))
        defer { free(runs) }
        // Font size and flags per character (runs cover character ranges, ends inclusive).
        var size = [Double](repeating: 0, count: text.count)
        var flags = [Int](repeating: 0, count: text.count)
        if let runs {
            for run in 0..<runCount {
                let start = max(0, Int(runs[4 * run])), end = min(text.count - 1, Int(runs[4 * run + 1]))
                guard start <= end else { continue }
                for index in start...end {
                    size[index] = runs[4 * run + 2]
                    flags[index] = Int(runs[4 * run + 3])
                }
            }
        }
        var lines: [Line] = []
        var start = 0
        for index in 0...text.count where index == text.count || text[index] == "\n" {
            defer { start = index + 1 }
            guard start < index else { continue }
            let characters = start..<index
            let line = String(String.UnicodeScalarView(text[characters])).trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            var top = Double.infinity, bottom = -Double.infinity, left = Double.infinity, right = -Double.infinity
            if let boxes {
                for character in characters where character < boxCount && !text[character].properties.isWhitespace {
                    left = min(left, boxes[4 * character])
                    top = min(top, boxes[4 * character + 1])
                    right = max(right, boxes[4 * character + 2])
                    bottom = max(bottom, boxes[4 * character + 3])
                }
            }
            if !top.isFinite {
                let below = lines.last?.bottom ?? 0
                (top, bottom, left, right) = (below, below, 0, 0)
            }
            let first = characters.first { !text[$0].properties.isWhitespace } ?? start
            let monospaced = characters.allSatisfy { text[$0].properties.isWhitespace || flags[$0] & 2 != 0 }
            lines.append(Line(text: line, top: top, bottom: bottom, left: left, right: right, fontSize: size[first], monospaced: monospaced))
        }
        return lines
    }
}
