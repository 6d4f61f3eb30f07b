import Crawler
import Embedding
import Foundation
import Storage
import TextKit

/// What an upload job reads: stored as its `params` JSON. The files themselves wait in the
/// database under `batch` (any server may run the job) and are removed when it ends.
public struct UploadParameters: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public var name: String
        public var kind: String
        public var bytes: Int

        public init(name: String, kind: String, bytes: Int) {
            (self.name, self.kind, self.bytes) = (name, kind, bytes)
        }
    }

    public var collection: String
    public var batch: String
    public var files: [File]

    public init(collection: String, batch: String, files: [File]) {
        (self.collection, self.batch, self.files) = (collection, batch, files)
    }

    public func json() -> String {
        (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "{}"
    }

    public static func decode(_ json: String) throws -> UploadParameters {
        try JSONDecoder().decode(UploadParameters.self, from: Data(json.utf8))
    }

    /// The address an uploaded file's pages are stored (and cited) under: `upload:` + its name,
    /// with `#page=N` for a PDF's pages.
    public static func address(of name: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "#?;:")
        return "upload:" + (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "file")
    }

    /// What an uploaded file is, or why it is refused (as a `DocumentError` for the uploader):
    /// over `maxBytes`, of a type we do not read (decided by content), or a PDF that does not
    /// open (encrypted, damaged, truncated).
    public static func inspect(_ bytes: Data, name: String, mediaType: String?, maxBytes: Int) throws -> DocumentKind {
        guard bytes.count <= maxBytes else {
            throw DocumentError(.tooLarge, "the file is \(bytes.count) bytes; the limit per file is \(maxBytes) bytes (NEX_MAX_UPLOAD)")
        }
        let kind = try DocumentKind.detect(name: name, mediaType: mediaType, bytes: bytes)
        try DocumentReader.check(bytes, kind: kind)
        return kind
    }

    /// An uploaded file's name made safe to keep: its last path component, without control
    /// characters, at most 200 characters.
    public static func cleanName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let visible = String(last.unicodeScalars.filter { !$0.properties.isWhitespace || $0 == " " }.filter { $0.value >= 0x20 && $0.value != 0x7F }
            .map(Character.init))
        return String(visible.trimmingCharacters(in: .whitespaces).prefix(200))
    }
}

/// One upload job: each file is read by its format's reader (in the job, so a large PDF does
/// not hold a request), its pages go through the same steps as crawled pages (unchanged
/// content is not embedded again), and pages an earlier version of the same file had but
/// this one lacks are removed. A file that cannot be read is logged as failed with its
/// reason; the others still go in.
public struct UploadPipeline: Sendable {
    let environment: IngestEnvironment
    let collectionID: Int64
    let parameters: UploadParameters
    let progress: ProgressTracker
    let times: StageTimes

    public init(environment: IngestEnvironment, collectionID: Int64, parameters: UploadParameters, progress: ProgressTracker,
                times: StageTimes = StageTimes()) {
        self.environment = environment
        self.collectionID = collectionID
        self.parameters = parameters
        self.progress = progress
        self.times = times
    }

    public func run() async throws {
        let files = try await environment.database.uploads(batch: parameters.batch)
        guard !files.isEmpty else { throw IngestError.nothingFetched("the uploaded files are no longer stored") }
        let writer = PageWriter(environment: environment, collectionID: collectionID, progress: progress, times: times)
        try await writer.claimPrecision()
        let chunker = Chunker(counter: environment.embedder.tokenCounter, options: environment.chunker)
        progress.update { $0.discovered = files.count }
        var batch: [PendingPage] = []
        var batchChunks = 0
        var failures: [String] = []
        for file in files {
            try Task.checkCancellation()
            let address = UploadParameters.address(of: file.name)
            do {
                let kind = try DocumentKind(rawValue: file.kind) ?? DocumentKind.detect(name: file.name, mediaType: nil, bytes: file.bytes)
                let document = try times.measure("read") { try DocumentReader.read(file.bytes, name: file.name, kind: kind) }
                progress.update { $0.fetched += 1 }
                var addresses = Set<String>()
                for part in document.parts {
                    guard let url = URL(string: address + part.anchor) else { continue }
                    addresses.insert(url.absoluteString)
                    guard let pending = await writer.prepare(part.page(url: url, bytes: file.bytes.count), chunker: chunker) else { continue }
                    batch.append(pending)
                    batchChunks += pending.chunks.count
                    if batchChunks >= environment.embedBatchChunks {
                        try await writer.write(batch)
                        (batch, batchChunks) = ([], 0)
                    }
                }
                try await removeStale(address: address, keeping: addresses)
                if document.emptyParts > 0 {
                    progress.log(address, status: "skipped", reason: "empty",
                                 detail: "\(document.emptyParts) page(s) without text (scanned images are not read)")
                }
            } catch let error as DocumentError {
                progress.update { $0.fetched += 1; $0.failed += 1 }
                progress.log(address, status: "failed", reason: error.code.rawValue, detail: error.message)
                failures.append("\(file.name): \(error.message)")
            }
        }
        if !batch.isEmpty { try await writer.write(batch) }
        try await writer.publish()
        if failures.count == files.count { throw IngestError.nothingFetched(failures.joined(separator: "; ")) }
    }

    /// Pages stored from an earlier upload of the same file (a PDF that lost pages) that this
    /// upload no longer has.
    func removeStale(address: String, keeping addresses: Set<String>) async throws {
        let stored = try await environment.database.documentURLs(collectionID: collectionID, prefix: address)
        for url in stored where (url == address || url.hasPrefix(address + "#")) && !addresses.contains(url) {
            _ = try await environment.database.deleteDocument(collectionID: collectionID, url: url)
            progress.update { $0.removed += 1 }
            progress.log(url, status: "removed", reason: "no longer in the uploaded file")
        }
    }
}
