import CGzip
import Crawler
import Foundation
import HTTPKit
import PlanFormat
import TextKit
import ZIPFoundation

/// The parsers that read bytes from the network or from users, one fuzz target each. A target
/// must never crash, hang or read out of bounds, whatever the input; what it returns is not
/// checked here (the unit tests do that).
enum FuzzTarget: String, CaseIterable {
    case html, robots, sitemap, sitemapGzip = "sitemap-gzip", url, chunker, tokenizer, plan, multipart, markdown, docx, document

    func run(_ data: Data) {
        switch self {
        case .html:
            _ = HTMLExtractor.extract(data, url: URL(string: "https://example.com/docs/page.html")!, charset: nil)
        case .robots:
            let robots = RobotsTxt(parsing: String(decoding: data, as: UTF8.self))
            _ = robots.isAllowed("/docs/a?b=c", userAgent: "NexTraction/1.0")
            _ = robots.crawlDelay(for: "NexTraction")
        case .sitemap:
            _ = SitemapParser.parse(data, maxEntries: 1000)
        case .sitemapGzip:
            // The same parser reached through gzip: the input is compressed first, so the
            // fuzzer's mutations land in the XML, not only in the gzip header.
            if let compressed = Self.gzip(data) { _ = SitemapParser.parse(compressed, maxEntries: 1000) }
        case .url:
            let text = String(decoding: data, as: UTF8.self)
            if let url = URLNormalizer.normalize(text) {
                _ = URLNormalizer.origin(of: url)
                _ = URLNormalizer.pathAndQuery(of: url)
            }
            _ = URLNormalizer.resolve(text, against: URL(string: "https://example.com/a/b/c.html?q=1"))
            _ = AddressClassifier.isLiterallyPrivate(host: text)
        case .chunker:
            _ = Self.textChunker.chunk(title: "Fuzz", blocks: Self.blocks(String(decoding: data, as: UTF8.self)))
        case .tokenizer:
            let text = String(decoding: data, as: UTF8.self)
            _ = Self.wordPiece?.encode(text)
            _ = QueryTerms.stems(text)
            _ = SentenceSplitter.split(text)
        case .plan:
            _ = try? PlanValidator.parse(data)
        case .multipart:
            // The first line is the Content-Type, the rest the body.
            let newline = data.firstIndex(of: 0x0A) ?? data.endIndex
            let contentType = String(decoding: data[data.startIndex..<newline], as: UTF8.self)
            _ = try? Multipart.parts(Data(data[min(newline + 1, data.endIndex)...]), contentType: contentType)
        case .markdown:
            _ = try? DocumentReader.read(data, name: "fuzz.md", kind: .markdown)
        case .docx:
            // The input is word/document.xml of a real Word package (the ZIP around it is built
            // here, so mutations land in the XML the reader walks).
            if let package = Self.wordPackage(documentXML: data) { _ = try? DocumentReader.read(package, name: "fuzz.docx", kind: .docx) }
        case .document:
            // Any bytes as an upload: type detection, then the reader it picks (PDFs go to poppler).
            if let kind = try? DocumentKind.detect(name: "upload", mediaType: nil, bytes: data) {
                _ = try? DocumentReader.read(data, name: "upload", kind: kind)
            }
        }
    }

    /// The model's vocabulary when it is installed (`NEX_MODEL_DIR` or Data/models), else a
    /// small one: WordPiece is exercised either way.
    static let wordPiece: WordPieceTokenizer? = {
        let directory = ProcessInfo.processInfo.environment["NEX_MODEL_DIR"] ?? "Data/models/all-MiniLM-L6-v2"
        if let real = try? WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt") { return real }
        return try? WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "##s", "a", "##ing", "é"])
    }()

    static let textChunker = Chunker(counter: wordPiece ?? WhitespaceCounter(), options: Chunker.Options())

    /// Lines become blocks: `#`… headings, `- ` list items, `|` table rows, `>` quotes, the rest paragraphs.
    static func blocks(_ text: String) -> [TextBlock] {
        text.split(separator: "\n").map { line in
            let content = String(line)
            if content.hasPrefix("#") { return TextBlock(.heading(level: min(6, content.prefix { $0 == "#" }.count)), content) }
            if content.hasPrefix("- ") { return TextBlock(.listItem, content) }
            if content.hasPrefix("|") { return TextBlock(.tableRow, content) }
            if content.hasPrefix(">") { return TextBlock(.quote, content) }
            if content.hasPrefix(":"), let colon = content.dropFirst().firstIndex(of: ":") {
                return TextBlock(.paragraph, String(content[content.index(after: colon)...]), term: String(content[..<colon].dropFirst()))
            }
            return TextBlock(.paragraph, content)
        }
    }

    /// A .docx holding `documentXML` as its main part (stored, not compressed).
    static func wordPackage(documentXML: Data) -> Data? {
        guard let archive = try? Archive(accessMode: .create) else { return nil }
        let added: ()? = try? archive.addEntry(with: "word/document.xml", type: .file, uncompressedSize: Int64(documentXML.count)) { position, size in
            documentXML.subdata(in: Int(position)..<Int(position) + size)
        }
        return added == nil ? nil : archive.data
    }

    /// gzip (RFC 1952) of `data` with zlib.
    static func gzip(_ data: Data) -> Data? {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var input = [UInt8](data)
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Data(output.prefix(Int(stream.total_out)))
    }

    /// The target named by `NEX_FUZZ_TARGET`.
    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["NEX_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("NEX_FUZZ_TARGET must be one of: \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }()
}

/// Counts whitespace-separated words (when no vocabulary can be loaded at all).
struct WhitespaceCounter: TokenCounter {
    func countTokens(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }
    func knowsWord(_ word: String) -> Bool { true }
}

/// libFuzzer's entry point: one input for the target named by `NEX_FUZZ_TARGET`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: size) } ?? Data()
    FuzzTarget.current.run(data)
    return 0
}

#if FUZZING
/// libFuzzer's driver, started from this executable's entry point (SwiftPM names it after
/// the module and points `main` at it).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("NexFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOneInput)
}
#else
/// Without libFuzzer: replays every seed file of every target (or of the targets named as
/// arguments) from `Tests/Fuzz/corpus/<target>/`, as a quick regression check.
@main
struct ReplayCorpus {
    static func main() {
        let root = ProcessInfo.processInfo.environment["NEX_FUZZ_CORPUS"] ?? "Tests/Fuzz/corpus"
        let names = CommandLine.arguments.dropFirst()
        var total = 0
        for target in FuzzTarget.allCases where names.isEmpty || names.contains(target.rawValue) {
            let directory = root + "/" + target.rawValue
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
            for file in files {
                guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
                target.run(data)
            }
            print("\(target.rawValue): \(files.count) seed inputs replayed")
            total += files.count
        }
        print("\(total) inputs, no crash")
    }
}
#endif
