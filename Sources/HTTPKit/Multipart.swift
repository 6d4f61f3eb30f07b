import Foundation

/// Just enough of `multipart/form-data` (RFC 7578) to take the first part's body.
public enum Multipart {
    public static func firstPart(_ data: Data, contentType: String) -> Data? {
        guard let boundaryRange = contentType.range(of: "boundary=") else { return nil }
        var boundary = String(contentType[boundaryRange.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let delimiter = Data("--\(boundary)".utf8)
        guard let first = data.range(of: delimiter),
              let headersEnd = data.range(of: Data("\r\n\r\n".utf8), in: first.upperBound..<data.endIndex),
              let next = data.range(of: Data("\r\n--\(boundary)".utf8), in: headersEnd.upperBound..<data.endIndex) else { return nil }
        return data.subdata(in: headersEnd.upperBound..<next.lowerBound)
    }
}
