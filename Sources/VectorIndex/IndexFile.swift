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
///     24  count (u64)               248 header checksum over bytes 0..<248
///     32  nlist (u64, 0 for flat)
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
    static let headerSize = 256
    static let alignment = 64

    /// Writes `index` to `path` atomically; returns the bytes written.
    @discardableResult
    public static func write(_ index: AnyVectorIndex, to path: String, generation: UInt64 = 0) throws -> Int {
        let sections = try payloadSections(of: index)
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
                try writeAll(fd, section.bytes, count: section.count, path: temporary)
                hasher.update(UnsafeRawBufferPointer(start: section.bytes, count: section.count))
                position += section.count
            }
            let header = makeHeader(index: index, generation: generation, payloadLength: UInt64(position - headerSize),
                                    checksum: hasher.finalize(), sections: table)
            guard header.withUnsafeBytes({ pwrite(fd, $0.baseAddress, headerSize, 0) }) == headerSize, fsync(fd) == 0 else {
                throw VectorIndexError.io(path: temporary, reason: String(cString: strerror(errno)))
            }
            guard rename(temporary, path) == 0 else {
                throw VectorIndexError.io(path: path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
            committed = true
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
            let merged = flat.segments.count == 1 ? flat.segments[0] : FlatSegment.merging(flat.segments, dimension: flat.dimension)
            return [section(merged.ids), section(merged.vectors)]
        case .ivf(let ivf):
            guard let centroids = ivf.centroids else { throw VectorIndexError.notTrained }
            let merged = ivf.segments.count == 1 ? ivf.segments[0] : IVFSegment.merging(ivf.segments, nlist: ivf.nlist, dimension: ivf.dimension)
            return [section(centroids), section(merged.offsets), section(merged.ids), section(merged.vectors)]
        }
    }

    static func makeHeader(index: AnyVectorIndex, generation: UInt64, payloadLength: UInt64, checksum: UInt64, sections: [(UInt64, UInt64)]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: headerSize)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { bytes in
                for (i, byte) in bytes.enumerated() { header[offset + i] = byte }
            }
        }
        for (i, byte) in magic.enumerated() { header[i] = byte }
        put(version, at: 8)
        switch index {
        case .flat(let flat):
            put(UInt32(1), at: 12)
            put(UInt32(flat.dimension), at: 16)
        case .ivf(let ivf):
            put(UInt32(2), at: 12)
            put(UInt32(ivf.dimension), at: 16)
            put(UInt64(ivf.nlist), at: 32)
        }
        put(UInt64(index.count), at: 24)
        put(payloadLength, at: 48)
        put(checksum, at: 56)
        for (i, entry) in sections.enumerated() {
            put(entry.0, at: 64 + 16 * i)
            put(entry.1, at: 72 + 16 * i)
        }
        put(generation, at: 128)
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
