import Foundation
import Hummingbird
import Ingest
import Logging
import Storage

/// `/ingest` and `/jobs`: start crawls, watch them, read their per-URL logs, cancel them.
struct IngestController {
    let dependencies: AppDependencies

    struct IngestRequest: Decodable {
        var url: String
        var collection: String?
        var domain: String?
        var maxPages: Int?
        var maxDepth: Int?
        var include: [String]?
        var exclude: [String]?
        /// Re-sync the site this often (seconds, or `24h`, `7d`); `0` stops it; absent keeps
        /// the schedule the source has.
        var refreshEvery: AuthController.KeyRequest.Lifetime?

        enum CodingKeys: String, CodingKey {
            case url, collection, domain, include, exclude
            case maxPages = "max_pages"
            case maxDepth = "max_depth"
            case refreshEvery = "refresh_every"
        }
    }

    /// The shortest re-sync interval (a schedule is for keeping up with a site, not polling it).
    static let minimumRefresh: TimeInterval = 15 * 60

    struct Accepted: Encodable {
        var jobID: String
        var status: String
        enum CodingKeys: String, CodingKey {
            case jobID = "job_id"
            case status
        }
    }

    func addRoutes(to routes: ScopedRoutes) {
        routes.write.post("ingest", use: ingest)
        routes.read.get("jobs", use: list)
        routes.read.get("jobs/:id", use: show)
        routes.read.get("jobs/:id/pages", use: pages)
        routes.write.post("jobs/:id/cancel", use: cancel)
        routes.write.delete("jobs/:id", use: delete)
    }

    /// Clears a finished job (and its page log) from the list; the pages it stored stay.
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.decoded("id")
        switch try await dependencies.database.deleteJob(id: id, userID: user.id) {
        case .deleted: return Response(status: .noContent)
        case .active: throw APIError.conflict("job \(id) is still queued or running; cancel it first", code: "job_active")
        case .notFound: throw APIError.notFound("job \(id) not found")
        }
    }

    @Sendable func ingest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let input = try await request.decodeJSON(IngestRequest.self, limit: dependencies.config.maxBodyBytes)
        let job = try await queue(input, user: user)
        context.logger.info("ingest queued", metadata: ["job_id": "\(job.id)"])
        return try .json(Accepted(jobID: job.id, status: job.status), status: .accepted)
    }

    /// Validates a crawl request and queues its job (422 for a bad URL, collection or limits,
    /// 503 without the embedding model).
    func queue(_ input: IngestRequest, user: AuthenticatedUser) async throws -> JobRecord {
        guard let runner = dependencies.jobRunner else {
            throw APIError(.serviceUnavailable, code: "model_unavailable",
                           message: "the embedding model is not loaded: \(dependencies.embedderError ?? "unknown reason")")
        }
        let url: URL
        let collection: String
        do {
            url = try IngestParameters.validate(url: input.url, allowPrivateHosts: dependencies.config.allowPrivateHosts)
            collection = try IngestParameters.validate(collection: input.collection ?? "default")
        } catch let error as IngestError {
            throw APIError.unprocessable(error.description, code: "invalid_request")
        }
        let maxPages = input.maxPages ?? 50
        let maxDepth = input.maxDepth ?? 3
        guard maxPages >= 1 else { throw APIError.unprocessable("max_pages must be at least 1", code: "invalid_request") }
        guard (0...20).contains(maxDepth) else { throw APIError.unprocessable("max_depth must be between 0 and 20", code: "invalid_request") }
        let parameters = IngestParameters(
            url: url.absoluteString, collection: collection, domain: input.domain?.trimmingCharacters(in: .whitespaces).lowercased(),
            maxPages: min(maxPages, dependencies.config.maxPagesLimit), maxDepth: maxDepth,
            include: input.include ?? [], exclude: input.exclude ?? [],
            allowPrivateHosts: dependencies.config.allowPrivateHosts
        )
        if let every = input.refreshEvery?.seconds, every != 0, !(Self.minimumRefresh...(365 * 86400)).contains(every) {
            throw APIError.unprocessable("refresh_every must be 0 (off) or between 15 minutes and a year", code: "invalid_request")
        }
        let record = try await dependencies.database.ensureCollection(userID: user.id, name: collection)
        let job = try await dependencies.database.createJob(userID: user.id, collectionID: record.id, kind: "ingest", params: parameters.json())
        if let collectionID = record.id {
            // The collection remembers where its pages come from (re-sync now, or on schedule).
            let existing = try await dependencies.database.sources(collectionID: collectionID).first { $0.url == parameters.url }
            let every = input.refreshEvery.map { $0.seconds > 0 ? $0.seconds : nil } ?? existing?.refreshEvery
            try await dependencies.database.recordSource(collectionID: collectionID, url: parameters.url, params: parameters.json(),
                                                         refreshEvery: every, jobID: job.id, at: Date())
        }
        runner.wake()
        return job
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let jobs = try await dependencies.database.jobs(userID: user.id)
        return try .json(try jobs.map(JobView.init))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await .json(JobView(try job(request, context)))
    }

    /// The statuses of a job's page log (the `status` filter of `/jobs/{id}/pages`).
    static let pageStatuses = ["fetched", "unchanged", "skipped", "failed", "removed"]

    @Sendable func pages(_ request: Request, context: AppRequestContext) async throws -> Response {
        let job = try await job(request, context)
        let offset = try request.queryInt("offset", in: 0...Int(Int32.max), default: 0)
        let limit = try request.queryInt("limit", in: 1...500, default: 100)
        let status = try request.query("status")
        if let status, !Self.pageStatuses.contains(status) {
            throw APIError.unprocessable("status must be one of \(Self.pageStatuses.joined(separator: ", "))", code: "invalid_request")
        }
        let (lines, total) = try await dependencies.database.jobPages(jobID: job.id, offset: offset, limit: limit, status: status)
        return try .json(PagesView(pages: lines.map(PageView.init), total: total, offset: offset, limit: limit))
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.decoded("id")
        guard let job = try await dependencies.database.requestCancel(jobID: id, userID: user.id) else {
            throw APIError.notFound("job \(id) not found")
        }
        return try .json(JobView(job), status: .accepted)
    }

    private func job(_ request: Request, _ context: AppRequestContext) async throws -> JobRecord {
        let user = try context.requireUser()
        let id = try context.parameters.decoded("id")
        guard let job = try await dependencies.database.job(id: id, userID: user.id) else { throw APIError.notFound("job \(id) not found") }
        return job
    }
}

