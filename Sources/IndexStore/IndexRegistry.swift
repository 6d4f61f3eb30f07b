import Foundation
import NexNumerics
import Storage
import VectorIndex

/// The vector index of every collection: one folder of generations per collection under
/// `<data dir>/index/<collection id>/`, derived from the database and repairable from it.
///
/// Every index follows its collection's chunk change log (`ChunkChangeLog`): `catchUp` replays
/// the changes committed since the sequence the index reflects — by this server or any other on
/// the same database — as one small delta generation. Readers call `freshSnapshot`, which
/// compares that sequence with the collection's committed one (read-your-writes: a page another
/// server just stored is searched) and catches up first, for at most `freshnessWait`; past it
/// they get the index they have, marked stale, rather than wait. An index that is missing,
/// unreadable, or older than the pruned log is rebuilt from the stored vectors.
public final class IndexRegistry: @unchecked Sendable {
    public let directory: String
    public let dimension: Int
    let database: any DocumentStore & ChunkChangeLog
    /// How long a read waits for its index to catch up before answering from a stale one.
    public let freshnessWait: Duration
    /// Changes replayed per delta (bounds one catch-up step's memory).
    static let replayBatch = 2000
    private let lock = NSLock()
    private var stores: [Int64: IndexGenerations] = [:]
    private var lastReload: [Int64: Date] = [:]
    private var catchUps: [Int64: Task<Int64, any Error>] = [:]
    private var compacting: Set<Int64> = []

    public init(directory: String, dimension: Int, database: any DocumentStore & ChunkChangeLog, freshnessWait: Duration = .seconds(2)) {
        self.directory = directory
        self.dimension = dimension
        self.database = database
        self.freshnessWait = freshnessWait
    }

    func folder(for collectionID: Int64) -> String {
        (directory as NSString).appendingPathComponent(String(collectionID))
    }

    func store(for collectionID: Int64) throws -> IndexGenerations {
        try lock.withLock {
            if let store = stores[collectionID] { return store }
            let store = try IndexGenerations(directory: folder(for: collectionID))
            stores[collectionID] = store
            return store
        }
    }

    /// The collection's index as published (nil when nothing was ever indexed), without asking
    /// the database whether it is current (maintenance commands; readers use `freshSnapshot`).
    /// A file that fails its checks is rebuilt from the database rather than served.
    public func snapshot(collectionID: Int64) async throws -> AnyVectorIndex? {
        try await published(collectionID: collectionID)?.index
    }

    /// The published snapshot with its sequence (reloaded from disk at most once a second).
    public func published(collectionID: Int64) async throws -> IndexGenerations.Snapshot? {
        let store = try store(for: collectionID)
        let now = Date()
        let due = lock.withLock {
            let due = now.timeIntervalSince(lastReload[collectionID] ?? .distantPast) > 1
            if due { lastReload[collectionID] = now }
            return due
        }
        do {
            return try due ? store.reload() : store.snapshot()
        } catch VectorIndexError.corruptFile {
            _ = try await rebuildToAnswer(collectionID: collectionID, store: store)
            return try store.snapshot()
        }
    }

    /// The index to read, caught up with every change committed before this call, or — when
    /// catching up takes longer than `freshnessWait` — the index as it is, with `stale` set.
    public func freshSnapshot(collectionID: Int64) async throws -> (index: AnyVectorIndex?, stale: Bool) {
        guard let committed = try await database.committedSequence(collectionID: collectionID) else {
            drop(collectionID: collectionID)
            return (nil, false)
        }
        if let current = try await published(collectionID: collectionID), current.sequence >= committed {
            return (current.index, false)
        }
        let caughtUp = await Self.within(freshnessWait) { [self] in
            // A catch-up already running may have read the log before `committed`: repeat until
            // past it — but not forever if the log cannot get it there (then it stays stale).
            var previous: Int64 = -1
            while true {
                let applied = try await catchUp(collectionID: collectionID)
                if applied >= committed { return true }
                if applied == previous { return false }
                previous = applied
            }
        }
        return (try store(for: collectionID).snapshot()?.index, !caughtUp)
    }

    /// Brings the collection's index up to its committed changes; returns the sequence it now
    /// reflects. One catch-up per collection runs at a time in this process (callers share it);
    /// several processes sharing a folder each publish on top of the others' generations.
    @discardableResult
    public func catchUp(collectionID: Int64) async throws -> Int64 {
        let task = lock.withLock {
            if let running = catchUps[collectionID] { return running }
            let task = Task { [self] in
                defer { lock.withLock { _ = catchUps.removeValue(forKey: collectionID) } }
                return try await replay(collectionID: collectionID)
            }
            catchUps[collectionID] = task
            return task
        }
        return try await task.value
    }

    private func replay(collectionID: Int64) async throws -> Int64 {
        let store = try store(for: collectionID)
        while true {
            var current: IndexGenerations.Snapshot?
            do {
                current = try store.reload()
            } catch VectorIndexError.corruptFile {
                current = nil
            }
            guard let current else {
                guard try await rebuildToAnswer(collectionID: collectionID, store: store) else { return 0 }
                continue
            }
            let page = try await database.chunkChanges(collectionID: collectionID, after: current.sequence, limit: Self.replayBatch)
            if current.sequence < page.floor {
                // The log was pruned past this index: rebuild, then replay what follows.
                guard try await rebuildToAnswer(collectionID: collectionID, store: store) else { return 0 }
                continue
            }
            guard let through = page.changes.last?.sequence else { return current.sequence }
            var added = Set<Int64>(), removed = Set<Int64>()
            for change in page.changes {
                for id in change.removed {
                    added.remove(id)
                    removed.insert(id)
                }
                added.formUnion(change.added)
            }
            // Vectors as stored now: a chunk removed since is skipped here and removed by its own change.
            let (ids, vectors) = try await database.chunkVectors(ids: added.sorted(), dimension: dimension)
            let delta = IndexDelta(added: ids, vectors: vectors, removed: removed.sorted())
            if try store.publish(delta: delta, dimension: dimension, sequence: through, onto: current.generation) != nil {
                compactInBackground(collectionID: collectionID, store: store)
            }
        }
    }

