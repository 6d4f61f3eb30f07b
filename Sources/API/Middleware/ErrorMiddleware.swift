import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Storage

/// Turns every error thrown below it into the JSON error shape, so no client ever sees an
/// HTML page, an empty 500 or a stack trace. Unexpected errors are logged (once, here) and
/// answered with a generic 500 whose message reveals nothing internal.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.map(error, request: request)
            if apiError.status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return try apiError.response(from: request, context: context)
        }
    }

    static func map(_ error: any Error, request: Request?) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            return map(httpError: error, request: request)
        case let error as any HTTPResponseError:
            // Hummingbird and NIO errors that carry their own status (e.g. 413 from a body
            // collected past its limit).
            return map(httpError: HTTPError(error.status), request: request)
        case let error as StorageError:
            switch error {
            case .emailTaken: return .conflict("an account with this email already exists", code: "email_taken")
            case .duplicate(let what): return .conflict("\(what) already exists")
            case .notFound(let what): return .notFound("\(what) not found")
            case .full:
                return APIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), code: "storage_full", message: "the server's disk is full; nothing was changed")
            case .unavailable:
                return APIError(.serviceUnavailable, code: "database_unavailable", message: "the database is unavailable; try again shortly")
            case .precisionMismatch: return APIError(.conflict, code: "precision_mismatch", message: error.detail)
            case .database, .invalidURL, .notEmpty: return .internalError
            }
        default:
            return .internalError
        }
    }

    static func map(httpError: HTTPError, request: Request?) -> APIError {
        switch httpError.status {
        case .notFound:
            return .notFound(request.map { "no route for \($0.method.rawValue) \($0.uri.path)" } ?? "not found")
        case .methodNotAllowed:
            return APIError(.methodNotAllowed, code: "method_not_allowed",
                            message: request.map { "\($0.method.rawValue) is not allowed on \($0.uri.path)" } ?? "method not allowed")
        case .contentTooLarge:
            return APIError(.contentTooLarge, code: "payload_too_large", message: "request body is too large")
        case .badRequest:
            return .badRequest(httpError.body ?? "bad request")
        default:
            let code = httpError.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            return APIError(httpError.status, code: code, message: httpError.body ?? httpError.status.reasonPhrase)
        }
    }
}
