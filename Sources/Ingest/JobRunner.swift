import Foundation
import IndexStore
import Logging
import ServiceLifecycle
import Storage

/// The kinds of job the runner runs.
public enum JobKind {
    /// A crawl (`IngestParameters`).
    public static let ingest = "ingest"
    /// Uploaded files (`UploadParameters`).
    public static let upload = "upload"
}

/// Runs persisted ingest jobs inside the server: `concurrency` workers claim queued jobs
/// (and jobs whose worker stopped sending heartbeats — a crashed process), run them, send a
/// heartbeat with live progress every second, and stop a job when its cancellation is
/// requested. On graceful shutdown running jobs are handed back to the queue, so the next
/// start (or another replica) resumes them.
public final class JobRunner: Service, @unchecked Sendable {
    public let worker: String
    let environment: IngestEnvironment
    let concurrency: Int
    let staleAfter: TimeInterval
    let pollInterval: Duration
    private let wakeStream: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    public init(environment: IngestEnvironment, concurrency: Int = 1, staleAfter: TimeInterval = 15, pollInterval: Duration = .seconds(1)) {
        self.environment = environment
        self.concurrency = max(1, concurrency)
        self.staleAfter = max(2, staleAfter)
        self.pollInterval = pollInterval
        worker = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))"
        (wakeStream, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Nudges idle workers to look for a job now (after one was queued).
    public func wake() { wakeContinuation.yield() }

    public func run() async throws {
        environment.logger.info("job runner started", metadata: ["worker": "\(worker)", "concurrency": "\(concurrency)"])
        // Files of upload requests that died before their job was queued.
        _ = try? await environment.database.purgeUploads(before: Date().addingTimeInterval(-86400))
        try await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    // Fan the wake-ups out: every idle worker polls.
                    for await _ in wakeStream { }
                }
                for slot in 0..<concurrency {
                    group.addTask { [self] in await workerLoop(slot: slot) }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: { [wakeContinuation] in
            wakeContinuation.finish()
        }
    }

    private func workerLoop(slot: Int) async {
        while !Task.isCancelled {
            let job: JobRecord?
            do {
                job = try await environment.database.claimNextJob(worker: worker, staleBefore: Date().addingTimeInterval(-staleAfter))
            } catch {
                environment.logger.error("cannot claim jobs", metadata: ["error": "\(error)"])
                job = nil
            }
            if let job {
                await execute(job)
            } else {
                try? await Task.sleep(for: pollInterval)
            }
        }
    }

    /// Runs one claimed job to its end.
    func execute(_ job: JobRecord) async {
        let logger = environment.logger.with("job_id", job.id)
        let progress = ProgressTracker(jobID: job.id)
        do {
            guard let collectionID = job.collectionID else { throw IngestError.invalidParameter("job has no collection") }
            if job.attempts > 1 {
                // A resumed job starts over; its log and counters restart with it.
                try await environment.database.clearJobPages(jobID: job.id)
                logger.notice("resuming interrupted job", metadata: ["attempt": "\(job.attempts)"])
            }
            let pipeline: @Sendable () async throws -> Void
            var uploadBatch: String?
            if job.kind == JobKind.upload {
                let parameters = try UploadParameters.decode(job.params)
                uploadBatch = parameters.batch
                logger.info("upload started", metadata: ["files": "\(parameters.files.count)", "collection": "\(parameters.collection)"])
                let upload = UploadPipeline(environment: environment, collectionID: collectionID, parameters: parameters, progress: progress)
                pipeline = { try await upload.run() }
            } else {
                let parameters = try IngestParameters.decode(job.params)
                logger.info("ingest started", metadata: ["url": "\(parameters.url)", "collection": "\(parameters.collection)"])
                let crawl = IngestPipeline(environment: environment, collectionID: collectionID, parameters: parameters, progress: progress)
                pipeline = { try await crawl.run() }
            }
            let outcome = await run(pipeline, jobID: job.id, progress: progress)
            try await environment.database.appendJobPages(progress.drainLog())
            if let uploadBatch, !outcome.isHandedBack {
                // The files are read (or given up on): they need not be kept.
                try await environment.database.deleteUploads(batch: uploadBatch)
            }
            switch outcome {
            case .success:
                // Published before the job reports completed: a reader on any server that sees
                // `completed` and checks its index's sequence finds these pages.
                try await environment.indexes.catchUp(collectionID: collectionID)
                try await environment.database.finishJob(id: job.id, status: "completed", error: nil, progress: progress.snapshot)
                logger.info("ingest completed", metadata: ["pages": "\(progress.snapshot.indexed)", "chunks": "\(progress.snapshot.chunks)"])
            case .cancelled:
                try await environment.database.finishJob(id: job.id, status: "cancelled", error: nil, progress: progress.snapshot)
                logger.info("ingest cancelled")
            case .handedBack:
                // Shutting down: leave it for the next start.
                try await environment.database.heartbeat(jobID: job.id, worker: worker, progress: progress.snapshot, now: .distantPast)
                logger.notice("ingest interrupted by shutdown; it will resume")
            case .failure(let error):
                try await environment.database.finishJob(id: job.id, status: "failed", error: "\(error)", progress: progress.snapshot)
                logger.error("ingest failed", metadata: ["error": "\(error)"])
            }
        } catch {
            try? await environment.database.finishJob(id: job.id, status: "failed", error: "\(error)", progress: progress.snapshot)
            logger.error("ingest failed", metadata: ["error": "\(error)"])
        }
    }

    enum Outcome {
        case success, cancelled, handedBack
        case failure(any Error)

        var isHandedBack: Bool { if case .handedBack = self { true } else { false } }
    }

    /// Runs the pipeline with a heartbeat beside it; cancels it when the job is cancelled.
    private func run(_ pipeline: @escaping @Sendable () async throws -> Void, jobID: String, progress: ProgressTracker) async -> Outcome {
        let database = environment.database, worker = self.worker
        let task = Task { try await pipeline() }
        let heartbeat = Task {
            var stopped = false
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                try? await database.appendJobPages(progress.drainLog())
                let keepGoing = (try? await database.heartbeat(jobID: jobID, worker: worker, progress: progress.snapshot)) ?? true
                if !keepGoing, !stopped {
                    stopped = true
                    task.cancel()
                }
            }
            return stopped
        }
        let result = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
        heartbeat.cancel()
        let cancelledByUser = await heartbeat.value
        switch result {
        case .success:
            return Task.isCancelled ? .handedBack : .success
        case .failure(let error):
            if cancelledByUser { return .cancelled }
            if Task.isCancelled { return .handedBack }
            if error is CancellationError { return .cancelled }
            return .failure(error)
        }
    }
}

extension Logger {
    func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy[metadataKey: key] = "\(value)"
        return copy
    }
}
