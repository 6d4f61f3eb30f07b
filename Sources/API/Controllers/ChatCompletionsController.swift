import Foundation
import HTTPTypes
import Hummingbird
import LLM
import Logging
import NIOCore
import Orchestrator
import Retrieval
import ServiceLifecycle
import Storage

/// OpenAI-compatible chat over the caller's collections, for chat front ends and the `openai`
/// SDKs: `GET /v1/models` (each collection is a model `nextraction/<collection>`) and
/// `POST /v1/chat/completions` (plain or streamed). The last user message is the question;
/// the earlier turns make a follow-up standalone for retrieval, and an LLM answer sees them.
/// The reply's content is the answer with its `[n]` markers and the sources listed after it;
/// the full `citations` and `sources` come as extra fields. Errors in OpenAI's shape.
struct ChatCompletionsController {
    let dependencies: AppDependencies
    let gate: AskGate
    static let modelPrefix = "nextraction/"

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("models", use: models)
        group.get("models/:model", use: model)
        group.post("chat/completions", use: completions)
    }

    // MARK: Models

    struct Model: Encodable {
        var id: String
        var object = "model"
        var created: Int
        var ownedBy = "nextraction"

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }
    }

    struct ModelList: Encodable {
        var object = "list"
        var data: [Model]
    }

    @Sendable func models(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let collections = try await dependencies.database.collections(userID: user.id)
        return try .json(ModelList(data: collections.map {
            Model(id: Self.modelPrefix + $0.name, created: Int($0.createdAt.timeIntervalSince1970))
        }))
    }

    @Sendable func model(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.decoded("model")
        let name = try Self.collection(ofModel: id)
        guard let collection = try await dependencies.database.collection(userID: user.id, name: name) else { throw Self.unknownModel(id) }
        return try .json(Model(id: id, created: Int(collection.createdAt.timeIntervalSince1970)))
    }

    static func collection(ofModel model: String) throws -> String {
        if model == "nextraction" { return "default" }
        guard model.hasPrefix(modelPrefix), model.count > modelPrefix.count else { throw unknownModel(model) }
        return String(model.dropFirst(modelPrefix.count))
    }

    static func unknownModel(_ model: String) -> APIError {
        APIError(.notFound, code: "model_not_found",
                 message: "the model '\(model)' does not exist: models are nextraction/<collection>, GET /v1/models lists yours")
    }

    // MARK: Chat completions

    struct CompletionRequest: Decodable {
        var model: String
        var messages: [Message]
        var stream: Bool?
        /// NexTraction's own options: `mode` (`auto` or `extractive`) and `top_k` (source pages).
        var nextraction: Options?

        struct Options: Decodable {
            var mode: String?
            var topK: Int?
            enum CodingKeys: String, CodingKey {
                case mode
                case topK = "top_k"
            }
        }

        struct Message: Decodable {
            var role: String
            var content: String

            enum CodingKeys: String, CodingKey { case role, content }

            /// Text, or an array of parts whose text parts are joined (other parts ignored).
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                role = try container.decode(String.self, forKey: .role)
                if let text = try? container.decodeIfPresent(String.self, forKey: .content) {
                    content = text
                } else if let parts = try? container.decodeIfPresent([Part].self, forKey: .content) {
                    content = parts.compactMap(\.text).joined(separator: "\n")
                } else if try container.decodeNil(forKey: .content) {
                    content = ""
                } else {
                    throw DecodingError.dataCorruptedError(forKey: .content, in: container,
                                                           debugDescription: "content must be a string or an array of text parts")
                }
            }
        }

        struct Part: Decodable {
            var type: String
            var text: String?
        }
    }

    struct Choice: Encodable {
        var index = 0
        var message: ChatReply?
        var delta: Delta?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, message, delta
            case finishReason = "finish_reason"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encodeIfPresent(message, forKey: .message)
            try container.encodeIfPresent(delta, forKey: .delta)
            // Always present, null until the last chunk (as OpenAI's clients expect).
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    struct ChatReply: Encodable {
        var role = "assistant"
        var content: String
    }

    struct Delta: Encodable {
        var role: String?
        var content: String?
    }

    struct Usage: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int { promptTokens + completionTokens }

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(promptTokens, forKey: .promptTokens)
            try container.encode(completionTokens, forKey: .completionTokens)
            try container.encode(totalTokens, forKey: .totalTokens)
        }
    }

    /// A completion, or a chunk of one: OpenAI's fields, then NexTraction's (on the whole
    /// completion and on the last chunk of a stream).
    struct Completion: Encodable {
        var id: String
        var object: String
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: Usage?
        var citations: [Citation]?
        var sources: [SourcePage]?
        var answerable: Bool?
        var abstention: AskController.AbstentionBody?
        var mode: String?
        var stale: Bool?
        var searchedQuestion: String?

        enum CodingKeys: String, CodingKey {
            case id, object, created, model, choices, usage, citations, sources, answerable, abstention, mode, stale
            case searchedQuestion = "searched_question"
        }
    }

    @Sendable func completions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let input = try await request.decodeJSON(CompletionRequest.self, limit: dependencies.config.maxBodyBytes)
        guard let last = input.messages.last, last.role == "user" else {
            throw APIError.unprocessable("messages must end with a user message (the question)", code: "invalid_messages")
        }
        let question = last.content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !question.isEmpty, question.count <= 2000 else {
            throw APIError.unprocessable("the last user message must hold 1 to 2,000 characters", code: "invalid_question")
        }
        guard input.messages.count <= 100 else { throw APIError.unprocessable("at most 100 messages", code: "invalid_messages") }
        let conversation = try input.messages.dropLast().compactMap { message -> ChatMessage? in
            switch message.role {
            case "user": return ChatMessage(.user, message.content)
            case "assistant": return ChatMessage(.assistant, message.content)
            case "system", "developer", "tool": return nil   // our own instructions and tools apply
            default: throw APIError.unprocessable("unknown message role '\(message.role)'", code: "invalid_messages")
            }
        }
        let mode = input.nextraction?.mode ?? "auto"
        guard ["auto", "extractive"].contains(mode) else {
            throw APIError.unprocessable("nextraction.mode must be auto or extractive", code: "invalid_request")
        }
        let topK = input.nextraction?.topK ?? 5
        guard (1...20).contains(topK) else { throw APIError.unprocessable("nextraction.top_k must be between 1 and 20", code: "invalid_request") }
        let name = try Self.collection(ofModel: input.model)
        guard try await dependencies.database.collection(userID: user.id, name: name) != nil else { throw Self.unknownModel(input.model) }
        let (service, collectionID) = try await gate.prepare(user: user, collection: name)
        try await gate.throttle(user.id)
        let llm = mode != "extractive" && service.usesLLM
        let reservation = llm ? try await gate.reserveGeneration(user.id) : nil
        let header = Completion(id: "chatcmpl-" + UUID().uuidString.lowercased(), object: "chat.completion",
                                created: Int(Date().timeIntervalSince1970), model: input.model, choices: [])
        let ask: @Sendable ((@Sendable (String) -> Void)?) async throws -> AskResult = { [gate] onDelta in
            do {
                let result = try await service.ask(question, collectionID: collectionID, topK: topK, allowLLM: llm,
                                                   conversation: conversation, onDelta: onDelta)
                await gate.record(result, reservation: reservation)
                return result
            } catch {
                await reservation?.release()
                throw error
            }
        }
        if input.stream == true {
            return Self.stream(header: header, streamsText: llm, ask: ask)
        }
        let result = try await ask(nil)
        var completion = Self.finished(header, result: result, question: question)
        completion.choices = [Choice(message: ChatReply(content: Self.content(result)), finishReason: "stop")]
        return try .json(completion)
    }

    /// The answer, then the pages it quotes (or, when it abstains, the closest pages).
    static func content(_ result: AskResult) -> String {
        result.answer.text + sourcesNote(result)
    }

    static func sourcesNote(_ result: AskResult) -> String {
        if result.answer.answerable, !result.answer.citations.isEmpty {
            var seen = Set<Int>()
            let lines = result.answer.citations.filter { seen.insert($0.n).inserted }.map { "[\($0.n)] \(label($0.title, $0.heading)) — \($0.url)" }
            return "\n\nSources:\n" + lines.joined(separator: "\n")
        }
        guard !result.sources.isEmpty else { return "" }
        return "\n\nClosest pages:\n" + result.sources.map { "\($0.rank). \(label($0.title, $0.heading)) — \($0.url)" }.joined(separator: "\n")
    }

    static func label(_ title: String, _ heading: String) -> String {
        heading.isEmpty || heading == title ? title : "\(title) › \(heading)"
    }

    /// `header` with NexTraction's fields and the usage of `result`.
    static func finished(_ header: Completion, result: AskResult, question: String) -> Completion {
        var completion = header
        completion.citations = result.answer.citations
        completion.sources = result.sources
        completion.answerable = result.answer.answerable
        completion.abstention = result.answer.abstention.map { AskController.AbstentionBody(code: $0.code, message: $0.explanation) }
        completion.mode = result.mode
        completion.stale = result.stale
        completion.searchedQuestion = result.searchedQuestion
        // A language model's counts when one wrote the answer; else an estimate (4 bytes a token).
        completion.usage = result.completion.map { Usage(promptTokens: $0.promptTokens, completionTokens: $0.completionTokens) }
            ?? Usage(promptTokens: (question.utf8.count + 3) / 4, completionTokens: (content(result).utf8.count + 3) / 4)
        return completion
    }

    /// OpenAI's stream: `data:` chunks (the role, then content deltas, then the sources note
    /// and a last chunk with `finish_reason` and NexTraction's fields), then `data: [DONE]`.
    /// An LLM answer streams as the model writes it; an extractive one piece by piece.
    static func stream(header: Completion, streamsText: Bool,
                       ask: @escaping @Sendable ((@Sendable (String) -> Void)?) async throws -> AskResult) -> Response {
        var base = header
        base.object = "chat.completion.chunk"
        return Response(status: .ok, headers: ServerSentEvents.headers, body: .init { [base] (writer: inout any ResponseBodyWriter) in
            try await writeStream(to: &writer, base: base, streamsText: streamsText, ask: ask)
        })
    }

    static func chunk(_ base: Completion, _ delta: Delta, finishReason: String? = nil) -> Completion {
        var chunk = base
        chunk.choices = [Choice(delta: delta, finishReason: finishReason)]
        return chunk
    }

    static func writeStream(to writer: inout any ResponseBodyWriter, base: Completion, streamsText: Bool,
                            ask: @escaping @Sendable ((@Sendable (String) -> Void)?) async throws -> AskResult) async throws {
        try await writer.write(try ServerSentEvents.data(chunk(base, Delta(role: "assistant", content: ""))))
        let (deltas, continuation) = AsyncStream<String>.makeStream()
        let yield: @Sendable (String) -> Void = { continuation.yield($0) }
        let onDelta = streamsText ? yield : nil
        let work = Task { () throws -> AskResult in
            defer { continuation.finish() }
            return try await ask(onDelta)
        }
        // As `/ask`'s stream: the answer stops with the request or at shutdown (an error chunk).
        try await withTaskCancellationOrGracefulShutdownHandler(operation: {
            var streamed = false
            for await delta in deltas {
                streamed = true
                try await writer.write(try ServerSentEvents.data(chunk(base, Delta(content: delta))))
            }
            do {
                let result = try await work.value
                let pieces = streamed ? [] : AskController.pieces(of: result.answer.text)
                for piece in pieces + [sourcesNote(result)] where !piece.isEmpty {
                    try await writer.write(try ServerSentEvents.data(chunk(base, Delta(content: piece))))
                }
                var last = finished(base, result: result, question: "")
                last.usage = nil
                last.choices = [Choice(delta: Delta(), finishReason: "stop")]
                try await writer.write(try ServerSentEvents.data(last))
            } catch is CancellationError {
                try await writer.write(try ServerSentEvents.data(OpenAIErrorMiddleware.body(
                    APIError(.serviceUnavailable, code: "shutting_down", message: "the server is shutting down; ask again"))))
            } catch {
                let failure = (error as? APIError) ?? APIError(.internalServerError, code: "answer_failed", message: "the answer failed: \(error)")
                try await writer.write(try ServerSentEvents.data(OpenAIErrorMiddleware.body(failure)))
            }
        }, onCancelOrGracefulShutdown: {
            work.cancel()
        })
        try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
        try await writer.finish(nil)
    }
}
