import Foundation

extension HTTPClient {
    /// One header field. Names compare case-insensitively through `Response.header(_:)`.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Which remote addresses a transfer may connect to. Checked on the address curl is about
    /// to connect to (after DNS, on every redirect hop and retry), so a hostname that
    /// resolves — or re-resolves — to a private address is refused too.
    public enum AddressPolicy: Sendable, Equatable {
        /// Any address (the server's own outgoing calls to configured endpoints).
        case any
        /// Only globally routable unicast addresses: no loopback, private, link-local,
        /// multicast, unspecified or reserved ranges (SSRF guard for user-supplied URLs).
        case publicOnly
    }

    /// An HTTP request. Defaults suit a polite crawler: 10 s to connect, 30 s in all,
    /// compressed transfer accepted, redirects not followed (callers re-check each hop).
    public struct Request: Sendable {
        public var method: String
        public var url: String
        public var headers: [Header]
        public var body: Data?
        /// Seconds allowed to establish the connection.
        public var connectTimeout: Double
        /// Seconds allowed for the whole transfer.
        public var timeout: Double
        /// Abort (with `HTTPClientError.tooLarge`) once the body exceeds this many bytes.
        public var maxBodyBytes: Int?
        /// Follow up to this many redirects inside curl (0: return 3xx responses as they are).
        public var maxRedirects: Int
        /// Send `Accept-Encoding` for every encoding libcurl decodes (gzip, deflate, br, zstd).
        public var acceptCompressed: Bool
        public var addressPolicy: AddressPolicy
        /// curl `--resolve` style overrides, `host:port:address` (lets tests give a public-looking
        /// name to a loopback server).
        public var resolveOverrides: [String]
        /// Deliver the body in pieces through `HTTPClient.stream` instead of accumulating it.
        var streaming = false

        public init(
            method: String = "GET", url: String, headers: [Header] = [], body: Data? = nil,
            connectTimeout: Double = 10, timeout: Double = 30, maxBodyBytes: Int? = nil,
            maxRedirects: Int = 0, acceptCompressed: Bool = true, addressPolicy: AddressPolicy = .any,
            resolveOverrides: [String] = []
        ) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.maxBodyBytes = maxBodyBytes
            self.maxRedirects = maxRedirects
            self.acceptCompressed = acceptCompressed
            self.addressPolicy = addressPolicy
            self.resolveOverrides = resolveOverrides
        }
    }

    /// A complete response: status, the final response's headers, the decoded body.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [Header]
        public var body: Data
        /// The URL the body came from (differs from the request's after followed redirects).
        public var url: String
        /// The address actually connected to.
        public var remoteAddress: String?

        public init(status: Int, headers: [Header], body: Data, url: String, remoteAddress: String? = nil) {
            self.status = status
            self.headers = headers
            self.body = body
            self.url = url
            self.remoteAddress = remoteAddress
        }

        /// The last value of the header `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }

        /// The body decoded as UTF-8 (invalid sequences replaced).
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// What `HTTPClient.stream` yields: the response head once, then body pieces.
    public enum StreamEvent: Sendable {
        case head(status: Int, headers: [Header])
        case data(Data)
    }
}

/// Transfer failures, turned from curl codes into Swift errors in one place.
public enum HTTPClientError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String)
    /// The address is not allowed by the request's `AddressPolicy`.
    case blockedAddress(String)
    case couldNotResolve(String)
    case couldNotConnect(String)
    case timedOut
    /// The body grew past `maxBodyBytes`.
    case tooLarge(limit: Int)
    case tooManyRedirects
    case tls(String)
    case transport(code: Int, message: String)
    case cancelled

    public var description: String {
        switch self {
        case .invalidURL(let url): return "invalid URL: \(url)"
        case .blockedAddress(let address): return "refused to connect to non-public address \(address)"
        case .couldNotResolve(let message): return "could not resolve host: \(message)"
        case .couldNotConnect(let message): return "could not connect: \(message)"
        case .timedOut: return "timed out"
        case .tooLarge(let limit): return "response body larger than \(limit) bytes"
        case .tooManyRedirects: return "too many redirects"
        case .tls(let message): return "TLS error: \(message)"
        case .transport(let code, let message): return "transfer failed (curl \(code)): \(message)"
        case .cancelled: return "cancelled"
        }
    }

    /// Whether retrying the same request later may succeed.
    public var isTransient: Bool {
        switch self {
        case .couldNotConnect, .timedOut, .transport: return true
        default: return false
        }
    }
}
