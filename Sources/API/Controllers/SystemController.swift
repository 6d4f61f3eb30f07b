import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Unauthenticated operational routes: liveness, readiness, metrics and the API description.
struct SystemController {
    let database: any StoreHealth
    let metrics: AppMetrics
    let version: String
    /// `ok`, `missing` (NEX_WEB_DIR names a folder that does not exist: `/` answers 404) or `off`.
    let web: String
    /// Why the embedding model could not be loaded (nil: loaded). Without it the server is not
    /// ready: ingest and questions would fail.
    let modelError: String?

    struct Status: Encodable {
        var status: String
        var version: String
        var database: String?
        var model: String?
        var web: String?
        var error: String?
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("health") { _, _ in
            try Response.json(Status(status: "ok", version: version))
        }
        router.get("ready") { _, _ in
            let reachable = await database.ping()
            let ready = reachable && modelError == nil
            return try Response.json(
                Status(status: ready ? "ready" : "unavailable", version: version, database: reachable ? "ok" : "unreachable",
                       model: modelError == nil ? "ok" : "missing", web: web, error: modelError.map { "embedding model: \($0)" }),
                status: ready ? .ok : .serviceUnavailable
            )
        }
        router.get("metrics") { _, _ in
            if let stats = try? await database.operationalCounts() {
                metrics.updateGauges(queuedJobs: stats.queuedJobs, runningJobs: stats.runningJobs, vectors: stats.chunks)
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        router.get("openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json(version: version))))
        }
    }
}
