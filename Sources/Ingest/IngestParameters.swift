import Foundation
import HTTPKit

/// What to ingest: stored as a job's `params` JSON and read back by the runner.
public struct IngestParameters: Codable, Sendable, Equatable {
    public var url: String
    public var collection: String
    public var domain: String?
    public var maxPages: Int
    public var maxDepth: Int
    public var include: [String]
    public var exclude: [String]
    /// Seconds between requests to one host (nil: the server default).
    public var politenessDelay: Double?
    /// Crawl private/loopback addresses (only when the server or CLI allows it).
    public var allowPrivateHosts: Bool
    /// Parallel requests to one host (nil: the crawler's default of 4).
    public var hostConcurrency: Int?

    public init(url: String, collection: String = "default", domain: String? = nil, maxPages: Int = 50, maxDepth: Int = 3,
                include: [String] = [], exclude: [String] = [], politenessDelay: Double? = nil, allowPrivateHosts: Bool = false,
                hostConcurrency: Int? = nil) {
        self.url = url
        self.collection = collection
        self.domain = domain
        self.maxPages = maxPages
        self.maxDepth = maxDepth
        self.include = include
        self.exclude = exclude
        self.politenessDelay = politenessDelay
        self.allowPrivateHosts = allowPrivateHosts
        self.hostConcurrency = hostConcurrency
    }

    enum CodingKeys: String, CodingKey {
        case url, collection, domain, include, exclude
        case maxPages = "max_pages"
        case maxDepth = "max_depth"
        case politenessDelay = "politeness_delay"
        case allowPrivateHosts = "allow_private_hosts"
        case hostConcurrency = "host_concurrency"
    }

    public func json() -> String {
        (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "{}"
    }

    public static func decode(_ json: String) throws -> IngestParameters {
        try JSONDecoder().decode(IngestParameters.self, from: Data(json.utf8))
    }

    /// Checks what a user may ask for; messages are meant for the API's 422 answers. A host
    /// that is literally a non-public address is refused here, before any job exists, unless
    /// private hosts are allowed (names are judged when resolved, at fetch time).
    public static func validate(url: String, allowPrivateHosts: Bool) throws -> URL {
        let parsed = try validate(url: url)
        if !allowPrivateHosts, let host = parsed.host, AddressClassifier.isLiterallyPrivate(host: host) {
            throw IngestError.invalidParameter("url points to a private, loopback or otherwise non-public address; "
                                               + "this server does not crawl those (NEX_ALLOW_PRIVATE_HOSTS)")
        }
        return parsed
    }

    /// The URL's form only: absolute, http or https, with a host.
    public static func validate(url: String) throws -> URL {
        guard let parsed = URL(string: url.trimmingCharacters(in: .whitespaces)), let scheme = parsed.scheme?.lowercased() else {
            throw IngestError.invalidParameter("url is not a valid absolute URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw IngestError.invalidParameter("url must use http or https, not \(scheme)")
        }
        guard let host = parsed.host, !host.isEmpty else { throw IngestError.invalidParameter("url has no host") }
        return parsed
    }

    /// Collection names: 1–64 letters, digits, spaces, dots, dashes or underscores.
    public static func validate(collection name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(trimmed.count),
              trimmed.allSatisfy({ $0.isLetter || $0.isNumber || " ._-".contains($0) }) else {
            throw IngestError.invalidParameter("collection must be 1–64 letters, digits, spaces, dots, dashes or underscores")
        }
        return trimmed
    }
}

/// Errors of the ingest layer.
public enum IngestError: Error, Equatable, CustomStringConvertible {
    case invalidParameter(String)
    case jobNotFound(String)
    case cancelled
    /// No page could be fetched; the first failure or skip, with its reason.
    case nothingFetched(String)
    /// The start page failed (URL and reason); pages a sitemap led to may have been indexed.
    case startPageFailed(String)

    public var description: String {
        switch self {
        case .nothingFetched(let miss): return "nothing was fetched: \(miss)"
        case .startPageFailed(let failure): return "the start page failed: \(failure)"
        case .invalidParameter(let message): return message
        case .jobNotFound(let id): return "job \(id) not found"
        case .cancelled: return "cancelled"
        }
    }
}
