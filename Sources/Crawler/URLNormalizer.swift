import Foundation

/// Canonical forms of crawled URLs, so that one page is fetched once however it is linked:
/// scheme and host lowercased, default ports and fragments removed, dot segments resolved,
/// an empty path made "/", tracking parameters (`utm_*`, `gclid`, `fbclid`, …) dropped, user
/// info dropped. Query order is kept (it can be meaningful). Only http and https survive.
public enum URLNormalizer {
    static let trackingParameters: Set<String> = [
        "gclid", "fbclid", "msclkid", "dclid", "yclid", "mc_cid", "mc_eid", "_ga", "_gl", "igshid", "ref_src", "_hsenc", "_hsmi",
    ]

    /// `reference` (absolute or relative, as found in an `href`) resolved against `base` and
    /// normalised; nil when it is malformed or not http(s) (mailto:, javascript:, …).
    public static func resolve(_ reference: String, against base: URL?) -> URL? {
        let cleaned = sanitize(reference)
        guard !cleaned.isEmpty, !cleaned.hasPrefix("#") || base != nil else { return nil }
        guard let url = URL(string: cleaned, relativeTo: base)?.absoluteURL else { return nil }
        return normalize(url)
    }

    /// The normal form of an absolute URL string, or nil.
    public static func normalize(_ string: String) -> URL? {
        guard let url = URL(string: sanitize(string)) else { return nil }
        return normalize(url)
    }

    public static func normalize(_ url: URL) -> URL? {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              var host = components.host?.lowercased(), !host.isEmpty else { return nil }
        if host.hasSuffix(".") { host.removeLast() }
        components.scheme = scheme
        components.host = host
        components.user = nil
        components.password = nil
        if components.port == (scheme == "http" ? 80 : 443) { components.port = nil }
        components.fragment = nil
        let path = removeDotSegments(components.percentEncodedPath)
        components.percentEncodedPath = path.isEmpty ? "/" : path
        if let query = components.percentEncodedQuery {
            let kept = query.split(separator: "&", omittingEmptySubsequences: true).filter { pair in
                let name = pair.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? ""
                return !name.hasPrefix("utm_") && !trackingParameters.contains(name)
            }
            components.percentEncodedQuery = kept.isEmpty ? nil : kept.joined(separator: "&")
        }
        return components.url
    }

    /// RFC 3986 §5.2.4: resolves "." and ".." segments.
    static func removeDotSegments(_ path: String) -> String {
        var input = Substring(path)
        var output = ""
        func dropLastSegment() {
            if let slash = output.lastIndex(of: "/") { output.removeSubrange(slash...) } else { output = "" }
        }
        while !input.isEmpty {
            if input.hasPrefix("../") {
                input = input.dropFirst(3)
            } else if input.hasPrefix("./") {
                input = input.dropFirst(2)
            } else if input.hasPrefix("/./") {
                input = "/" + input.dropFirst(3)
            } else if input == "/." {
                input = "/"
            } else if input.hasPrefix("/../") {
                input = "/" + input.dropFirst(4)
                dropLastSegment()
            } else if input == "/.." {
                input = "/"
                dropLastSegment()
            } else if input == "." || input == ".." {
                input = ""
            } else {
                let start = input.hasPrefix("/") ? input.index(after: input.startIndex) : input.startIndex
                let end = input[start...].firstIndex(of: "/") ?? input.endIndex
                output += input[input.startIndex..<end]
                input = input[end...]
            }
        }
        return output
    }

    /// Removes white space (as browsers do) and percent-encodes characters URL(string:) rejects.
    static func sanitize(_ reference: String) -> String {
        let trimmed = reference.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\t", with: "").replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: "\r", with: "")
        var result = ""
        result.reserveCapacity(trimmed.utf8.count)
        for scalar in trimmed.unicodeScalars {
            if scalar.isASCII, scalar.value > 0x20, !"\"<>\\^`{|} ".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else {
                for byte in String(scalar).utf8 { result += String(format: "%%%02X", byte) }
            }
        }
        return result
    }

    /// The origin of a URL (`scheme://host[:port]`), the unit of robots.txt and politeness.
    public static func origin(of url: URL) -> String {
        let scheme = url.scheme ?? "http"
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(url.host ?? "")\(port)"
    }

    /// The path and query, as robots.txt rules match them.
    public static func pathAndQuery(of url: URL) -> String {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "/" }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        return components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
    }
}
