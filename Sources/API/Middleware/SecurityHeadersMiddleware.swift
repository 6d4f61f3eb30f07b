import HTTPTypes
import Hummingbird

/// Headers that make the browser a second line of defence for the web UI: scripts, styles,
/// images and requests only from this server (so text from crawled pages that slipped into
/// the page as markup still could not run), no framing, no MIME sniffing, no referrer
/// leaking to cited sites, no caching of API answers. Set on every response, errors included.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name.referrerPolicy] = "no-referrer"
        response.headers[HTTPField.Name.frameOptions] = "DENY"
        // Tokens and user data are never stored by a browser or a proxy; the static UI is
        // revalidated (it changes with each release).
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = Self.isStaticAsset(response.headers[.contentType]) ? "no-cache" : "no-store"
        }
        return response
    }

    /// The web UI's own files (HTML, CSS, scripts, images, fonts): no user data in them.
    static func isStaticAsset(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return false }
        return ["text/html", "text/css", "application/javascript", "text/javascript", "image/", "font/"].contains { type.hasPrefix($0) }
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
}
