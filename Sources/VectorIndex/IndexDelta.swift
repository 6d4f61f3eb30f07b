import NexNumerics

/// The change between two generations of an index: vectors added (with their ids, row-major)
/// and ids removed. Published as a small file of its own instead of rewriting the index.
public struct IndexDelta: Sendable, Equatable {
    public var added: [Int64]
    public var vectors: [Float]
    public var removed: [Int64]

    public init(added: [Int64] = [], vectors: [Float] = [], removed: [Int64] = []) {
        self.added = added
        self.vectors = vectors
        self.removed = removed
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty }
}

extension AnyVectorIndex {
    /// This index with `delta` applied: removed ids go, added ids are (re)placed with their vectors.
    public func applying(_ delta: IndexDelta) throws -> AnyVectorIndex {
        var index = self
        var doomed = Set(delta.removed)
        // Re-adding an id (a chunk id SQLite reused, a page re-stored) replaces it.
        doomed.formUnion(delta.added)
        if !doomed.isEmpty { try index.remove(doomed) }
        if !delta.added.isEmpty {
            try index.add(Matrix(rows: delta.added.count, cols: dimension, storage: delta.vectors), ids: delta.added)
        }
        return index
    }
}

/// Points in publishing and merging where a test can make the writer fail as if the process
/// died there (fault injection: no sleeps, every step reached deterministically).
public enum IndexFaults {
    public enum Point: String, Sendable, CaseIterable {
        /// The new file is written and synced under its temporary name.
        case beforeRename
        /// The new file has its final name; the folder is not yet synced.
        case beforeDirectorySync
        /// A generation is published; older files are not yet pruned.
        case beforePrune
    }

    public struct Crash: Error, Equatable {
        public let point: Point
        public init(point: Point) { self.point = point }
    }

    /// Called at each point; throwing stops the writer there. Task-local, so parallel tests
    /// each inject their own.
    @TaskLocal public static var hook: (@Sendable (Point) throws -> Void)?

    static func reach(_ point: Point) throws {
        try hook?(point)
    }
}
