import Foundation
import Hummingbird
import Retrieval
import Storage

/// `/conversations`: the user's conversations (asked with `POST /ask` and `conversation_id`),
/// listed, read back with their turns, and deleted.
struct ConversationsController {
    let dependencies: AppDependencies

    func addRoutes(to routes: ScopedRoutes) {
        routes.read.get("conversations", use: list)
        routes.read.get("conversations/:id", use: show)
        routes.write.delete("conversations/:id", use: delete)
    }

    struct Summary: Encodable {
        var id: String
        var title: String
        var turns: Int
        var createdAt: Date
        var updatedAt: Date

        init(_ record: ConversationRecord) {
            (id, title, turns, createdAt, updatedAt) = (record.id, record.title, record.turns, record.createdAt, record.updatedAt)
        }

        enum CodingKeys: String, CodingKey {
            case id, title, turns
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    struct Turn: Encodable {
        var question: String
        var collection: String
        var answer: String
        var answerable: Bool
        var mode: String
        var citations: [Citation]
        var sources: [SourcePage]
        var searchedQuestion: String?
        var createdAt: Date

        init(_ turn: ConversationTurn) {
            (question, collection, answer, answerable, mode) = (turn.question, turn.collection, turn.answer, turn.answerable, turn.mode)
            citations = (try? JSONDecoder().decode([Citation].self, from: Data(turn.citations.utf8))) ?? []
            sources = (try? JSONDecoder().decode([SourcePage].self, from: Data(turn.sources.utf8))) ?? []
            (searchedQuestion, createdAt) = (turn.searchedQuestion, turn.createdAt)
        }

        enum CodingKeys: String, CodingKey {
            case question, collection, answer, answerable, mode, citations, sources
            case searchedQuestion = "searched_question"
            case createdAt = "created_at"
        }
    }

    struct Detail: Encodable {
        var conversation: Summary
        var turns: [Turn]

        func encode(to encoder: any Encoder) throws {
            try conversation.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(turns, forKey: .turns)
        }

        enum CodingKeys: String, CodingKey { case turns }
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let limit = try request.queryInt("limit", in: 1...200, default: 50)
        return try .json(try await dependencies.database.conversations(userID: user.id, limit: limit).map(Summary.init))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.decoded("id")
        guard let record = try await dependencies.database.conversation(id: id, userID: user.id) else {
            throw APIError.notFound("conversation \(id) not found")
        }
        return try .json(Detail(conversation: Summary(record), turns: try await dependencies.database.turns(conversationID: id).map(Turn.init)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.decoded("id")
        guard try await dependencies.database.deleteConversation(id: id, userID: user.id) else {
            throw APIError.notFound("conversation \(id) not found")
        }
        return Response(status: .noContent)
    }
}
