import API
import ArgumentParser
import Crawler
import Foundation
import Ingest
import Storage

/// `nextraction upload FILE...`: reads documents into a collection in this process.
struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Read documents (PDF, DOCX, Markdown, HTML, text) into a collection.",
        discussion: """
            Each file's type is decided by its content. Files that cannot be read (encrypted or damaged PDFs, other \
            formats, over NEX_MAX_UPLOAD) are listed and left out; the others go in. Unchanged files embed nothing. \
            PDF pages are cited as upload:FILE#page=N. The job is recorded like an upload over the API.
            """
    )

    @Argument(help: ArgumentHelp("The files to read (up to 20).", valueName: "file"))
    var files: [String]

    @Option(help: "Collection to add the documents to.")
    var collection = "default"

    @Option(help: "The account that owns the collection (default: the only account).")
    var user: String?

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard (1...20).contains(files.count) else { throw ValidationError("give 1 to 20 files (got \(files.count))") }
    }

    func run() async throws {
        do {
            _ = try IngestParameters.validate(collection: collection)
        } catch let error as IngestError {
            throw ValidationError(error.description)
        }
        let services = try await LocalServices(data: data, model: model, existing: false)
        let owner = try await services.user(email: user)
        guard let ownerID = owner.id else { throw CLIError("account without id") }
        var accepted: [UploadedFile] = []
        for path in files {
            let name = UploadParameters.cleanName(path)
            do {
                guard let bytes = FileManager.default.contents(atPath: path) else { throw DocumentError(.empty, "no such file, or it cannot be read") }
                guard !accepted.contains(where: { $0.name == name }) else { throw DocumentError(.unsupportedType, "a second file named \(name)") }
                let kind = try UploadParameters.inspect(bytes, name: name, mediaType: nil, maxBytes: services.config.maxUploadBytes)
                accepted.append(UploadedFile(name: name, kind: kind.rawValue, bytes: bytes))
            } catch let error as DocumentError {
                printError("\(path): \(error.message)")
            }
        }
        guard !accepted.isEmpty else { throw CLIError("no file could be read") }
        let record = try await services.database.ensureCollection(userID: ownerID, name: collection)
        guard let collectionID = record.id else { throw CLIError("collection without id") }
        let batch = UUID().uuidString.lowercased()
        let parameters = UploadParameters(collection: collection, batch: batch,
                                          files: accepted.map { .init(name: $0.name, kind: $0.kind, bytes: $0.bytes.count) })
        try await services.database.storeUploads(batch: batch, files: accepted, at: Date())
        let job = try await services.database.createJob(userID: ownerID, collectionID: collectionID, kind: JobKind.upload, params: parameters.json())
        let progress = ProgressTracker(jobID: job.id)
        let pipeline = UploadPipeline(environment: try services.ingestEnvironment(logger: commandLogger()), collectionID: collectionID,
                                      parameters: parameters, progress: progress)
        let final: JobProgress
        do {
            final = try await LocalJob(services: services, job: job, collectionID: collectionID, progress: progress)
                .run(display: ProgressDisplay(maxPages: accepted.count, countsFiles: true)) { try await pipeline.run() }
        } catch {
            try? await services.database.deleteUploads(batch: batch)
            throw error
        }
        try await services.database.deleteUploads(batch: batch)
        for line in try await services.database.jobPages(jobID: job.id, offset: 0, limit: 100, status: "failed").pages {
            printError("\(line.url): \(line.detail ?? line.reason ?? "failed")")
        }
        print("job \(job.id): \(final.fetched - final.failed) of \(accepted.count) files read, \(final.indexed) pages indexed, "
              + "\(final.unchanged) unchanged, \(final.removed) removed; \(final.chunks) chunks embedded into \"\(collection)\"")
    }
}
