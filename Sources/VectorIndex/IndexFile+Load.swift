import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension IndexFile {
    /// What a file's header says, checked.
    public struct Header: Sendable, Equatable {
        public var kind: String
        public var dimension: Int
        public var count: Int
        public var nlist: Int
        public var generation: UInt64
        /// The change-log sequence number the index reflects (0: unknown or none).
        public var sequence: Int64
        public var payloadLength: Int
        public var checksum: UInt64
        var sections: [Range<Int>]
    }

    /// Maps `path` and returns the index it holds. Every structural field is validated, and
    /// with `verifyChecksum` (the default) every payload byte too, before anything is used;
    /// a truncated, foreign or corrupted file throws `VectorIndexError.corruptFile`.
    public static func load(_ path: String, verifyChecksum: Bool = true) throws -> (index: AnyVectorIndex, header: Header) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VectorIndexError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw VectorIndexError.io(path: path, reason: String(cString: strerror(errno))) }
        let size = Int(info.st_size)
        guard size >= headerSize else { throw VectorIndexError.corruptFile(path: path, reason: "\(size) bytes, shorter than the header") }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), mapping != MAP_FAILED else {
            throw VectorIndexError.io(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let owner = StorageOwner { munmap(mapping, size) }
        let base = UnsafeRawPointer(mapping)
        let header = try parseHeader(base, fileSize: size, path: path)
        if verifyChecksum {
            let payload = UnsafeRawBufferPointer(start: base + headerSize, count: header.payloadLength)
            guard StreamHasher.digest(payload) == header.checksum else {
                throw VectorIndexError.corruptFile(path: path, reason: "payload checksum mismatch")
            }
        }
        let index = try makeIndex(header, base: base, owner: owner, path: path)
        return (index, header)
    }

    /// Reads and validates only the header.
    public static func readHeader(_ path: String) throws -> Header {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw VectorIndexError.io(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        let data = handle.readData(ofLength: headerSize)
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        guard data.count == headerSize else { throw VectorIndexError.corruptFile(path: path, reason: "shorter than the header") }
        return try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { throw VectorIndexError.corruptFile(path: path, reason: "empty") }
            return try parseHeader(base, fileSize: size, path: path)
        }
    }

    static func parseHeader(_ base: UnsafeRawPointer, fileSize: Int, path: String) throws -> Header {
        func fail(_ reason: String) -> VectorIndexError { .corruptFile(path: path, reason: reason) }
        func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        func u64(_ offset: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        guard Array(UnsafeRawBufferPointer(start: base, count: 8)) == magic else { throw fail("not a NexTraction index file") }
        guard u32(8) == version else { throw fail("format version \(u32(8)), this build reads \(version)") }
        guard StreamHasher.digest(UnsafeRawBufferPointer(start: base, count: 248)) == u64(248) else {
            throw fail("header checksum mismatch")
        }
        let kind: String
        switch u32(12) {
        case 1: kind = "flat"
        case 2: kind = "ivf"
        case 3: kind = "delta"
        default: throw fail("unknown index kind \(u32(12))")
        }
        let dimension = Int(u32(16)), count = Int(u64(24)), nlist = Int(u64(32)), payload = Int(u64(48))
        guard dimension > 0, dimension <= 65_536, count >= 0, count < 1 << 40, nlist >= 0, nlist < 1 << 32 else {
            throw fail("implausible dimension \(dimension), count \(count) or nlist \(nlist)")
        }
        guard headerSize + payload == fileSize else {
            throw fail("payload of \(payload) bytes does not match a file of \(fileSize) bytes (truncated?)")
        }
        let expected: [Int]
        if kind == "flat" {
            expected = [count * 8, count * dimension * 4]
        } else if kind == "delta" {
            expected = [count * 8, count * dimension * 4, nlist * 8]
        } else {
            guard nlist > 0 else { throw fail("IVF file with no lists") }
            expected = [nlist * dimension * 4, (nlist + 1) * 8, count * 8, count * dimension * 4]
        }
        var sections: [Range<Int>] = []
        for (i, length) in expected.enumerated() {
            let offset = Int(u64(64 + 16 * i)), stored = Int(u64(72 + 16 * i))
            guard stored == length, offset % alignment == 0, offset >= headerSize, offset + length <= fileSize else {
                throw fail("section \(i) at \(offset) with \(stored) bytes does not fit (expected \(length))")
            }
            sections.append(offset..<(offset + length))
        }
        return Header(kind: kind, dimension: dimension, count: count, nlist: nlist, generation: u64(128),
                      sequence: Int64(bitPattern: u64(136)), payloadLength: payload, checksum: u64(56), sections: sections)
    }

    /// Reads a delta generation file (kind 3), checked like an index file.
    public static func loadDelta(_ path: String) throws -> (delta: IndexDelta, header: Header) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VectorIndexError.io(path: path, reason: "cannot read")
        }
        return try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { throw VectorIndexError.corruptFile(path: path, reason: "empty") }
            guard raw.count >= headerSize else { throw VectorIndexError.corruptFile(path: path, reason: "shorter than the header") }
            let header = try parseHeader(base, fileSize: raw.count, path: path)
            guard header.kind == "delta" else { throw VectorIndexError.corruptFile(path: path, reason: "not a delta file") }
            let payload = UnsafeRawBufferPointer(start: base + headerSize, count: header.payloadLength)
            guard StreamHasher.digest(payload) == header.checksum else {
                throw VectorIndexError.corruptFile(path: path, reason: "payload checksum mismatch")
            }
            func array<T>(_ section: Int, as: T.Type) -> [T] {
                let range = header.sections[section]
                return (0..<(range.count / MemoryLayout<T>.stride)).map {
                    base.loadUnaligned(fromByteOffset: range.lowerBound + $0 * MemoryLayout<T>.stride, as: T.self)
                }
            }
            let delta = IndexDelta(added: array(0, as: Int64.self), vectors: array(1, as: Float.self), removed: array(2, as: Int64.self))
            return (delta, header)
        }
    }

    static func makeIndex(_ header: Header, base: UnsafeRawPointer, owner: StorageOwner, path: String) throws -> AnyVectorIndex {
        guard header.kind != "delta" else { throw VectorIndexError.corruptFile(path: path, reason: "a delta file, not an index") }
        func view<T>(_ section: Int, as: T.Type) -> StoredArray<T> {
            let range = header.sections[section]
            return StoredArray(viewing: (base + range.lowerBound).assumingMemoryBound(to: T.self),
                               count: range.count / MemoryLayout<T>.stride, owner: owner)
        }
        if header.kind == "flat" {
            let segment = FlatSegment(vectors: view(1, as: Float.self), ids: view(0, as: Int64.self))
            return .flat(FlatIndex(dimension: header.dimension, segments: header.count > 0 ? [segment] : []))
        }
        let offsets = view(1, as: Int64.self)
        guard offsets[0] == 0, offsets[header.nlist] == Int64(header.count) else {
            throw VectorIndexError.corruptFile(path: path, reason: "inverted-list offsets do not cover the vectors")
        }
        for list in 0..<header.nlist where offsets[list] > offsets[list + 1] {
            throw VectorIndexError.corruptFile(path: path, reason: "inverted-list offsets decrease at list \(list)")
        }
        let segment = IVFSegment(offsets: offsets, ids: view(2, as: Int64.self), vectors: view(3, as: Float.self))
        return .ivf(IVFIndex(dimension: header.dimension, centroids: view(0, as: Float.self),
                             segments: header.count > 0 ? [segment] : []))
    }
}
