import Foundation
import GRDB

/// Live counters of an ingest job.
public struct JobProgress: Codable, Sendable, Equatable {
    public var discovered = 0
    public var fetched = 0
    public var indexed = 0
    public var skipped = 0
    public var failed = 0
    /// Chunks embedded and written by this job (0 when nothing changed).
    public var chunks = 0
    /// Pages whose content was already stored (304 or same hash): nothing re-embedded.
    public var unchanged = 0
    /// Stored pages removed because they now answer 404/410.
    public var removed = 0

    public init() {}
}

/// A background job (an ingest), persisted so that it survives restarts.
public struct JobRecord: Codable, Sendable, Equatable {
    public var id: String
    public var userID: Int64
    public var collectionID: Int64?
    public var kind: String
    /// queued, running, completed, failed, cancelled.
    public var status: String
    /// The job's parameters as JSON.
    public var params: String
    public var discovered: Int
    public var fetched: Int
    public var indexed: Int
    public var skipped: Int
    public var failed: Int
    public var chunks: Int
    public var unchanged: Int
    public var removed: Int
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date
    public var cancelRequested: Bool
    /// How many times the job was started (> 1 after a resume).
    public var attempts: Int
    /// The server instance running it.
    public var worker: String?
    public var heartbeatAt: Date?

    public var progress: JobProgress {
        var progress = JobProgress()
        (progress.discovered, progress.fetched, progress.indexed, progress.skipped) = (discovered, fetched, indexed, skipped)
        (progress.failed, progress.chunks, progress.unchanged, progress.removed) = (failed, chunks, unchanged, removed)
        return progress
    }

    public var isFinished: Bool { ["completed", "failed", "cancelled"].contains(status) }

    enum CodingKeys: String, CodingKey {
        case id, kind, status, params, discovered, fetched, indexed, skipped, failed, chunks, unchanged, removed, error, attempts, worker
        case userID = "user_id"
        case collectionID = "collection_id"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case updatedAt = "updated_at"
        case cancelRequested = "cancel_requested"
        case heartbeatAt = "heartbeat_at"
    }
}

extension JobRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job"

    public enum Columns {
        public static let id = Column("id")
        public static let userID = Column("user_id")
        public static let status = Column("status")
        public static let createdAt = Column("created_at")
    }
}

/// One line of a job's per-URL log.
public struct JobPageRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var jobID: String
    public var url: String
    /// fetched, unchanged, skipped, failed, removed.
    public var status: String
    public var reason: String?
    public var detail: String?
    public var httpStatus: Int?
    public var depth: Int?
    public var chunks: Int
    public var createdAt: Date

    public init(jobID: String, url: String, status: String, reason: String? = nil, detail: String? = nil,
                httpStatus: Int? = nil, depth: Int? = nil, chunks: Int = 0, createdAt: Date = Date()) {
        self.jobID = jobID
        self.url = url
        self.status = status
        self.reason = reason
        self.detail = detail
        self.httpStatus = httpStatus
        self.depth = depth
        self.chunks = chunks
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, url, status, reason, detail, depth, chunks
        case jobID = "job_id"
        case httpStatus = "http_status"
        case createdAt = "created_at"
    }
}

extension JobPageRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "job_page"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
