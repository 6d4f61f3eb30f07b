import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A folder of index generations (`gen-000000000007.nxi`, …) with one published snapshot.
///
/// The write path and the read path are separate (after tantivy): a writer builds the next
/// index value and `publish`es it — the file is written beside the others and renamed into
/// place, then the in-memory snapshot is swapped. Readers take `snapshot()` (a value over
/// immutable storage) and keep searching it for as long as they like, even after newer
/// generations are published or older files deleted (the mapping outlives the file name).
/// A crash mid-publish leaves at most a stray temporary file, never a torn generation.
///
/// Thread-safe. Publishing is serialised across processes with an `flock` on `.lock`.
public final class IndexGenerations: @unchecked Sendable {
    public let directory: String
    /// How many published files to keep (the newest ones).
    public let keep: Int
    private let lock = NSLock()
    private var current: Snapshot?

    /// A published index and its generation number.
    public struct Snapshot: Sendable {
        public let generation: UInt64
        public let index: AnyVectorIndex
    }

    public init(directory: String, keep: Int = 2) throws {
        self.directory = directory
        self.keep = max(1, keep)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw VectorIndexError.io(path: directory, reason: "\(error)")
        }
    }

    /// The generation numbers present on disk, ascending.
    public func generationsOnDisk() -> [UInt64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap(Self.generation(fromFileName:)).sorted()
    }

    /// The current snapshot, loading the newest generation from disk on first use.
    /// Returns nil when nothing was ever published; throws when the newest file is unusable.
    public func snapshot() throws -> Snapshot? {
        lock.lock()
        let cached = current
        lock.unlock()
        if let cached { return cached }
        return try reload()
    }

    /// Loads the newest generation on disk if it is newer than the snapshot (another process
    /// may have published it) and returns the resulting snapshot.
    @discardableResult
    public func reload() throws -> Snapshot? {
        guard let newest = generationsOnDisk().last else { return nil }
        lock.lock()
        if let current, current.generation >= newest {
            lock.unlock()
            return current
        }
        lock.unlock()
        let loaded = try IndexFile.load(path(for: newest))
        let snapshot = Snapshot(generation: newest, index: loaded.index)
        lock.lock()
        defer { lock.unlock() }
        if let current, current.generation >= newest { return current }
        current = snapshot
        return snapshot
    }

    /// Writes `index` as the next generation, makes it the snapshot and prunes old files.
    @discardableResult
    public func publish(_ index: AnyVectorIndex) throws -> Snapshot {
        try update { _ in index }
    }

    /// Read–modify–publish under the cross-process lock: `transform` receives the newest
    /// published index (reloaded from disk if another process published since) or nil, and
    /// returns the next generation. Concurrent writers in several processes therefore each
    /// apply their own changes on top of the others' instead of overwriting them.
    @discardableResult
    public func update(_ transform: (AnyVectorIndex?) throws -> AnyVectorIndex) throws -> Snapshot {
        let lockPath = (directory as NSString).appendingPathComponent(".lock")
        let lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw VectorIndexError.io(path: lockPath, reason: String(cString: strerror(errno))) }
        defer { close(lockFD) }
        flock(lockFD, LOCK_EX)
        defer { flock(lockFD, LOCK_UN) }

        let base = try reload()
        let index = try transform(base?.index)
        let next = (generationsOnDisk().last ?? 0) + 1
        try IndexFile.write(index, to: path(for: next), generation: next)
        let snapshot = Snapshot(generation: next, index: index)
        lock.lock()
        current = snapshot
        lock.unlock()
        for old in generationsOnDisk().dropLast(keep) {
            unlink(path(for: old))
        }
        return snapshot
    }

    /// Deletes every generation and the folder (the collection is gone).
    public func removeAll() {
        lock.lock()
        current = nil
        lock.unlock()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Forgets the in-memory snapshot (the next `snapshot()` reloads from disk).
    public func invalidate() {
        lock.lock()
        current = nil
        lock.unlock()
    }

    public func path(for generation: UInt64) -> String {
        (directory as NSString).appendingPathComponent(String(format: "gen-%012llu.nxi", generation))
    }

    static func generation(fromFileName name: String) -> UInt64? {
        guard name.hasPrefix("gen-"), name.hasSuffix(".nxi") else { return nil }
        return UInt64(name.dropFirst(4).dropLast(4))
    }
}
