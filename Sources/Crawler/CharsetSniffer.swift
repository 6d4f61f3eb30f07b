import Foundation

/// Decides the character encoding of an HTML body: a byte-order mark, else the
/// Content-Type header's charset, else a `<meta charset>` / `http-equiv` declaration in the
/// first 1,024 bytes, else UTF-8 when the bytes are valid UTF-8, else windows-1252 (the
/// HTML default for unlabelled legacy pages).
enum CharsetSniffer {
    static func encoding(of data: Data, declared: String?) -> String {
        let bytes = [UInt8](data.prefix(1024))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return "UTF-8" }
        if bytes.starts(with: [0xFF, 0xFE]) { return "UTF-16LE" }
        if bytes.starts(with: [0xFE, 0xFF]) { return "UTF-16BE" }
        if let declared = declared.flatMap(normalize) { return declared }
        if let meta = metaCharset(bytes).flatMap(normalize) { return meta }
        return String(data: data, encoding: .utf8) != nil ? "UTF-8" : "windows-1252"
    }

    /// Maps common labels to names libxml2/iconv accept; nil for empty or unsafe labels.
    static func normalize(_ label: String) -> String? {
        let value = label.trimmingCharacters(in: CharacterSet(charactersIn: "\"' ")).lowercased()
        guard !value.isEmpty, value.count < 40, value.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) }) else { return nil }
        switch value {
        case "utf8", "utf-8", "unicode-1-1-utf-8": return "UTF-8"
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1", "us-ascii", "ascii": return "ISO-8859-1"
        case "windows-1252", "cp1252", "x-cp1252": return "windows-1252"
        default: return value.uppercased()
        }
    }

    /// The charset named by a `<meta>` tag in `bytes` (an ASCII-level scan, as browsers do).
    static func metaCharset(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self).lowercased()
        var searchStart = text.startIndex
        while let meta = text.range(of: "<meta", range: searchStart..<text.endIndex) {
            let tagEnd = text[meta.upperBound...].firstIndex(of: ">") ?? text.endIndex
            let tag = text[meta.upperBound..<tagEnd]
            if let charset = tag.range(of: "charset=") {
                let value = tag[charset.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }
                let name = value.prefix { !"\"'; />".contains($0) }
                if !name.isEmpty { return String(name) }
            }
            searchStart = tagEnd
        }
        return nil
    }
}