/// The JSON of a job.
struct JobView: Encodable {
    var id: String
    var status: String
    var collection: String
    var url: String
    var progress: JobProgress
    var createdAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var error: String?
    var attempts: Int
    var maxPages: Int
    var maxDepth: Int
    /// `ingest` (a crawl) or `upload`.
    var kind: String
    /// An upload's files (names), in the order they are read.
    var files: [String]?

    init(_ job: JobRecord) throws {
        kind = job.kind
        if job.kind == JobKind.upload, let upload = try? UploadParameters.decode(job.params) {
            collection = upload.collection
            url = ""
            files = upload.files.map(\.name)
            // A file is one step of its progress (`fetched` counts files read).
            (maxPages, maxDepth) = (upload.files.count, 0)
        } else {
            let parameters = try? IngestParameters.decode(job.params)
            collection = parameters?.collection ?? ""
            url = parameters?.url ?? ""
            maxPages = parameters?.maxPages ?? 0
            maxDepth = parameters?.maxDepth ?? 0
        }
        id = job.id
        status = job.status
        progress = job.progress
        createdAt = job.createdAt
        startedAt = job.startedAt
        finishedAt = job.finishedAt
        error = job.error
        attempts = job.attempts
    }

    enum CodingKeys: String, CodingKey {
        case id, status, collection, url, progress, error, attempts, kind, files
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case maxPages = "max_pages"
        case maxDepth = "max_depth"
    }
}

struct PageView: Encodable {
    var url: String
    var status: String
    var reason: String?
    var detail: String?
    var httpStatus: Int?
    var depth: Int?
    var chunks: Int
    var at: Date

    init(_ page: JobPageRecord) {
        url = page.url
        status = page.status
        reason = page.reason
        detail = page.detail
        httpStatus = page.httpStatus
        depth = page.depth
        chunks = page.chunks
        at = page.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case url, status, reason, detail, depth, chunks, at
        case httpStatus = "http_status"
    }
}

struct PagesView: Encodable {
    var pages: [PageView]
    var total: Int
    var offset: Int
    var limit: Int
}
