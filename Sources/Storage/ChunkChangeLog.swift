import Foundation

/// One committed change to a collection's chunks: what a server replays into its derived
/// vector index. Sequence numbers come from one counter per database and are taken while the
/// writer holds the chunk-write lock, so they increase in commit order.
public struct ChunkChange: Sendable, Equatable {
    public var sequence: Int64
    public var added: [Int64]
    public var removed: [Int64]

    public init(sequence: Int64, added: [Int64], removed: [Int64]) {
        self.sequence = sequence
        self.added = added
        self.removed = removed
    }
}

/// A run of a collection's changes, oldest first.
public struct ChunkChangePage: Sendable, Equatable {
    public var changes: [ChunkChange]
    /// Changes up to and including this sequence number were pruned from the log: a reader
    /// that applied less than this cannot replay and must rebuild from the chunks.
    public var floor: Int64

    public init(changes: [ChunkChange], floor: Int64) {
        self.changes = changes
        self.floor = floor
    }
}

/// A change committed by any server, pushed as it commits (PostgreSQL `LISTEN/NOTIFY`).
public enum ChangeNotification: Sendable, Equatable {
    /// The collection's chunks changed up to `sequence`.
    case chunks(collectionID: Int64, sequence: Int64)
    /// The collection was deleted.
    case dropped(collectionID: Int64)
    /// The stream (re)connected: notifications may have been missed, so every collection
    /// should be checked against its committed sequence.
    case resynchronize

    /// The channel payload: `<collection>:<sequence>` or `<collection>:drop`.
    public init?(payload: String) {
        let parts = payload.split(separator: ":")
        guard parts.count == 2, let id = Int64(parts[0]) else { return nil }
        if parts[1] == "drop" {
            self = .dropped(collectionID: id)
        } else if let sequence = Int64(parts[1]) {
            self = .chunks(collectionID: id, sequence: sequence)
        } else {
            return nil
        }
    }
}

/// The log of chunk changes every derived index follows (several servers on one database keep
/// their own index files and catch up from here; one server catches up after a crash).
public protocol ChunkChangeLog: Sendable {
    /// The sequence number of the collection's last committed change (0 before any); nil when
    /// the collection does not exist.
    func committedSequence(collectionID: Int64) async throws -> Int64?
    /// Up to `limit` of the collection's changes after `after`, oldest first.
    func chunkChanges(collectionID: Int64, after: Int64, limit: Int) async throws -> ChunkChangePage
    /// Drops changes committed before `date`; returns how many.
    @discardableResult
    func pruneChunkChanges(before date: Date) async throws -> Int
    /// Changes other servers commit, as they commit; nil when this backend cannot push them
    /// (one SQLite file: every process reads the log when it needs to).
    func changeNotifications() -> AsyncStream<ChangeNotification>?
}
