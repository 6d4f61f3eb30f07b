import Foundation
import HTTPTypes
import Hummingbird

/// An error answered to the client as `{"error": {"code", "message"}}` with `status`.
///
/// Only the API layer creates these or maps other modules' errors to them (see
/// `ErrorMiddleware`); `code` is a stable machine-readable name, `message` a sentence for people.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`).
    public var headers: [String: String]

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func badRequest(_ message: String, code: String = "bad_request") -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    public static func unprocessable(_ message: String, code: String = "validation_failed") -> APIError {
        APIError(.unprocessableContent, code: code, message: message)
    }

    public static func unauthorized(_ message: String = "missing, invalid or expired token") -> APIError {
        APIError(.unauthorized, code: "unauthorized", message: message, headers: ["WWW-Authenticate": "Bearer"])
    }

    public static func notFound(_ message: String = "not found") -> APIError {
        APIError(.notFound, code: "not_found", message: message)
    }

    public static func conflict(_ message: String, code: String = "conflict") -> APIError {
        APIError(.conflict, code: code, message: message)
    }

    public static func tooManyRequests(_ message: String, retryAfter seconds: Int, code: String = "rate_limited") -> APIError {
        APIError(.tooManyRequests, code: code, message: message, headers: ["Retry-After": String(max(1, seconds))])
    }

    public static func payloadTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "payload_too_large", message: "request body exceeds the limit of \(limit) bytes")
    }

    static let internalError = APIError(.internalServerError, code: "internal_error", message: "internal server error")
}

extension APIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(error: .init(code: code, message: message))
        let data = (try? JSONCoding.encoder.encode(body)) ?? Data(#"{"error":{"code":"internal_error","message":""}}"#.utf8)
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The one error shape of the API.
struct ErrorBody: Codable {
    struct Detail: Codable {
        var code: String
        var message: String
    }
    var error: Detail
}
