import Foundation
import TextKit

/// What a reader makes of an uploaded file: one part per citable unit — one per page for a
/// PDF (anchor `#page=N`), one for the whole file otherwise.
public struct ReadDocument: Sendable {
    public struct Part: Sendable {
        /// Appended to the file's address: `#page=12`, or empty.
        public var anchor: String
        public var title: String
        public var blocks: [TextBlock]

        public init(anchor: String, title: String, blocks: [TextBlock]) {
            self.anchor = anchor
            self.title = title
            self.blocks = blocks
        }
    }

    public var kind: DocumentKind
    public var parts: [Part]
    /// Pages or parts that had no text (a scanned page), for the job log.
    public var emptyParts: Int
}

/// Reads uploaded files: the one entry point over the per-format readers.
public enum DocumentReader {
    /// Reads `bytes` (already identified as `kind`); the file's `name` is the fallback title.
    public static func read(_ bytes: Data, name: String, kind: DocumentKind) throws -> ReadDocument {
        let title = (name as NSString).deletingPathExtension
        let document: ReadDocument
        switch kind {
        case .pdf: document = try PDFReader.read(bytes, fallbackTitle: title)
        case .docx: document = try DOCXReader.read(bytes, fallbackTitle: title)
        case .markdown: document = try MarkdownReader.read(bytes, fallbackTitle: title)
        case .html: document = try HTMLDocumentReader.read(bytes, name: name, fallbackTitle: title)
        case .text: document = try PlainTextReader.read(bytes, fallbackTitle: title)
        }
        guard document.parts.contains(where: { !$0.blocks.isEmpty }) else {
            throw DocumentError(.noText, kind == .pdf
                ? "no extractable text (a scanned PDF? text in images is not read)"
                : "no text to index")
        }
        return document
    }
}

extension ReadDocument.Part {
    /// The part as a page to store at `url` (its language detected, its text hashed as a
    /// crawled page's is, so re-uploading the same content changes nothing).
    public func page(url: URL, bytes: Int, at date: Date = Date()) -> CrawledPage {
        let text = ExtractedPage.plainText(of: blocks)
        return CrawledPage(url: url, canonicalURL: nil, depth: 0, status: 200, etag: nil, lastModified: nil, title: title,
                           language: LanguageDetector.detect(text: text, declared: nil), blocks: blocks, links: [],
                           contentHash: ContentHash.sha256(text), fetchedAt: date, bytes: bytes)
    }
}

extension DocumentReader {
    /// The quick check worth making before a file is accepted: a PDF must open (not
    /// encrypted, damaged or truncated). A DOCX's archive was opened when its kind was detected.
    public static func check(_ bytes: Data, kind: DocumentKind) throws {
        switch kind {
        case .pdf: try PDFReader.check(bytes)
        case .docx, .markdown, .html, .text: break
        }
    }
}
