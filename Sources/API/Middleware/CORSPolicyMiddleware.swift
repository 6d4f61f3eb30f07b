import HTTPTypes
import Hummingbird

/// Adds CORS headers for the configured origins (`NEX_CORS_ORIGINS`) and answers preflight
/// requests. With no origins configured it is not installed at all: browsers then allow only
/// same-origin calls.
struct CORSPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>
    var allowsAny: Bool { allowedOrigins.contains("*") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], allowsAny || allowedOrigins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .noContent)
            applyHeaders(to: &response.headers, origin: origin)
            response.headers[.accessControlAllowMethods] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type, Accept"
            response.headers[.accessControlMaxAge] = "600"
            return response
        }
        var response = try await next(request, context)
        applyHeaders(to: &response.headers, origin: origin)
        return response
    }

    private func applyHeaders(to headers: inout HTTPFields, origin: String) {
        headers[.accessControlAllowOrigin] = allowsAny ? "*" : origin
        headers[.accessControlExposeHeaders] = "Retry-After"
        if !allowsAny { headers[.vary] = "Origin" }
    }
}
