import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The on-disk form of an index generation.
///
/// Layout (little-endian): a 256-byte header, then sections at 64-byte-aligned offsets.
///
///     0   magic "NXVINDEX"          48  payload length (bytes after the header)
///     8   version (u32) = 1         56  payload checksum (StreamHasher)
///     12  kind (u32) 1 flat, 2 ivf  64  up to 4 sections: (offset u64, length u64)
///     16  dimension (u32)           128 generation (u64), caller's metadata
///     24  count (u64)               136 change sequence (u64) the index reflects
///     32  nlist (u64, 0 for flat)   248 header checksum over bytes 0..<248
///
/// Flat sections: ids (count × i64), vectors (count × d × f32).
/// IVF sections: centroids (nlist × d × f32), list offsets ((nlist + 1) × i64), ids, vectors
/// (grouped by list). Segments are merged on write, so a loaded index has one segment.
///
/// Files are written to a temporary name, fsynced and renamed into place (then the folder is
/// fsynced): a reader sees the old file or the new one, never a torn one. Loading maps the
/// file read-only; the index's arrays point into the mapping, which lives as long as they do.
public enum IndexFile {
    static let magic: [UInt8] = Array("NXVINDEX".utf8)
    static let version: UInt32 = 1
    public static let headerSize = 256
    static let alignment = 64

    /// Writes `index` to `path` atomically; returns the bytes written.
    @discardableResult
    public static func write(_ index: AnyVectorIndex, to path: String, generation: UInt64 = 0, sequence: Int64 = 0) throws -> Int {
        let fields: HeaderFields
        switch index {
        case .flat(let flat):
            fields = HeaderFields(kind: 1, dimension: flat.dimension, count: index.count, nlist: 0, generation: generation, sequence: sequence)
        case .ivf(let ivf):
            fields = HeaderFields(kind: 2, dimension: ivf.dimension, count: index.count, nlist: ivf.nlist, generation: generation, sequence: sequence)
        }
        return try write(sections: try payloadSections(of: index), fields: fields, to: path)
    }

    /// Writes `delta` (a delta generation: vectors added, ids removed) to `path` atomically;
    /// returns the bytes written. Kind 3; the nlist field holds the number of removed ids.
    @discardableResult
    public static func write(_ delta: IndexDelta, dimension: Int, to path: String, generation: UInt64, sequence: Int64) throws -> Int {
        precondition(delta.vectors.count == delta.added.count * dimension, "one vector per added id")
        let added = StoredArray(delta.added), vectors = StoredArray(delta.vectors), removed = StoredArray(delta.removed)
        func section<T>(_ array: StoredArray<T>) -> Section {
            Section(bytes: UnsafeRawPointer(array.pointer), count: array.count * MemoryLayout<T>.stride, keepAlive: array.owner)
        }
        let fields = HeaderFields(kind: 3, dimension: dimension, count: delta.added.count, nlist: delta.removed.count,
                                  generation: generation, sequence: sequence)
        return try withExtendedLifetime((added, vectors, removed)) {
            try write(sections: [section(added), section(vectors), section(removed)], fields: fields, to: path)
        }
    }

    /// What the header says besides the layout.
    struct HeaderFields {
        var kind: UInt32
        var dimension: Int
        var count: Int
        var nlist: Int
        var generation: UInt64
        var sequence: Int64
    }

