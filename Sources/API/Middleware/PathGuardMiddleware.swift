import Foundation
import Hummingbird

/// Refuses (400 `invalid_path`) a request whose path does not percent-decode to valid UTF-8
/// or decodes to a control character. A `%00` would otherwise split what the file server
/// opens (`app.js`) from the name it types the response by (`app.js%00.html` → text/html).
struct PathGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let decoded = request.uri.path.removingPercentEncoding,
              !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw APIError.badRequest("the path holds an invalid escape or a control character", code: "invalid_path")
        }
        return try await next(request, context)
    }
}
