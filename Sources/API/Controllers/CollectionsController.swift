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
        enum CodingKeys: String, CodingKey {
            case name, documents, chunks
            case createdAt = "created_at"
        }
    }

    func addRoutes(to routes: ScopedRoutes) {
        routes.read.get("collections", use: list)
        routes.write.delete("collections/:name", use: delete)
        routes.read.get("collections/:name/chunks/:id", use: passage)
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
        return try .json(summaries.map { CollectionView(name: $0.name, documents: $0.documents, chunks: $0.chunks, createdAt: $0.createdAt) })
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
