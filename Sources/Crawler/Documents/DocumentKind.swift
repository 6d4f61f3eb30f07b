import Foundation

/// The kinds of file a collection takes as uploads.
public enum DocumentKind: String, Sendable, Codable, CaseIterable {
    case pdf, docx, markdown, html, text

    /// Decides what `bytes` are from their content first, and from the name (or declared
    /// media type) only to tell text formats apart. A name that promises one binary format
    /// over content of another, or binary content of a format we do not read, is refused
    /// with a message meant for the uploader.
    public static func detect(name: String, mediaType: String?, bytes: Data) throws -> DocumentKind {
        let ext = (name as NSString).pathExtension.lowercased()
        let media = mediaType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard !bytes.isEmpty else { throw DocumentError(.empty, "the file is empty") }
        if PDFReader.looksLikePDF(bytes) { return .pdf }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            guard DOCXReader.isWordDocument(bytes) else {
                throw DocumentError(.unsupportedType, "a ZIP archive that is not a Word document (.docx); upload PDF, DOCX, Markdown, HTML or text")
            }
            return .docx
        }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw DocumentError(.unsupportedType, "a legacy Office file (.doc); save it as .docx or PDF and upload that")
        }
        switch ext {
        case "pdf": throw DocumentError(.typeMismatch, "named .pdf, but its content is not a PDF")
        case "docx": throw DocumentError(.typeMismatch, "named .docx, but its content is not a Word document")
        default: break
        }
        guard TextDecoding.decode(bytes) != nil else {
            throw DocumentError(.unsupportedType, "binary content of an unsupported type; upload PDF, DOCX, Markdown, HTML or text")
        }
        if ["md", "markdown", "mdown", "mkd"].contains(ext) || media == "text/markdown" { return .markdown }
        if ["html", "htm", "xhtml"].contains(ext) || media == "text/html" || looksLikeHTML(bytes) { return .html }
        return .text
    }

    /// Starts (after a byte-order mark and whitespace) with a doctype or an `<html>` tag.
    static func looksLikeHTML(_ bytes: Data) -> Bool {
        guard let head = TextDecoding.decode(bytes.prefix(512), prefix: true) else { return false }
        let start = head.drop { $0.isWhitespace || $0 == "\u{FEFF}" }.prefix(15).lowercased()
        return start.hasPrefix("<!doctype html") || start.hasPrefix("<html")
    }
}

/// Why an uploaded file could not be read (one per file; the other files still go in).
public struct DocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case empty
        case tooLarge = "too_large"
        case unsupportedType = "unsupported_type"
        case typeMismatch = "type_mismatch"
        case encrypted = "encrypted"
        case damaged = "damaged"
        case noText = "no_text"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Text bytes to a string: UTF-8 (with or without a byte-order mark), else UTF-16 with a
/// byte-order mark; nil for anything that looks binary (NUL bytes or invalid UTF-8).
enum TextDecoding {
    /// `prefix`: the bytes are the start of a longer file (they may end inside a character).
    static func decode(_ bytes: Data, prefix: Bool = false) -> String? {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            return String(data: prefix ? bytes.prefix(bytes.count & ~1) : bytes, encoding: .utf16)
        }
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard !body.contains(0) else { return nil }
        if let text = String(data: body, encoding: .utf8) { return text }
        guard prefix else { return nil }
        for cut in 1...3 where cut < body.count {
            if let text = String(data: body.dropLast(cut), encoding: .utf8) { return text }
        }
        return nil
    }
}
