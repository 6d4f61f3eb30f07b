import Foundation
import IndexStore
import Hummingbird
import Ingest
import Logging
import Storage

/// `/collections`: list the user's collections with their sizes, delete one.
struct CollectionsController {
    let dependencies: AppDependencies

    struct CollectionView: Encodable {
        var name: String
        var documents: Int
        var chunks: Int
        var createdAt: Date
        var sources: [SourceView]
        /// Uploaded files, by name, with the pages stored from each.
        var files: [FileView]
        enum CodingKeys: String, CodingKey {
            case name, documents, chunks, sources, files
            case createdAt = "created_at"
        }
    }

    struct FileView: Encodable, Equatable {
        var name: String
        var pages: Int
    }

    /// The uploaded files among a collection's stored addresses (`upload:name`, `upload:name#page=N`).
    static func uploadedFiles(_ urls: [String]) -> [FileView] {
        var pages: [String: Int] = [:]
        for url in urls where url.hasPrefix("upload:") {
            let encoded = url.dropFirst("upload:".count).prefix { $0 != "#" }
            pages[String(encoded).removingPercentEncoding ?? String(encoded), default: 0] += 1
        }
        return pages.map { FileView(name: $0.key, pages: $0.value) }.sorted { $0.name < $1.name }
    }

    /// Where a collection's pages come from and when it is re-synced.
    struct SourceView: Encodable {
        var url: String
        var refreshEvery: Double?
        var lastSyncAt: Date?
        var nextSyncAt: Date?
        var lastJobID: String?

        init(_ source: CollectionSource) {
            (url, refreshEvery, lastSyncAt, nextSyncAt, lastJobID) =
                (source.url, source.refreshEvery, source.lastSyncAt, source.nextSyncAt, source.lastJobID)
        }

        enum CodingKeys: String, CodingKey {
            case url
            case refreshEvery = "refresh_every"
            case lastSyncAt = "last_sync_at"
            case nextSyncAt = "next_sync_at"
            case lastJobID = "last_job_id"
        }
    }

    func addRoutes(to routes: ScopedRoutes) {
        routes.read.get("collections", use: list)
        routes.write.delete("collections/:name", use: delete)
        routes.read.get("collections/:name/chunks/:id", use: passage)
        routes.write.post("collections/:name/sync", use: sync)
        routes.write.delete("collections/:name/files/:file", use: removeFile)
    }

    /// Removes an uploaded file (all its pages) from the collection and its index.
    @Sendable func removeFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let name = try context.parameters.decoded("name")
        let file = try context.parameters.decoded("file")
        guard let collection = try await dependencies.database.collection(userID: user.id, name: name), let id = collection.id else {
            throw APIError.notFound("collection \(name) not found")
        }
        let address = UploadParameters.address(of: file)
        let urls = try await dependencies.database.documentURLs(collectionID: id, prefix: address).filter { $0 == address || $0.hasPrefix(address + "#") }
        guard !urls.isEmpty else { throw APIError.notFound("no uploaded file \(file) in collection \(name)") }
        for url in urls { _ = try await dependencies.database.deleteDocument(collectionID: id, url: url) }
        // Searches on this server stop finding it now; other servers follow the change log.
        try await dependencies.indexes.catchUp(collectionID: id)
        context.logger.info("uploaded file removed", metadata: ["collection_id": "\(id)", "pages": "\(urls.count)"])
        return Response(status: .noContent)
    }

    /// Re-syncs every source of the collection now (incrementally: unchanged pages are not
    /// re-embedded, pages that are gone are removed).
    @Sendable func sync(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let name = try context.parameters.decoded("name")
        guard let collection = try await dependencies.database.collection(userID: user.id, name: name), let id = collection.id else {
            throw APIError.notFound("collection \(name) not found")
        }
        let sources = try await dependencies.database.sources(collectionID: id)
        guard !sources.isEmpty else {
            throw APIError.conflict("collection \(name) has no source to re-sync: ingest a site into it first", code: "no_source")
        }
        guard let scheduler = dependencies.syncs else {
            throw APIError(.serviceUnavailable, code: "model_unavailable", message: "the embedding model is not loaded, so nothing can be ingested")
        }
        var jobs: [String] = []
        for source in sources { jobs.append(try await scheduler.start(source, userID: user.id, now: Date()).id) }
        struct Started: Encodable { var jobIDs: [String]; enum CodingKeys: String, CodingKey { case jobIDs = "job_ids" } }
        return try .json(Started(jobIDs: jobs), status: .accepted)
    }

    /// A passage in its page's context: the chunk with `around` neighbours on each side.
    struct PassageView: Encodable {
        struct Part: Encodable {
            var chunkID: Int64
            var heading: String
            var text: String
            var target: Bool
            enum CodingKeys: String, CodingKey {
                case heading, text, target
                case chunkID = "chunk_id"
            }
        }
        var url: String
        var title: String
        var chunkID: Int64
        var chunks: [Part]
        enum CodingKeys: String, CodingKey {
            case url, title, chunks
            case chunkID = "chunk_id"
        }
    }

    @Sendable func passage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let name = try context.parameters.decoded("name")
        let around = try request.queryInt("around", in: 0...5, default: 1)
        guard let id = context.parameters.get("id").flatMap(Int64.init),
              let collection = try await dependencies.database.collection(userID: user.id, name: name), let collectionID = collection.id,
              let chunk = try await dependencies.database.chunks(ids: [id], collectionID: collectionID).first else {
            throw APIError.notFound("no such passage in this collection")
        }
        let range = max(0, chunk.ordinal - around)...(chunk.ordinal + around)
        let parts = try await dependencies.database.chunks(documentID: chunk.documentID, ordinals: range, collectionID: collectionID)
        return try .json(PassageView(url: chunk.url, title: chunk.title, chunkID: chunk.id, chunks: parts.map {
            PassageView.Part(chunkID: $0.id, heading: $0.headingPath, text: $0.text, target: $0.id == chunk.id)
        }))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let summaries = try await dependencies.database.collectionSummaries(userID: user.id)
        var views: [CollectionView] = []
        for summary in summaries {
            let id = try await dependencies.database.collection(userID: user.id, name: summary.name)?.id
            var sources: [CollectionSource] = []
            var files: [FileView] = []
            if let id {
                sources = try await dependencies.database.sources(collectionID: id)
                files = Self.uploadedFiles(try await dependencies.database.documentURLs(collectionID: id, prefix: "upload:"))
            }
            views.append(CollectionView(name: summary.name, documents: summary.documents, chunks: summary.chunks, createdAt: summary.createdAt,
                                        sources: sources.map(SourceView.init), files: files))
        }
        return try .json(views)
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let name = try context.parameters.decoded("name")
        guard let id = try await dependencies.database.deleteCollection(userID: user.id, name: name) else {
            throw APIError.notFound("collection \(name) not found")
        }
        dependencies.indexes.drop(collectionID: id)
        context.logger.info("collection deleted", metadata: ["collection_id": "\(id)"])
        return Response(status: .noContent)
    }
}
