import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a file (or standard input) line by line with `getline`, without loading it whole.
final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private let ownsFile: Bool

    /// Opens `path`, or standard input when nil.
    init(path: String?) throws {
        if let path {
            guard let opened = fopen(path, "r") else { throw ReaderError.cannotOpen(path) }
            file = opened
            ownsFile = true
        } else {
            guard let input = fdopen(STDIN_FILENO, "r") else { throw ReaderError.cannotOpen("standard input") }
            file = input
            ownsFile = false
        }
    }

    deinit { if ownsFile { fclose(file) } }

    /// The next line without its newline, or nil at the end.
    func next() -> String? {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        let length = getline(&buffer, &capacity, file)
        guard length >= 0, let buffer else { return nil }
        var line = String(cString: buffer)
        if line.hasSuffix("\n") { line.removeLast() }
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }

    enum ReaderError: Error, CustomStringConvertible {
        case cannotOpen(String)
        var description: String {
            switch self {
            case .cannotOpen(let path): return "cannot read \(path)"
            }
        }
    }
}
