import HTTPTypes
import Hummingbird

/// Refuses a request whose declared `Content-Length` exceeds the limit before reading any of
/// it (413). Chunked bodies are bounded where they are read (`Request.decodeJSON`). Document
/// uploads (`POST /collections/{name}/documents`) have a limit of their own.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int
    let uploadLimit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let applicable = Self.isUpload(request) ? uploadLimit : limit
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > applicable {
            throw APIError.payloadTooLarge(limit: applicable)
        }
        return try await next(request, context)
    }

    static func isUpload(_ request: Request) -> Bool {
        guard request.method == .post else { return false }
        let segments = request.uri.path.split(separator: "/")
        return segments.count == 3 && segments[0] == "collections" && segments[2] == "documents"
    }
}
