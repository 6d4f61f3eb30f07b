import Foundation
import Storage

/// A job's live counters and per-URL log lines, shared by the pipeline's stages and read
/// by the heartbeat (and the CLI's progress bar). Thread-safe.
public final class ProgressTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var progress = JobProgress()
    private var pending: [JobPageRecord] = []
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
        lock.unlock()
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
