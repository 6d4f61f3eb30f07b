import Foundation
import LLM
import Retrieval
import Storage

/// Conversations kept on the server (`/ask` with `conversation_id`, `/conversations`): the
/// earlier turns become the context of a follow-up, and every answer is added as a turn.
struct Conversations: Sendable {
    let database: any ConversationStore

    /// How many earlier turns a question is asked with.
    static let contextTurns = 6

    /// A conversation a question is asked in, with its earlier turns as chat messages.
    struct Thread: Sendable {
        var id: String
        var messages: [ChatMessage]
    }

    /// `id` of the user's conversations (404 when it is not theirs), or a new one for `new`,
    /// titled by its first question.
    func open(_ id: String, user: AuthenticatedUser, question: String) async throws -> Thread {
        if id == "new" {
            let now = Date()
            let created = ConversationRecord(id: UUID().uuidString.lowercased(), userID: user.id, title: String(question.prefix(80)),
                                             createdAt: now, updatedAt: now)
            try await database.createConversation(created)
            return Thread(id: created.id, messages: [])
        }
        guard try await database.conversation(id: id, userID: user.id) != nil else {
            throw APIError.notFound("conversation \(id) not found")
        }
        let turns = try await database.turns(conversationID: id).suffix(Self.contextTurns)
        return Thread(id: id, messages: turns.flatMap { [ChatMessage(.user, $0.question), ChatMessage(.assistant, $0.answer)] })
    }

    /// Adds the answered question to the conversation.
    func append(_ result: AskResult, question: String, collection: String, to thread: Thread) async throws {
        let encoder = JSONCoding.encoder
        try await database.appendTurn(ConversationTurn(
            conversationID: thread.id, question: question, collection: collection, answer: result.answer.text,
            answerable: result.answer.answerable, mode: result.mode,
            citations: String(decoding: try encoder.encode(result.answer.citations), as: UTF8.self),
            sources: String(decoding: try encoder.encode(result.sources), as: UTF8.self),
            searchedQuestion: result.searchedQuestion, createdAt: Date()))
    }
}
