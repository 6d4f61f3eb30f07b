import CGzip
import Foundation

/// gzip/zlib decompression for compressed sitemap files.
enum Gzip {
    /// Whether `data` starts with the gzip magic number.
    static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// Inflates `data`, refusing output larger than `limit` bytes (zip bombs).
    static func decompress(_ data: Data, limit: Int) throws -> Data {
        var stream = z_stream()
        guard nex_inflate_init(&stream) == Z_OK else { throw CrawlerError.decompression("inflateInit failed") }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            guard let base = input.baseAddress else { return }
            stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            var status = Z_OK
            repeat {
                let produced: Int = try chunk.withUnsafeMutableBufferPointer { buffer in
                    guard let out = buffer.baseAddress else { return 0 }
                    stream.next_out = out
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        throw CrawlerError.decompression("inflate returned \(status)")
                    }
                    return buffer.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { throw CrawlerError.decompression("more than \(limit) bytes") }
                // Continue while input remains or the output buffer was filled completely.
                if produced == 0 && stream.avail_in == 0 { break }
            } while status != Z_STREAM_END
        }
        return output
    }
}
