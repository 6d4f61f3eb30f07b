import Foundation
import Ingest
import Logging
import ServiceLifecycle
import Storage

/// Re-syncs collections whose sources are due (`refresh_every`): each due source becomes an
/// ingest job of its recorded settings, run by the job runner like any other (incremental:
/// conditional requests, unchanged pages not re-embedded, pages that answer 404/410 removed).
/// With several servers on one database each due source is claimed by exactly one of them
/// (`SourceStore.claimDueSource`), so there is no timer per process that could double it.
/// The clock is a parameter of `tick`, so tests drive the schedule without waiting.
public struct SyncScheduler: Service, Sendable {
    let database: any SourceStore & JobQueue
    let runner: JobRunner
    let interval: Duration
    let logger: Logger

    public init(database: any SourceStore & JobQueue, runner: JobRunner, interval: Duration = .seconds(60), logger: Logger) {
        (self.database, self.runner, self.interval, self.logger) = (database, runner, interval, logger)
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                _ = try await tick(now: Date())
            } catch {
                logger.warning("re-sync check failed", metadata: ["error": "\(error)"])
            }
            _ = try? await cancelOnGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Starts a job for every source due at `now`; the jobs started.
    @discardableResult
    public func tick(now: Date) async throws -> [JobRecord] {
        var started: [JobRecord] = []
        while let (source, owner) = try await database.claimDueSource(now: now) {
            started.append(try await start(source, userID: owner, now: now))
        }
        return started
    }

    /// Queues a re-sync of `source` now.
    public func start(_ source: CollectionSource, userID: Int64, now: Date) async throws -> JobRecord {
        let job = try await database.createJob(userID: userID, collectionID: source.collectionID, kind: "ingest", params: source.params, at: now)
        try await database.recordSync(sourceID: source.id, jobID: job.id, at: now)
        logger.info("re-sync queued", metadata: ["job_id": "\(job.id)", "collection_id": "\(source.collectionID)"])
        runner.wake()
        return job
    }
}
