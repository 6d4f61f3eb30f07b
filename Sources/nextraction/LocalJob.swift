import Foundation
import IndexStore
import Ingest
import Storage

/// A job run in this process (`ingest`, `upload`): recorded like one the server runs (so the
/// web page lists it), with heartbeats, its log written as it goes, progress on the terminal,
/// and the index repaired and published at the end.
struct LocalJob {
    let services: LocalServices
    let job: JobRecord
    let collectionID: Int64
    let progress: ProgressTracker

    /// Runs `body` as the job; returns its final counts, or throws (the job then failed).
    func run(display: ProgressDisplay, _ body: @escaping @Sendable () async throws -> Void) async throws -> JobProgress {
        let worker = "cli/\(getpid())"
        let database = services.database, progress = self.progress, job = self.job
        try await database.startJob(id: job.id, worker: worker)
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(display.isTerminal ? 200 : 2000))
                if Task.isCancelled { break }   // the final line is the caller's
                display.show(progress.snapshot, elapsed: Date().timeIntervalSince(progress.startedAt))
                try? await database.appendJobPages(progress.drainLog())
                try? await database.heartbeat(jobID: job.id, worker: worker, progress: progress.snapshot)
            }
        }
        var failure: (any Error)?
        do {
            try await body()
        } catch {
            failure = error
        }
        ticker.cancel()
        await ticker.value   // no progress line may come after the final one
        try await database.appendJobPages(progress.drainLog())
        let final = progress.snapshot
        display.finish(final, elapsed: Date().timeIntervalSince(progress.startedAt))
        if let failure {
            try await database.finishJob(id: job.id, status: "failed", error: "\(failure)", progress: final)
            throw CLIError("\(job.kind) failed: \(failure)")
        }
        try await services.indexes.repair(collectionID: collectionID)
        try await database.finishJob(id: job.id, status: "completed", error: nil, progress: final)
        return final
    }
}

/// A one-line progress bar on a terminal, periodic plain lines otherwise.
final class ProgressDisplay: @unchecked Sendable {
    let maxPages: Int
    /// An upload: progress is files read (`fetched`) of `maxPages` files.
    let countsFiles: Bool
    let isTerminal = isatty(STDOUT_FILENO) == 1

    init(maxPages: Int, countsFiles: Bool = false) {
        self.maxPages = maxPages
        self.countsFiles = countsFiles
    }

    func line(_ p: JobProgress, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(p.fetched) / elapsed : 0
        if countsFiles {
            let total = max(1, maxPages), done = min(total, p.fetched)
            return String(format: "[%@] %d/%d files · %d pages · %d chunks · %.1f s", bar(done, total), done, total, p.indexed, p.chunks, elapsed)
        }
        // Pages skipped past the limit count as handled but not against it: never "369/30".
        let total = max(1, min(maxPages, max(p.discovered, p.indexed + p.unchanged + p.skipped + p.failed + p.removed)))
        let done = min(total, p.indexed + p.unchanged + p.skipped + p.failed + p.removed)
        let remaining = rate > 0 ? Double(max(0, total - done)) / rate : 0
        return String(format: "[%@] %d/%d pages · %d chunks · %.1f pages/s · ETA %.0fs", bar(done, total), done, total, p.chunks, rate, remaining)
    }

    func bar(_ done: Int, _ total: Int) -> String {
        let width = 24
        let filled = min(width, width * done / total)
        return String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    }

    /// On a terminal the line is redrawn in place; elsewhere (a log file, CI) each is a new
    /// line, written at once (standard output to a pipe is otherwise held until exit).
    func show(_ progress: JobProgress, elapsed: Double) {
        let text = line(progress, elapsed: elapsed)
        emit(isTerminal ? "\r\u{1B}[K" + text : text + "\n")
    }

    func finish(_ progress: JobProgress, elapsed: Double) {
        show(progress, elapsed: elapsed)
        if isTerminal { emit("\n") }
    }

    private func emit(_ text: String) {
        fflush(nil)   // every output stream: print's buffered lines first
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