    static func write(sections: [Section], fields: HeaderFields, to path: String) throws -> Int {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VectorIndexError.io(path: temporary, reason: String(cString: strerror(errno))) }
        var committed = false
        defer {
            if !committed { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            var hasher = StreamHasher()
            var table: [(UInt64, UInt64)] = []
            var position = headerSize
            try writeAll(fd, [UInt8](repeating: 0, count: headerSize), path: temporary)
            for section in sections {
                let padding = (alignment - position % alignment) % alignment
                if padding > 0 {
                    let zeros = [UInt8](repeating: 0, count: padding)
                    try writeAll(fd, zeros, path: temporary)
                    hasher.update(zeros: padding)
                    position += padding
                }
                table.append((UInt64(position), UInt64(section.count)))
                if section.count > 0 {
                    try writeAll(fd, section.bytes, count: section.count, path: temporary)
                    hasher.update(UnsafeRawBufferPointer(start: section.bytes, count: section.count))
                }
                position += section.count
            }
            let header = makeHeader(fields, payloadLength: UInt64(position - headerSize), checksum: hasher.finalize(), sections: table)
            guard header.withUnsafeBytes({ pwrite(fd, $0.baseAddress, headerSize, 0) }) == headerSize, fsync(fd) == 0 else {
                throw VectorIndexError.io(path: temporary, reason: String(cString: strerror(errno)))
            }
            try IndexFaults.reach(.beforeRename)
            guard rename(temporary, path) == 0 else {
                throw VectorIndexError.io(path: path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
            committed = true
            try IndexFaults.reach(.beforeDirectorySync)
            syncDirectory(directory.isEmpty ? "." : directory)
            return position
        }
    }

    /// A section to write: raw bytes kept alive by the index being written.
    struct Section {
        let bytes: UnsafeRawPointer
        let count: Int
        let keepAlive: Any
    }

    static func payloadSections(of index: AnyVectorIndex) throws -> [Section] {
        func section<T>(_ array: StoredArray<T>) -> Section {
            Section(bytes: UnsafeRawPointer(array.pointer), count: array.count * MemoryLayout<T>.stride, keepAlive: array.owner)
        }
        switch index {
        case .flat(let flat):
            let merged = flat.segments.count == 1 && flat.tombstones.isEmpty
                ? flat.segments[0] : FlatSegment.merging(flat.segments, dimension: flat.dimension, excluding: flat.tombstones)
            return [section(merged.ids), section(merged.vectors)]
        case .ivf(let ivf):
            guard let centroids = ivf.centroids else { throw VectorIndexError.notTrained }
            var merged = ivf.segments.count == 1 ? ivf.segments[0] : IVFSegment.merging(ivf.segments, nlist: ivf.nlist, dimension: ivf.dimension)
            if !ivf.tombstones.isEmpty { merged = merged.removing(ivf.tombstones, nlist: ivf.nlist, dimension: ivf.dimension).0 }
            return [section(centroids), section(merged.offsets), section(merged.ids), section(merged.vectors)]
        }
    }

    static func makeHeader(_ fields: HeaderFields, payloadLength: UInt64, checksum: UInt64, sections: [(UInt64, UInt64)]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: headerSize)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { bytes in
                for (i, byte) in bytes.enumerated() { header[offset + i] = byte }
            }
        }
        for (i, byte) in magic.enumerated() { header[i] = byte }
        put(version, at: 8)
        put(fields.kind, at: 12)
        put(UInt32(fields.dimension), at: 16)
        put(UInt64(fields.nlist), at: 32)
        put(UInt64(fields.count), at: 24)
        put(payloadLength, at: 48)
        put(checksum, at: 56)
        for (i, entry) in sections.enumerated() {
            put(entry.0, at: 64 + 16 * i)
            put(entry.1, at: 72 + 16 * i)
        }
        put(fields.generation, at: 128)
        put(fields.sequence, at: 136)
        let headerChecksum = header.withUnsafeBytes { StreamHasher.digest(UnsafeRawBufferPointer(rebasing: $0[0..<248])) }
        put(headerChecksum, at: 248)
        return header
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            try writeAll(fd, base, count: raw.count, path: path)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, count: Int, path: String) throws {
        var offset = 0
        while offset < count {
            let written = Glibc.write(fd, bytes + offset, min(count - offset, 1 << 26))
            if written < 0 {
                if errno == EINTR { continue }
                throw VectorIndexError.io(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
