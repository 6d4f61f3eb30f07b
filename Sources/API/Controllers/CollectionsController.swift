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
