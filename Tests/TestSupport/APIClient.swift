import Foundation
import HTTPKit

/// A small JSON client for the NexTraction API over real HTTP, used by the tests.
public struct APIClient: Sendable {
    public let baseURL: String
    public var token: String?
    private let http: HTTPClient

    public init(baseURL: String, token: String? = nil) throws {
        self.baseURL = baseURL
        self.token = token
        self.http = try HTTPClient(userAgent: "nextraction-tests")
    }

    /// A decoded response: status, headers, body bytes and the body as JSON when it is JSON.
    public struct Reply: Sendable {
        public let status: Int
        public let headers: [HTTPClient.Header]
        public let body: Data

        public var json: [String: any Sendable]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: any Sendable]
        }

        public var jsonArray: [[String: any Sendable]]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [[String: any Sendable]]
        }

        public var text: String { String(decoding: body, as: UTF8.self) }

        public func header(_ name: String) -> String? {
            headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }

        /// `error.code` of the JSON error body.
        public var errorCode: String? { (json?["error"] as? [String: any Sendable])?["code"] as? String }

        /// A string at a dotted path of the JSON body (e.g. `user.email`).
        public func string(_ path: String) -> String? { value(path) as? String }

        public func value(_ path: String) -> Any? {
            var current: Any? = json
            for key in path.split(separator: ".") {
                current = (current as? [String: Any])?[String(key)]
            }
            return current
        }
    }

    public func request(
        _ method: String, _ path: String, json: [String: any Sendable]? = nil, rawBody: Data? = nil,
        headers: [HTTPClient.Header] = [], token: String?? = nil
    ) async throws -> Reply {
        var all = headers
        let bearer = token ?? self.token
        if let bearer { all.append(.init("Authorization", "Bearer \(bearer)")) }
        var body = rawBody
        if let json {
            body = try JSONSerialization.data(withJSONObject: json)
        }
        if body != nil, !all.contains(where: { $0.name.lowercased() == "content-type" }) {
            all.append(.init("Content-Type", "application/json"))
        }
        let response = try await http.execute(.init(method: method, url: baseURL + path, headers: all, body: body, timeout: 120))
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }

    public func get(_ path: String, token: String?? = nil) async throws -> Reply {
        try await request("GET", path, token: token)
    }

    public func post(_ path: String, json: [String: any Sendable]? = nil, token: String?? = nil) async throws -> Reply {
        try await request("POST", path, json: json, token: token)
    }

    /// Registers an account and returns a client carrying its token.
    public func registered(email: String, password: String = "correct horse battery") async throws -> APIClient {
        let reply = try await post("/auth/register", json: ["email": email, "password": password])
        guard reply.status == 201, let token = reply.string("token") else {
            throw APIClientError.unexpected(status: reply.status, body: reply.text)
        }
        var copy = self
        copy.token = token
        return copy
    }
}

public enum APIClientError: Error, CustomStringConvertible {
    case unexpected(status: Int, body: String)
    public var description: String {
        switch self {
        case .unexpected(let status, let body): return "unexpected reply \(status): \(body)"
        }
    }
}
