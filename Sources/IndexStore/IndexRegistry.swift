import Foundation
import NexNumerics
import Storage
import VectorIndex

/// The vector index of every collection: one folder of generations per collection under
/// `<data dir>/index/<collection id>/`, derived from the database and repairable from it.
///
/// Readers call `snapshot` (cheap; picks up generations published by other processes at most
/// once a second). Writers call `apply` with whole pages' worth of changes, which publishes
/// a new generation under the folder's cross-process lock. The database stays the source of truth:
/// `repair` makes an index hold exactly the collection's chunk ids again, and `rebuild`
/// recreates it from the stored vectors.
public final class IndexRegistry: @unchecked Sendable {
    public let directory: String
    public let dimension: Int
    let database: any DocumentStore
    private let lock = NSLock()
    private var stores: [Int64: IndexGenerations] = [:]
    private var lastReload: [Int64: Date] = [:]

    public init(directory: String, dimension: Int, database: any DocumentStore) {
        self.directory = directory
        self.dimension = dimension
        self.database = database
    }

    func store(for collectionID: Int64) throws -> IndexGenerations {
        lock.lock()
        defer { lock.unlock() }
        if let store = stores[collectionID] { return store }
        let store = try IndexGenerations(directory: (directory as NSString).appendingPathComponent(String(collectionID)))
        stores[collectionID] = store
        return store
    }

    /// The collection's current index (nil when nothing was ever indexed). A file that fails
    /// its checks is rebuilt from the database rather than served.
    public func snapshot(collectionID: Int64) async throws -> AnyVectorIndex? {
        let store = try store(for: collectionID)
        let now = Date()
        let due = lock.withLock {
            let due = now.timeIntervalSince(lastReload[collectionID] ?? .distantPast) > 1
            if due { lastReload[collectionID] = now }
            return due
        }
        do {
            return try (due ? store.reload() : store.snapshot())?.index
        } catch VectorIndexError.corruptFile {
            return try await rebuild(collectionID: collectionID, kind: .automatic)
        }
    }

    /// Publishes a generation that removes `removed` and adds `added` (with their vectors,
    /// row-major) — a whole batch of pages at once — and rebalances the index kind if the
    /// collection outgrew it.
    public func apply(collectionID: Int64, removed: [Int64], added: [Int64], vectors: [Float]) throws {
        guard !removed.isEmpty || !added.isEmpty else { return }
        precondition(vectors.count == added.count * dimension, "one vector per added id")
        try store(for: collectionID).update { current in
            var index = current ?? .flat(FlatIndex(dimension: dimension))
            if !removed.isEmpty { try index.remove(Set(removed)) }
            if !added.isEmpty {
                // Re-adding an id (a page re-stored in the same batch) replaces it.
                try index.remove(Set(added))
                try index.add(Matrix(rows: added.count, cols: dimension, storage: vectors), ids: added)
            }
            return try index.rebalanced()
        }
    }

    /// Makes the index hold exactly the collection's chunk ids in the database: adds the missing
    /// ones from their stored vectors and removes the others. Returns (added, removed).
    @discardableResult
    public func repair(collectionID: Int64) async throws -> (added: Int, removed: Int) {
        let truth = Set(try await database.chunkIDs(collectionID: collectionID))
        let current = Set(try await snapshot(collectionID: collectionID)?.allIDs ?? [])
        let missing = Array(truth.subtracting(current)).sorted()
        let extra = Array(current.subtracting(truth))
        guard !missing.isEmpty || !extra.isEmpty else { return (0, 0) }
        let (ids, vectors) = try await database.chunkVectors(ids: missing, dimension: dimension)
        try apply(collectionID: collectionID, removed: extra, added: ids, vectors: vectors)
        return (ids.count, extra.count)
    }

    /// Recreates the collection's index from the database as `kind`.
    @discardableResult
    public func rebuild(collectionID: Int64, kind: AnyVectorIndex.Kind, nlist: Int? = nil) async throws -> AnyVectorIndex {
        var ids: [Int64] = []
        var storage: [Float] = []
        try await database.forEachChunkVectorBatch(collectionID: collectionID, dimension: dimension) { batchIDs, vectors in
            ids += batchIDs
            storage += vectors
        }
        let index = try AnyVectorIndex.build(kind: kind, vectors: Matrix(rows: ids.count, cols: dimension, storage: storage),
                                             ids: ids, nlist: nlist)
        try store(for: collectionID).update { _ in index }
        return index
    }

    /// Deletes the collection's index files.
    public func drop(collectionID: Int64) {
        lock.lock()
        let store = stores.removeValue(forKey: collectionID)
        lock.unlock()
        if let store {
            store.removeAll()
        } else {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(String(collectionID)))
        }
    }
}
