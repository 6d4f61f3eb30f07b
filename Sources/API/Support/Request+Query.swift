import Foundation
import Hummingbird

extension Request {
    /// The value of query parameter `name`, read as a browser's form encodes it: `+` is a
    /// space and percent-escapes are decoded (the first occurrence; nil when absent). A value
    /// whose escapes are not valid UTF-8 is 400.
    func query(_ name: String) throws -> String? {
        guard let raw = uri.query else { return nil }
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard try Self.formDecode(parts[0], parameter: name) == name else { continue }
            return parts.count > 1 ? try Self.formDecode(parts[1], parameter: name) : ""
        }
        return nil
    }

    /// An integer query parameter: `fallback` when absent, 422 when it is not an integer in `range`.
    func queryInt(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = try query(name) else { return fallback }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw APIError.unprocessable("\(name) must be an integer between \(range.lowerBound) and \(range.upperBound)",
                                         code: "invalid_request")
        }
        return value
    }

    private static func formDecode(_ text: Substring, parameter: String) throws -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        guard let decoded = spaced.removingPercentEncoding else {
            throw APIError.badRequest("query parameter \(parameter) has an invalid percent-encoding", code: "invalid_query")
        }
        return decoded
    }
}

extension Parameters {
    /// A path parameter with its percent-escapes decoded (`my%20docs` → `my docs`,
    /// `%C3%BC…` → `ü…`); 400 when they are not valid UTF-8.
    func decoded(_ name: String) throws -> String {
        let raw = try require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError.badRequest("path parameter \(name) has an invalid percent-encoding", code: "invalid_path")
        }
        return decoded
    }
}
