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

    struct Status: Encodable {
        var status: String
        var version: String
        var database: String?
        var web: String?
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("health") { _, _ in
            try Response.json(Status(status: "ok", version: version))
        }
        router.get("ready") { _, _ in
            let ok = await database.ping()
            return try Response.json(
                Status(status: ok ? "ready" : "unavailable", version: version, database: ok ? "ok" : "unreachable", web: web),
                status: ok ? .ok : .serviceUnavailable
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
