import Foundation

/// Tells a PostgreSQL server that is gone from one that is only slow.
///
/// The pool does not say when its server went away: it keeps reconnecting while requests wait
/// for a connection, so without this every request of an outage would wait out its whole
/// deadline. An operation that has not finished after `patience` asks `check()`, which opens one
/// connection of its own (shared by everyone asking at that moment, its answer kept for
/// `freshness`): refused means the operation fails now; accepted means the server is there but
/// busy, and the operation keeps its full deadline. While the last check failed, new operations
/// fail at once (`knownUnreachable`), until the answer is stale and the next one checks again.
/// Thread-safe.
final class PostgresReachability: @unchecked Sendable {
    let patience: Duration
    let freshness: Duration
    private let connect: @Sendable () async -> StorageError?
    private let lock = NSLock()
    private var last: (at: ContinuousClock.Instant, failure: StorageError?)?
    private var inFlight: Task<StorageError?, Never>?

    /// `connect` opens and closes one connection, returning why it could not (nil: it could).
    init(patience: Duration = .seconds(1), freshness: Duration = .seconds(1),
         connect: @escaping @Sendable () async -> StorageError?) {
        self.patience = patience
        self.freshness = freshness
        self.connect = connect
    }

    /// The reason the server could not be reached, when a check within `freshness` found so.
    var knownUnreachable: StorageError? {
        lock.withLock {
            guard let last, ContinuousClock.now - last.at < freshness else { return nil }
            return last.failure
        }
    }

    /// Why the server cannot be reached now, or nil when it accepts connections.
    func check() async -> StorageError? {
        let task: Task<StorageError?, Never> = lock.withLock {
            if let last, ContinuousClock.now - last.at < freshness { return Task { last.failure } }
            if let inFlight { return inFlight }
            let probe = Task { [connect] in await connect() }
            inFlight = probe
            return probe
        }
        let failure = await task.value
        lock.withLock {
            if inFlight == task {
                inFlight = nil
                last = (ContinuousClock.now, failure)
            }
        }
        return failure
    }

    /// The early check `Deadline.race` runs for an operation.
    var earlyCheck: Deadline.EarlyCheck {
        Deadline.EarlyCheck(after: patience) { [self] in await check() }
    }
}
