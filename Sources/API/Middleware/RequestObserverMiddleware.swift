import Foundation
import Hummingbird
import Logging
import Metrics

/// Logs one line per request and records request metrics.
///
/// The line holds method, path (without the query string), route, status, duration and the
/// user id — never headers or bodies, so passwords and tokens cannot reach the log.
struct RequestObserverMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: AppMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ErrorMiddleware sits inside this one; anything reaching here is a bug.
            record(request, context: context, status: 500, start: start)
            throw error
        }
        record(request, context: context, status: response.status.code, start: start)
        return response
    }

    private func record(_ request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.recordRequest(method: request.method.rawValue, route: route, status: status, seconds: seconds)
        let level: Logger.Level = status >= 500 ? .error : .info
        context.logger.log(level: level, "request", metadata: [
            "method": "\(request.method.rawValue)",
            "path": "\(request.uri.path)",
            "route": "\(route)",
            "status": "\(status)",
            "duration_ms": "\(String(format: "%.2f", seconds * 1000))",
        ])
    }
}
