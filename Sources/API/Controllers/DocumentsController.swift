import Crawler
import Foundation
import HTTPKit
import Hummingbird
import Ingest
import Logging
import Storage

/// `POST /collections/{name}/documents`: uploaded files (PDF, DOCX, Markdown, HTML, text) go
/// into a collection through a job, with the same progress and log as a crawl. Each file is
/// checked here — size, type by content, a PDF that is encrypted or damaged — and answered
/// one by one: the readable ones are queued, the others are listed with their reason.
struct DocumentsController {
    let dependencies: AppDependencies

    /// Most files one request may carry.
    static let maxFiles = 20

    struct FileView: Encodable {
        var name: String
        var type: String?
        var bytes: Int
        var status: String
        var error: ErrorView?

        struct ErrorView: Encodable {
            var code: String
            var message: String
        }
    }

    struct Accepted: Encodable {
        var jobID: String
        var status: String
        var files: [FileView]
        enum CodingKeys: String, CodingKey {
            case status, files
            case jobID = "job_id"
        }
    }

    func addRoutes(to routes: ScopedRoutes) {
        routes.write.post("collections/:name/documents", use: upload)
    }

    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let runner = dependencies.jobRunner else {
            throw APIError(.serviceUnavailable, code: "model_unavailable",
                           message: "the embedding model is not loaded: \(dependencies.embedderError ?? "unknown reason")")
        }
        let collection: String
        do {
            collection = try IngestParameters.validate(collection: try context.parameters.decoded("name"))
        } catch let error as IngestError {
            throw APIError.unprocessable(error.description, code: "invalid_request")
        }
        let parts = try await multipartBody(request)
        let uploads = parts.filter { $0.filename != nil }
        guard !uploads.isEmpty else {
            throw APIError.unprocessable("no files: send each as a multipart/form-data part with a filename (field \"files\")", code: "no_files")
        }
        guard uploads.count <= Self.maxFiles else {
            throw APIError.unprocessable("at most \(Self.maxFiles) files per upload (this one has \(uploads.count))", code: "too_many_files")
        }
        var views: [FileView] = []
        var accepted: [UploadedFile] = []
        var names = Set<String>()
        for (index, part) in uploads.enumerated() {
            var name = UploadParameters.cleanName(part.filename ?? "")
            if name.isEmpty { name = "upload-\(index + 1)" }
            do {
                guard names.insert(name).inserted else {
                    throw DocumentError(.unsupportedType, "the same file name appears twice in this upload")
                }
                let kind = try UploadParameters.inspect(part.body, name: name, mediaType: part.contentType,
                                                        maxBytes: dependencies.config.maxUploadBytes)
                accepted.append(UploadedFile(name: name, kind: kind.rawValue, bytes: part.body))
                views.append(FileView(name: name, type: kind.rawValue, bytes: part.body.count, status: "accepted"))
            } catch let error as DocumentError {
                views.append(FileView(name: name, type: nil, bytes: part.body.count, status: "rejected",
                                      error: .init(code: error.code.rawValue, message: error.message)))
            }
        }
        guard !accepted.isEmpty else {
            let reasons = views.map { "\($0.name): \($0.error?.message ?? "")" }.joined(separator: "; ")
            throw APIError.unprocessable("no file could be read: \(reasons)", code: "no_readable_files")
        }
        let record = try await dependencies.database.ensureCollection(userID: user.id, name: collection)
        let batch = UUID().uuidString.lowercased()
        let parameters = UploadParameters(collection: collection, batch: batch,
                                          files: accepted.map { .init(name: $0.name, kind: $0.kind, bytes: $0.bytes.count) })
        try await dependencies.database.storeUploads(batch: batch, files: accepted, at: Date())
        let job: JobRecord
        do {
            job = try await dependencies.database.createJob(userID: user.id, collectionID: record.id, kind: JobKind.upload, params: parameters.json())
        } catch {
            try? await dependencies.database.deleteUploads(batch: batch)
            throw error
        }
        runner.wake()
        context.logger.info("upload queued", metadata: ["job_id": "\(job.id)", "files": "\(accepted.count)", "rejected": "\(views.count - accepted.count)"])
        return try .json(Accepted(jobID: job.id, status: job.status, files: views), status: .accepted)
    }

    /// The parts of a `multipart/form-data` body (415 for another media type, 413 past the
    /// upload limit, 400 when malformed).
    func multipartBody(_ request: Request) async throws -> [Multipart.Part] {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "send the files as multipart/form-data (got \(contentType.isEmpty ? "no Content-Type" : contentType))")
        }
        let limit = dependencies.config.maxUploadRequestBytes
        let body: Data
        do {
            body = Data(try await request.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw APIError.payloadTooLarge(limit: limit)
        }
        do {
            return try Multipart.parts(body, contentType: contentType, maxParts: Self.maxFiles * 2)
        } catch let error as Multipart.ParseError {
            throw APIError.badRequest(error.description, code: "malformed_multipart")
        }
    }
}
