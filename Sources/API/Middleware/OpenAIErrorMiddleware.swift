import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The OpenAI-compatible routes answer errors in OpenAI's shape, which the `openai` SDKs and
/// chat front ends read: `{"error": {"message", "type", "param", "code"}}` (our usual
/// `code` and `message` are both in it). Errors are mapped as `ErrorMiddleware` maps them.
struct OpenAIErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    struct Body: Encodable {
        struct Detail: Encodable {
            var message: String
            var type: String
            var param: String?
            var code: String

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)   // null, as OpenAI sends it
                try container.encode(code, forKey: .code)
            }

            enum CodingKeys: String, CodingKey { case message, type, param, code }
        }
        var error: Detail
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = ErrorMiddleware<Context>.map(error, request: request)
            if apiError.status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            let data = try JSONCoding.encoder.encode(Self.body(apiError))
            var fields = HTTPFields()
            fields[.contentType] = "application/json; charset=utf-8"
            for (name, value) in apiError.headers {
                if let field = HTTPField.Name(name) { fields[field] = value }
            }
            return Response(status: apiError.status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// OpenAI's error type for a status.
    static func body(_ error: APIError) -> Body {
        let type = switch error.status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        default: "server_error"
        }
        return Body(error: .init(message: error.message, type: type, code: error.code))
    }
}
