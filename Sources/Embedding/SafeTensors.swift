import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A memory-mapped `.safetensors` checkpoint, parsed by us.
///
/// Layout: 8 bytes little-endian header length N, N bytes of JSON
/// (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`), then
/// the raw little-endian tensor bytes; offsets are relative to the end of the header. Every
/// entry is validated (dtype known, shape × element size = byte range, range inside the file)
/// before any tensor is read. The mapping is read-only and released on `deinit`.
public final class SafeTensorsFile: @unchecked Sendable {
    public struct Tensor: Sendable, Equatable {
        public var dtype: String
        public var shape: [Int]
        /// Byte range inside the data section.
        public var range: Range<Int>
    }

    public let path: String
    public let tensors: [String: Tensor]
    private let mapping: UnsafeMutableRawPointer
    private let length: Int
    private let dataStart: Int

    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
    ]

    public init(path: String) throws {
        #if _endian(big)
        throw EmbeddingError.unsupportedPlatform("safetensors data is little-endian; this machine is big-endian")
        #endif
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw EmbeddingError.missingFile(path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw EmbeddingError.missingFile(path) }
        let length = Int(info.st_size)
        guard length >= 8 else { throw EmbeddingError.invalidSafetensors(path: path, reason: "file is \(length) bytes, too short for a header") }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw EmbeddingError.invalidSafetensors(path: path, reason: "mmap failed (errno \(errno))")
        }
        do {
            let headerLength = Int(UInt64(littleEndian: mapped.loadUnaligned(as: UInt64.self)))
            guard headerLength > 1, headerLength <= 100 << 20, 8 + headerLength <= length else {
                throw EmbeddingError.invalidSafetensors(path: path, reason: "header length \(headerLength) does not fit a \(length)-byte file")
            }
            let headerData = Data(bytes: mapped + 8, count: headerLength)
            let dataLength = length - 8 - headerLength
            self.tensors = try Self.parseHeader(headerData, dataLength: dataLength, path: path)
            self.mapping = mapped
            self.length = length
            self.dataStart = 8 + headerLength
        } catch {
            munmap(mapped, length)
            throw error
        }
    }

    deinit { munmap(mapping, length) }

    /// The tensor `name` as F32 values, checked against `shape`. Copies into owned storage
    /// (the mapping may not be 4-byte aligned, and weights are repacked anyway).
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        guard let tensor = tensors[name] else { throw EmbeddingError.missingTensor(name) }
        guard tensor.dtype == "F32" else {
            throw EmbeddingError.tensorMismatch(name: name, reason: "dtype \(tensor.dtype), expected F32")
        }
        guard tensor.shape == shape else {
            throw EmbeddingError.tensorMismatch(name: name, reason: "shape \(tensor.shape), expected \(shape)")
        }
        let count = tensor.range.count / 4
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(start: mapping + dataStart + tensor.range.lowerBound, count: tensor.range.count))
        }
        return values
    }

    static func parseHeader(_ data: Data, dataLength: Int, path: String) throws -> [String: Tensor] {
        guard let object = try? JSONSerialization.jsonObject(with: data), let entries = object as? [String: Any] else {
            throw EmbeddingError.invalidSafetensors(path: path, reason: "header is not a JSON object")
        }
        var tensors: [String: Tensor] = [:]
        for (name, value) in entries where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2 else {
                throw EmbeddingError.invalidSafetensors(path: path, reason: "malformed entry for \(name)")
            }
            guard let size = elementSizes[dtype] else {
                throw EmbeddingError.invalidSafetensors(path: path, reason: "unknown dtype \(dtype) for \(name)")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw EmbeddingError.invalidSafetensors(path: path, reason: "negative shape or offsets for \(name)")
            }
            guard offsets[1] <= dataLength else {
                throw EmbeddingError.invalidSafetensors(path: path, reason: "\(name) ends at byte \(offsets[1]) but the data section has \(dataLength) (truncated file?)")
            }
            let expected = shape.reduce(1, *) * size
            guard expected == offsets[1] - offsets[0] else {
                throw EmbeddingError.invalidSafetensors(path: path, reason: "\(name) has \(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtype)")
            }
            tensors[name] = Tensor(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        guard !tensors.isEmpty else { throw EmbeddingError.invalidSafetensors(path: path, reason: "no tensors") }
        return tensors
    }
}
