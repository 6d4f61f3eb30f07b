import Foundation

/// `multipart/form-data` (RFC 7578): the parts of a request body, each with its field name,
/// file name and media type when given. Bounded: at most `maxParts` parts, header blocks of
/// at most 8 KiB; anything malformed is an error rather than a guess.
public enum Multipart {
    public struct Part: Sendable, Equatable {
        /// The form field's name (`name=` of Content-Disposition).
        public var name: String
        /// `filename=` when the part is a file.
        public var filename: String?
        public var contentType: String?
        public var body: Data
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case noBoundary
        case malformed(String)
        case tooManyParts(Int)

        public var description: String {
            switch self {
            case .noBoundary: return "the Content-Type has no multipart boundary"
            case .malformed(let why): return "malformed multipart body: \(why)"
            case .tooManyParts(let limit): return "more than \(limit) parts in one request"
            }
        }
    }

    /// The boundary of a `multipart/form-data; boundary=…` media type.
    public static func boundary(of contentType: String) -> String? {
        guard let range = contentType.range(of: "boundary=", options: .caseInsensitive) else { return nil }
        var boundary = String(contentType[range.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        return (1...70).contains(boundary.utf8.count) ? boundary : nil
    }

    public static func parts(_ data: Data, contentType: String, maxParts: Int = 100) throws -> [Part] {
        guard let boundary = boundary(of: contentType) else { throw ParseError.noBoundary }
        let delimiter = Data("--\(boundary)".utf8)
        let separator = Data("\r\n--\(boundary)".utf8)
        guard let first = data.range(of: delimiter) else { throw ParseError.malformed("no opening boundary") }
        var cursor = first.upperBound
        var parts: [Part] = []
        while true {
            // After a boundary: "--" ends the body, CRLF starts a part.
            if data[cursor...].starts(with: Data("--".utf8)) { return parts }
            guard data[cursor...].starts(with: Data("\r\n".utf8)) else { throw ParseError.malformed("no line break after a boundary") }
            cursor += 2
            guard parts.count < maxParts else { throw ParseError.tooManyParts(maxParts) }
            let headers: String
            let bodyStart: Int
            if data[cursor...].starts(with: Data("\r\n".utf8)) {
                // No headers at all: the part starts with its blank line.
                (headers, bodyStart) = ("", cursor + 2)
            } else {
                let headerLimit = min(data.endIndex, cursor + 8192)
                guard let headersEnd = data.range(of: Data("\r\n\r\n".utf8), in: cursor..<headerLimit) else {
                    throw ParseError.malformed("a part's headers do not end")
                }
                (headers, bodyStart) = (String(decoding: data[cursor..<headersEnd.lowerBound], as: UTF8.self), headersEnd.upperBound)
            }
            guard let next = data.range(of: separator, in: bodyStart..<data.endIndex) else {
                throw ParseError.malformed("the closing boundary is missing")
            }
            var part = try parseHeaders(headers)
            part.body = data.subdata(in: bodyStart..<next.lowerBound)
            parts.append(part)
            cursor = next.upperBound
        }
    }

    static func parseHeaders(_ block: String) throws -> Part {
        var part = Part(name: "", filename: nil, contentType: nil, body: Data())
        var disposition = false
        for line in block.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw ParseError.malformed("a header line without a colon") }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition":
                disposition = true
                let parameters = Self.parameters(value)
                part.name = parameters["name"] ?? ""
                part.filename = parameters["filename*"].flatMap(Self.extendedValue) ?? parameters["filename"]
            case "content-type":
                part.contentType = value
            default:
                break
            }
        }
        guard disposition else { throw ParseError.malformed("a part without Content-Disposition") }
        return part
    }

    /// `form-data; name="files"; filename="a b.pdf"` → ["name": "files", "filename": "a b.pdf"]
    /// (quoted values may hold `;` and backslash-escaped quotes).
    static func parameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var characters = Substring(value)
        // Skip the disposition type.
        if let semicolon = characters.firstIndex(of: ";") { characters = characters[characters.index(after: semicolon)...] } else { return [:] }
        while !characters.isEmpty {
            characters = characters.drop { $0 == " " || $0 == ";" }
            guard let equals = characters.firstIndex(of: "=") else { break }
            let key = characters[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            characters = characters[characters.index(after: equals)...]
            var value = ""
            if characters.first == "\"" {
                characters = characters.dropFirst()
                var escaped = false
                while let character = characters.first {
                    characters = characters.dropFirst()
                    if escaped { value.append(character); escaped = false; continue }
                    if character == "\\" { escaped = true; continue }
                    if character == "\"" { break }
                    value.append(character)
                }
                characters = characters.drop { $0 != ";" }
            } else {
                let end = characters.firstIndex(of: ";") ?? characters.endIndex
                value = characters[..<end].trimmingCharacters(in: .whitespaces)
                characters = characters[end...]
            }
            result[key] = value
        }
        return result
    }

    /// RFC 5987 `UTF-8''na%C3%AFve.pdf` → "naïve.pdf".
    static func extendedValue(_ value: String) -> String? {
        guard let quote = value.range(of: "''") else { return nil }
        return String(value[quote.upperBound...]).removingPercentEncoding
    }

    /// The body of the first part (the plan upload takes one file).
    public static func firstPart(_ data: Data, contentType: String) -> Data? {
        (try? parts(data, contentType: contentType))?.first?.body
    }
}
