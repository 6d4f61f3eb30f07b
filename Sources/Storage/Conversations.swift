import Foundation
import GRDB
import PostgresNIO

/// A conversation: a user's questions and answers kept on the server, so they survive a
/// reload and another device, and follow-ups are asked in their context.
public struct ConversationRecord: Sendable, Equatable {
    public var id: String
    public var userID: Int64
    /// The first question, shortened.
    public var title: String
    public var createdAt: Date
    public var updatedAt: Date
    /// Questions asked in it.
    public var turns: Int

    public init(id: String, userID: Int64, title: String, createdAt: Date, updatedAt: Date, turns: Int = 0) {
        (self.id, self.userID, self.title, self.createdAt, self.updatedAt, self.turns) = (id, userID, title, createdAt, updatedAt, turns)
    }
}

/// One question and its answer, with what the answer quoted and the pages behind it (JSON,
/// as the API answered them).
public struct ConversationTurn: Sendable, Equatable {
    public var conversationID: String
    public var question: String
    public var collection: String
    public var answer: String
    public var answerable: Bool
    public var mode: String
    public var citations: String
    public var sources: String
    public var searchedQuestion: String?
    public var createdAt: Date

    public init(conversationID: String, question: String, collection: String, answer: String, answerable: Bool, mode: String,
                citations: String, sources: String, searchedQuestion: String?, createdAt: Date) {
        (self.conversationID, self.question, self.collection, self.answer, self.answerable, self.mode) =
            (conversationID, question, collection, answer, answerable, mode)
        (self.citations, self.sources, self.searchedQuestion, self.createdAt) = (citations, sources, searchedQuestion, createdAt)
    }
}

extension AppDatabase {
    public func createConversation(_ conversation: ConversationRecord) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO conversation (id, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [conversation.id, conversation.userID, conversation.title, conversation.createdAt, conversation.updatedAt])
        }
    }

    public func conversation(id: String, userID: Int64) throws -> ConversationRecord? {
        try read { db in
            try Row.fetchOne(db, sql: Self.conversationSelect + " WHERE c.id = ? AND c.user_id = ?", arguments: [id, userID])
                .map(Self.conversationRecord)
        }
    }

    public func conversations(userID: Int64, limit: Int) throws -> [ConversationRecord] {
        try read { db in
            try Row.fetchAll(db, sql: Self.conversationSelect + " WHERE c.user_id = ? ORDER BY c.updated_at DESC, c.id LIMIT ?",
                             arguments: [userID, limit]).map(Self.conversationRecord)
        }
    }

    public func deleteConversation(id: String, userID: Int64) throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM conversation WHERE id = ? AND user_id = ?", arguments: [id, userID])
            return db.changesCount > 0
        }
    }

    public func appendTurn(_ turn: ConversationTurn) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO conversation_turn (conversation_id, question, collection, answer, answerable, mode, citations, sources,
                                               searched_question, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [turn.conversationID, turn.question, turn.collection, turn.answer, turn.answerable, turn.mode,
                                 turn.citations, turn.sources, turn.searchedQuestion, turn.createdAt])
            try db.execute(sql: "UPDATE conversation SET updated_at = ? WHERE id = ?", arguments: [turn.createdAt, turn.conversationID])
        }
    }

    public func turns(conversationID: String) throws -> [ConversationTurn] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM conversation_turn WHERE conversation_id = ? ORDER BY id",
                             arguments: [conversationID]).map { row in
                ConversationTurn(conversationID: row["conversation_id"], question: row["question"], collection: row["collection"],
                                 answer: row["answer"], answerable: row["answerable"], mode: row["mode"], citations: row["citations"],
                                 sources: row["sources"], searchedQuestion: row["searched_question"], createdAt: row["created_at"])
            }
        }
    }

    static let conversationSelect = """
        SELECT c.id, c.user_id, c.title, c.created_at, c.updated_at,
               (SELECT count(*) FROM conversation_turn t WHERE t.conversation_id = c.id) AS turns
        FROM conversation c
        """

    static func conversationRecord(_ row: Row) -> ConversationRecord {
        ConversationRecord(id: row["id"], userID: row["user_id"], title: row["title"], createdAt: row["created_at"],
                           updatedAt: row["updated_at"], turns: row["turns"])
    }
}

extension PostgresStore: ConversationStore {
    static let conversationSelect = """
        SELECT c.id, c.user_id, c.title, c.created_at, c.updated_at,
               (SELECT count(*) FROM conversation_turn t WHERE t.conversation_id = c.id)::bigint AS turns
        FROM conversation c
        """

    static func conversation(_ row: PostgresRow) throws -> ConversationRecord {
        let (id, userID, title, created, updated, turns) = try row.decode((String, Int64, String, Date, Date, Int64).self)
        return ConversationRecord(id: id, userID: userID, title: title, createdAt: created, updatedAt: updated, turns: Int(turns))
    }

    public func createConversation(_ conversation: ConversationRecord) async throws {
        try await execute("""
            INSERT INTO conversation (id, user_id, title, created_at, updated_at)
            VALUES (\(conversation.id), \(conversation.userID), \(conversation.title), \(conversation.createdAt), \(conversation.updatedAt))
            """)
    }

    public func conversation(id: String, userID: Int64) async throws -> ConversationRecord? {
        try await rows("\(unescaped: Self.conversationSelect) WHERE c.id = \(id) AND c.user_id = \(userID)").first.map(Self.conversation)
    }

    public func conversations(userID: Int64, limit: Int) async throws -> [ConversationRecord] {
        try await rows("\(unescaped: Self.conversationSelect) WHERE c.user_id = \(userID) ORDER BY c.updated_at DESC, c.id LIMIT \(limit)")
            .map(Self.conversation)
    }

    public func deleteConversation(id: String, userID: Int64) async throws -> Bool {
        try await !rows("DELETE FROM conversation WHERE id = \(id) AND user_id = \(userID) RETURNING 1").isEmpty
    }

    public func appendTurn(_ turn: ConversationTurn) async throws {
        try await transaction { connection in
            try await connection.rows("""
                INSERT INTO conversation_turn (conversation_id, question, collection, answer, answerable, mode, citations, sources,
                                               searched_question, created_at)
                VALUES (\(turn.conversationID), \(turn.question), \(turn.collection), \(turn.answer), \(turn.answerable), \(turn.mode),
                        \(turn.citations), \(turn.sources), \(turn.searchedQuestion), \(turn.createdAt))
                """)
            try await connection.rows("UPDATE conversation SET updated_at = \(turn.createdAt) WHERE id = \(turn.conversationID)")
        }
    }

    public func turns(conversationID: String) async throws -> [ConversationTurn] {
        try await rows("""
            SELECT conversation_id, question, collection, answer, answerable, mode, citations, sources, searched_question, created_at
            FROM conversation_turn WHERE conversation_id = \(conversationID) ORDER BY id
            """).map { row in
            let (id, question, collection, answer, answerable, mode, citations, sources, searched, created) =
                try row.decode((String, String, String, String, Bool, String, String, String, String?, Date).self)
            return ConversationTurn(conversationID: id, question: question, collection: collection, answer: answer, answerable: answerable,
                                    mode: mode, citations: citations, sources: sources, searchedQuestion: searched, createdAt: created)
        }
    }
}
