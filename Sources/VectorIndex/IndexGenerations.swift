import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A folder of index generations with one published snapshot: full files (`gen-N.nxi`, the
/// whole index as of generation N) and delta files (`delta-N.nxd`, what generation N changed
/// on top of N − 1: vectors added, ids removed).
///
/// The write path and the read path are separate (after tantivy and Lucene's segments): a
/// writer publishes a change as one small delta file — its cost follows the change, not the
/// collection — and `compact` folds the deltas into a new full file from a snapshot, without
/// holding the writers' lock (a full file of generation G holds exactly what the chain up to G
/// holds, so deltas published meanwhile stay valid on top of it). Generation N is loaded as the
/// newest full file ≤ N plus the deltas after it. Every file is written under a temporary name,
/// fsynced and renamed: a crash at any point leaves the previous generation loadable.
///
/// Readers take `snapshot()` (a value over immutable storage) and keep searching it for as long
/// as they like, even after newer generations are published or older files deleted (a mapping
/// outlives its file name). Each generation also records the change-log sequence it reflects.
///
/// Thread-safe. Publishing is serialised across processes with an `flock` on `.lock`.
public final class IndexGenerations: @unchecked Sendable {
    public let directory: String
    /// How many full files to keep (the newest ones, with the deltas that follow them).
    public let keep: Int
    private let lock = NSLock()
    private var current: Snapshot?

    /// A published index, its generation, and the change-log sequence it reflects.
    public struct Snapshot: Sendable {
        public let generation: UInt64
        public let sequence: Int64
        public let index: AnyVectorIndex
        /// The full file this snapshot rests on, and the bytes of delta files since it.
        public let base: UInt64
        public let baseBytes: Int
        public let deltaBytes: Int
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

    /// Generation numbers of the full files and of the delta files on disk, ascending.
    public func files() -> (full: [UInt64], deltas: [UInt64]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return (names.compactMap { Self.number(in: $0, prefix: "gen-", suffix: ".nxi") }.sorted(),
                names.compactMap { Self.number(in: $0, prefix: "delta-", suffix: ".nxd") }.sorted())
    }

    /// Every generation number present on disk (full or delta), ascending.
    public func generationsOnDisk() -> [UInt64] {
        let (full, deltas) = files()
        return Array(Set(full + deltas)).sorted()
    }

    /// The current snapshot, loading the newest generation from disk on first use.
    /// Returns nil when nothing was ever published; throws when the newest is unusable.
    public func snapshot() throws -> Snapshot? {
        if let cached = lock.withLock({ current }) { return cached }
        return try reload()
    }

    /// Loads the newest generation on disk if it is newer than the snapshot (another process
    /// may have published it) and returns the resulting snapshot. Deltas on top of the
    /// snapshot are applied to it; otherwise the chain is loaded from its full file.
    @discardableResult
    public func reload() throws -> Snapshot? {
        var attempt = 0
        while true {
            do {
                return try reloadOnce()
            } catch VectorIndexError.io(let path, let reason) {
                // Another process pruned a file of the chain while it was read: list again.
                attempt += 1
                if attempt >= 3 || FileManager.default.fileExists(atPath: path) { throw VectorIndexError.io(path: path, reason: reason) }
            }
        }
    }

    private func reloadOnce() throws -> Snapshot? {
        let (full, deltas) = files()
        guard let newest = (full + deltas).max() else { return nil }
        let known = lock.withLock { current }
        if let known, known.generation >= newest { return known }
        let deltaSet = Set(deltas)
        var loaded: Snapshot
        if let known, (known.generation + 1...newest).allSatisfy(deltaSet.contains) {
            loaded = known
        } else {
            let chained = full.reversed().first { base in
                base <= newest && (base == newest || (base + 1...newest).allSatisfy(deltaSet.contains))
            }
            guard let base = chained else {
                throw VectorIndexError.corruptFile(path: directory, reason: "no full index file starts the chain to generation \(newest)")
            }
            let (index, header) = try IndexFile.load(path(for: base))
            loaded = Snapshot(generation: base, sequence: header.sequence, index: index, base: base,
                              baseBytes: IndexFile.headerSize + header.payloadLength, deltaBytes: 0)
        }
        while loaded.generation < newest {
            let next = loaded.generation + 1
            let (delta, header) = try IndexFile.loadDelta(deltaPath(for: next))
            loaded = Snapshot(generation: next, sequence: header.sequence, index: try loaded.index.applying(delta), base: loaded.base,
                              baseBytes: loaded.baseBytes, deltaBytes: loaded.deltaBytes + IndexFile.headerSize + header.payloadLength)
        }
        return lock.withLock {
            if let current, current.generation >= loaded.generation { return current }
            current = loaded
            return loaded
        }
    }

    /// Writes `index` as the next generation (a full file), makes it the snapshot and prunes.
    /// Reads nothing first, so it also replaces a folder whose newest file is unusable. Without
    /// a `sequence`, the generation keeps the current snapshot's.
    @discardableResult
    public func publish(_ index: AnyVectorIndex, sequence: Int64? = nil) throws -> Snapshot {
        try withWriterLock {
            let next = (generationsOnDisk().last ?? 0) + 1
            return try writeFull(index, generation: next, sequence: sequence ?? lock.withLock { current?.sequence } ?? 0)
        }
    }

    /// Writes `index` as the full file of `generation`, makes it the snapshot and prunes what
    /// it makes redundant (the caller holds the writer lock).
    private func writeFull(_ index: AnyVectorIndex, generation: UInt64, sequence: Int64) throws -> Snapshot {
        let bytes = try IndexFile.write(index, to: path(for: generation), generation: generation, sequence: sequence)
        let snapshot = Snapshot(generation: generation, sequence: sequence, index: index, base: generation, baseBytes: bytes, deltaBytes: 0)
        lock.withLock { current = snapshot }
        try IndexFaults.reach(.beforePrune)
        prune()
        return snapshot
    }

    /// Publishes `delta` as the next generation on top of generation `expected` (the one the
    /// caller read before computing it), recording `sequence`. Returns nil, publishing nothing,
    /// when the newest generation on disk is no longer `expected` (another process published:
    /// reload and compute again). The first generation of a folder is written as a full file,
    /// and so is one whose index outgrew its kind (`rebalanced`, unless `rebalance` is false:
    /// a kind chosen on purpose), right after its delta.
    public func publish(delta: IndexDelta, dimension: Int, sequence: Int64, onto expected: UInt64?,
                        rebalance: Bool = true) throws -> (snapshot: Snapshot, bytes: Int)? {
        try withWriterLock {
            guard generationsOnDisk().last == expected else { return nil }
            let base = try reload()
            guard base?.generation == expected else { return nil }
            let next = (expected ?? 0) + 1
            guard let base else {
                let grown = try AnyVectorIndex.flat(FlatIndex(dimension: dimension)).applying(delta)
                let snapshot = try writeFull(rebalance ? try grown.rebalanced() : grown, generation: next, sequence: sequence)
                return (snapshot, snapshot.baseBytes)
            }
            let index = try base.index.applying(delta)
            let bytes = try IndexFile.write(delta, dimension: dimension, to: deltaPath(for: next), generation: next, sequence: sequence)
            let snapshot = Snapshot(generation: next, sequence: sequence, index: index, base: base.base, baseBytes: base.baseBytes,
                                    deltaBytes: base.deltaBytes + bytes)
            lock.withLock { current = snapshot }
            if rebalance && index.needsRebalance {
                return (try writeFull(try index.rebalanced(), generation: next, sequence: sequence), bytes)
            }
            return (snapshot, bytes)
        }
    }

    /// Whether the deltas since the last full file are worth folding in: more bytes than a
    /// quarter of it (so every vector is rewritten O(1) times amortised) and than a floor
    /// (small indexes load a few deltas at no cost), or a long chain.
    public func needsCompaction() -> Bool {
        guard let snapshot = lock.withLock({ current }) else { return false }
        let chain = Int(snapshot.generation - snapshot.base)
        return chain > 0 && ((snapshot.deltaBytes > snapshot.baseBytes / 4 && snapshot.deltaBytes > Self.compactionFloor) || chain > 256)
    }

    /// Delta bytes below which no compaction is due (about 650 vectors of 384 floats).
    static let compactionFloor = 1 << 20

    /// Writes the current snapshot as a full file of its generation — with `rebalancing`, rebuilt
    /// as IVF first if it outgrew its kind (a big index rebuilt flat to answer at once) — and
    /// prunes what it makes redundant. Runs beside writers and readers: it holds the
    /// cross-process lock only to prune. Returns the bytes written (0: nothing to do).
    @discardableResult
    public func compact(rebalancing: Bool = false) throws -> Int {
        guard let snapshot = try reload() else { return 0 }
        let rebuilt = rebalancing && snapshot.index.needsRebalance
        guard rebuilt || snapshot.generation > snapshot.base else { return 0 }
        let index = rebuilt ? try snapshot.index.rebalanced() : snapshot.index
        let bytes = try IndexFile.write(index, to: path(for: snapshot.generation), generation: snapshot.generation,
                                        sequence: snapshot.sequence)
        lock.withLock {
            guard let now = current else { return }
            if now.generation == snapshot.generation {
                current = Snapshot(generation: now.generation, sequence: now.sequence, index: index, base: now.generation,
                                   baseBytes: bytes, deltaBytes: 0)
            } else if rebuilt {
                // Deltas published meanwhile went onto the old kind: the next read loads the new
                // full file and replays them onto it.
                current = nil
            } else if now.base < snapshot.generation {
                // Deltas published meanwhile now rest on the new full file.
                var after = 0
                for generation in (snapshot.generation + 1)...now.generation {
                    after += (try? FileManager.default.attributesOfItem(atPath: deltaPath(for: generation))[.size] as? Int) ?? 0
                }
                current = Snapshot(generation: now.generation, sequence: now.sequence, index: now.index, base: snapshot.generation,
                                   baseBytes: bytes, deltaBytes: after)
            }
        }
        try IndexFaults.reach(.beforePrune)
        try withWriterLock { prune() }
        return bytes
    }

    /// Deletes every generation and the folder (the collection is gone).
    public func removeAll() {
        lock.withLock { current = nil }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Forgets the in-memory snapshot (the next `snapshot()` reloads from disk).
    public func invalidate() {
        lock.withLock { current = nil }
    }

    public func path(for generation: UInt64) -> String {
        (directory as NSString).appendingPathComponent(String(format: "gen-%012llu.nxi", generation))
    }

    public func deltaPath(for generation: UInt64) -> String {
        (directory as NSString).appendingPathComponent(String(format: "delta-%012llu.nxd", generation))
    }

    /// Runs `body` holding the folder's cross-process lock.
    private func withWriterLock<T>(_ body: () throws -> T) throws -> T {
        let lockPath = (directory as NSString).appendingPathComponent(".lock")
        let lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw VectorIndexError.io(path: lockPath, reason: String(cString: strerror(errno))) }
        defer { close(lockFD) }
        flock(lockFD, LOCK_EX)
        defer { flock(lockFD, LOCK_UN) }
        return try body()
    }

    /// Keeps the newest `keep` full files and the deltas after the oldest of them; deletes the rest.
    private func prune() {
        let (full, deltas) = files()
        guard full.count >= 1 else { return }
        let oldestKept = full.suffix(keep).first ?? 0
        for generation in full where generation < oldestKept { unlink(path(for: generation)) }
        for generation in deltas where generation <= oldestKept { unlink(deltaPath(for: generation)) }
    }

    static func number(in name: String, prefix: String, suffix: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        return UInt64(name.dropFirst(prefix.count).dropLast(suffix.count))
    }
}
