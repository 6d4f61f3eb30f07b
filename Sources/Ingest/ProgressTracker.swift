import Foundation
import Storage

/// A job's live counters and per-URL log lines, shared by the pipeline's stages and read
/// by the heartbeat (and the CLI's progress bar). Thread-safe.
public final class ProgressTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var progress = JobProgress()
    private var pending: [JobPageRecord] = []
    private var miss: String?
    private var startMiss: String?
    public let startedAt = Date()
    public let jobID: String

    public init(jobID: String) {
        self.jobID = jobID
    }

    public func update(_ change: (inout JobProgress) -> Void) {
        lock.lock()
        change(&progress)
        lock.unlock()
    }

    public var snapshot: JobProgress {
        lock.lock()
        defer { lock.unlock() }
        return progress
    }

    /// Queues one line of the per-URL log.
    public func log(_ url: String, status: String, reason: String? = nil, detail: String? = nil, httpStatus: Int? = nil, depth: Int? = nil, chunks: Int = 0) {
        let entry = JobPageRecord(jobID: jobID, url: url, status: status, reason: reason, detail: detail,
                                  httpStatus: httpStatus, depth: depth, chunks: chunks)
        lock.lock()
        pending.append(entry)
        if miss == nil, status == "failed" || status == "skipped" {
            miss = "\(url) \(status == "failed" ? "failed" : "was skipped"): \(reason ?? status)" + (detail.map { " (\($0))" } ?? "")
        }
        lock.unlock()
    }

    /// Notes that the start page itself failed (the job fails with this reason, even when a
    /// sitemap led to other pages).
    public func startPageFailed(_ reason: String) {
        lock.lock()
        startMiss = startMiss ?? reason
        lock.unlock()
    }

    public var startPageFailure: String? {
        lock.lock()
        defer { lock.unlock() }
        return startMiss
    }

    /// The first page that failed or was skipped, with its reason (the start page, when the
    /// crawl could not even begin).
    public var firstMiss: String? {
        lock.lock()
        defer { lock.unlock() }
        return miss
    }

    /// Takes the queued log lines (the heartbeat writes them in one transaction).
    public func drainLog() -> [JobPageRecord] {
        lock.lock()
        defer { lock.unlock() }
        let lines = pending
        pending.removeAll()
        return lines
    }
}