    /// A missing, unreadable or too old index rebuilt so it can answer at once: exact (flat, no
    /// training), and rebuilt as IVF in the background when it is big enough to want one.
    /// False when the collection does not exist.
    private func rebuildToAnswer(collectionID: Int64, store: IndexGenerations) async throws -> Bool {
        guard try await rebuild(collectionID: collectionID, kind: .flat) != nil else { return false }
        compactInBackground(collectionID: collectionID, store: store, rebalancing: true)
        return true
    }

    /// Folds a long delta chain into a full file (and, with `rebalancing`, turns an index that
    /// outgrew its kind into IVF), off the caller's path, one at a time per collection.
    private func compactInBackground(collectionID: Int64, store: IndexGenerations, rebalancing: Bool = false) {
        guard rebalancing || store.needsCompaction() else { return }
        let start = lock.withLock { compacting.insert(collectionID).inserted }
        guard start else { return }
        Task.detached(priority: .background) { [self] in
            defer { lock.withLock { _ = compacting.remove(collectionID) } }
            _ = try? store.compact(rebalancing: rebalancing)
        }
    }

    /// Makes the index hold exactly the collection's chunk ids in the database: adds the missing
    /// ones from their stored vectors and removes the others. Returns (added, removed).
    @discardableResult
    public func repair(collectionID: Int64) async throws -> (added: Int, removed: Int) {
        let store = try store(for: collectionID)
        while true {
            let current = try await published(collectionID: collectionID)
            let truth = Set(try await database.chunkIDs(collectionID: collectionID))
            let present = Set(current?.index.allIDs ?? [])
            let missing = Array(truth.subtracting(present)).sorted()
            let extra = Array(present.subtracting(truth)).sorted()
            guard !missing.isEmpty || !extra.isEmpty else { return (0, 0) }
            let (ids, vectors) = try await database.chunkVectors(ids: missing, dimension: dimension)
            let delta = IndexDelta(added: ids, vectors: vectors, removed: extra)
            if try store.publish(delta: delta, dimension: dimension, sequence: current?.sequence ?? 0, onto: current?.generation) != nil {
                return (ids.count, extra.count)
            }
        }
    }

    /// Recreates the collection's index from the database as `kind`, recording the sequence
    /// committed before the vectors were read (changes after it are replayed on top; replaying
    /// one the rebuild already saw is harmless). Nil when the collection does not exist.
    @discardableResult
    public func rebuild(collectionID: Int64, kind: AnyVectorIndex.Kind, nlist: Int? = nil) async throws -> AnyVectorIndex? {
        guard let sequence = try await database.committedSequence(collectionID: collectionID) else {
            drop(collectionID: collectionID)
            return nil
        }
        var ids: [Int64] = []
        var storage: [Float] = []
        try await database.forEachChunkVectorBatch(collectionID: collectionID, dimension: dimension) { batchIDs, vectors in
            ids += batchIDs
            storage += vectors
        }
        let index = try AnyVectorIndex.build(kind: kind, vectors: Matrix(rows: ids.count, cols: dimension, storage: storage),
                                             ids: ids, nlist: nlist)
        try store(for: collectionID).publish(index, sequence: sequence)
        return index
    }

    /// Deletes the collection's index files.
    public func drop(collectionID: Int64) {
        let store = lock.withLock { stores.removeValue(forKey: collectionID) }
        if let store {
            store.removeAll()
        } else {
            try? FileManager.default.removeItem(atPath: folder(for: collectionID))
        }
    }

    /// Collection ids that have an index folder here.
    public func localCollectionIDs() -> [Int64] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap { Int64($0) }.sorted()
    }

    /// Applies one notification from another server: catches up the named collection when this
    /// server holds its index, drops a deleted one's files, and after a reconnect checks every
    /// local index (deleting those whose collection is gone).
    public func follow(_ notification: ChangeNotification) async {
        switch notification {
        case .chunks(let collectionID, let sequence):
            guard localCollectionIDs().contains(collectionID),
                  let current = try? store(for: collectionID).snapshot(), current.sequence < sequence else { return }
            _ = try? await catchUp(collectionID: collectionID)
        case .dropped(let collectionID):
            drop(collectionID: collectionID)
        case .resynchronize:
            for collectionID in localCollectionIDs() {
                _ = try? await freshSnapshot(collectionID: collectionID)
            }
        }
    }

    /// Runs `work` and returns its answer if it comes within `limit`; past it (or when it
    /// throws), false, letting the work go on (it is shared with other callers and finishes for them).
    static func within(_ limit: Duration, _ work: @escaping @Sendable () async throws -> Bool) async -> Bool {
        let once = Once()
        return await withCheckedContinuation { continuation in
            let timer = Task {
                try? await Task.sleep(for: limit)
                if once.claim() { continuation.resume(returning: false) }
            }
            Task {
                let finished = (try? await work()) ?? false
                if once.claim() {
                    timer.cancel()
                    continuation.resume(returning: finished)
                }
            }
        }
    }
}

/// A flag claimed once, by whichever caller gets there first.
private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false
    func claim() -> Bool {
        lock.withLock {
            defer { claimed = true }
            return !claimed
        }
    }
}
