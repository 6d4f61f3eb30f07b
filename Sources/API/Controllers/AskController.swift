import Foundation
import HTTPTypes
import Hummingbird
import LLM
import Logging
import Orchestrator
import Retrieval
import ServiceLifecycle
import Storage

/// `POST /ask` (JSON or server-sent events) and `GET /search`.
struct AskController {
    let dependencies: AppDependencies
    let gate: AskGate
    var conversations: Conversations { Conversations(database: dependencies.database) }

    struct AskRequest: Decodable {
        var question: String
        var collection: String?
        /// Several collections at once: the answer comes from the one whose passages fit best.
        var collections: [String]?
        var topK: Int?
        var stream: Bool?
        /// `auto` (an LLM answer when a provider is configured) or `extractive`.
        var mode: String?
        /// A conversation to ask in (its earlier turns are context, this turn is added to it),
        /// or `new` to start one.
        var conversationID: String?

        enum CodingKeys: String, CodingKey {
            case question, collection, collections, stream, mode
            case topK = "top_k"
            case conversationID = "conversation_id"
        }
    }

    struct AskResponse: Encodable {
        var answer: String
        var answerable: Bool
        var citations: [Citation]
        var sources: [SourcePage]
        var abstention: AbstentionBody?
        var timings: AskTimings
        var mode: String
        var confidence: Float
        var citationCheck: CitationChecker.Report?
        var usage: Usage?
        var fallbackReason: String?
        /// Searched in an index still catching up with changes made on another server.
        var stale: Bool
        /// What was searched: the question, or a follow-up made standalone with the conversation.
        var searchedQuestion: String?
        /// The conversation the turn was added to.
        var conversationID: String?
        /// The collection the answer comes from (when several were asked).
        var collection: String?

        enum CodingKeys: String, CodingKey {
            case answer, answerable, citations, sources, abstention, timings, mode, confidence, usage, stale, collection
            case citationCheck = "citation_check"
            case fallbackReason = "fallback_reason"
            case searchedQuestion = "searched_question"
            case conversationID = "conversation_id"
        }

        init(_ result: AskResult) {
            answer = result.answer.text
            answerable = result.answer.answerable
            citations = result.answer.citations
            sources = result.sources
            abstention = result.answer.abstention.map { AbstentionBody(code: $0.code, message: $0.explanation) }
            timings = result.timings
            mode = result.mode
            confidence = result.answer.confidence
            citationCheck = result.citationCheck
            usage = result.completion.map(Usage.init)
            fallbackReason = result.fallbackReason
            stale = result.stale
            searchedQuestion = result.searchedQuestion
        }
    }

    /// Why a question was not answered.
    struct AbstentionBody: Encodable {
        var code: String
        var message: String
    }

    /// What an LLM answer cost.
    struct Usage: Encodable {
        var provider: String
        var model: String
        var promptTokens: Int
        var completionTokens: Int
        var estimated: Bool
        var cost: Double
        var firstTokenMilliseconds: Double?
        var llmMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case provider, model, estimated, cost
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case firstTokenMilliseconds = "first_token_ms"
            case llmMilliseconds = "llm_ms"
        }

        init(_ result: ChatResult) {
            provider = result.provider
            model = result.model
            promptTokens = result.promptTokens
            completionTokens = result.completionTokens
            estimated = result.usageEstimated
            cost = result.cost
            firstTokenMilliseconds = result.firstTokenSeconds.map { $0 * 1000 }
            llmMilliseconds = result.seconds * 1000
        }
    }

    func addRoutes(to routes: ScopedRoutes) {
        routes.read.post("ask", use: ask)
        routes.read.get("search", use: search)
    }

    @Sendable func ask(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let input = try await request.decodeJSON(AskRequest.self, limit: dependencies.config.maxBodyBytes)
        let question = input.question.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !question.isEmpty else { throw APIError.unprocessable("question must not be empty", code: "invalid_question") }
        guard question.count <= 2000 else { throw APIError.unprocessable("question must be at most 2,000 characters", code: "invalid_question") }
        let topK = input.topK ?? 5
        guard (1...20).contains(topK) else { throw APIError.unprocessable("top_k must be between 1 and 20", code: "invalid_request") }
        // The collection first: a question about one that does not exist is a 404 and costs nothing.
        let (service, collections) = try await gate.prepare(user: user, collections: input.collections ?? [input.collection ?? "default"])
        let collectionIDs = collections.map(\.id)
        try await gate.throttle(user.id)
        // After the rate limit: a refused question starts no conversation.
        var thread: Conversations.Thread?
        if let id = input.conversationID { thread = try await conversations.open(id, user: user, question: question) }
        let wantsStream = input.stream == true || (request.headers[.accept]?.contains("text/event-stream") ?? false)
        guard ["auto", "extractive"].contains(input.mode ?? "auto") else {
            throw APIError.unprocessable("mode must be auto or extractive", code: "invalid_request")
        }
        // An LLM-written answer is a generation: reserved before, kept only if the model wrote it.
        let llm = input.mode != "extractive" && service.usesLLM
        let reservation = await llm ? try gate.reserveGeneration(user.id) : nil
        // The turn is stored before the generation is kept: an answer that cannot be recorded
        // fails, and gives its generation back (releasing a kept one does nothing).
        let record: @Sendable (AskResult) async throws -> AskResponse = { [gate, conversations, thread, collections] result in
            var response = AskResponse(result)
            let collection = collections.first { $0.id == result.collectionID }?.name ?? collections[0].name
            response.collection = collection
            if let thread {
                do {
                    try await conversations.append(result, question: question, collection: collection, to: thread)
                } catch {
                    await reservation?.release()
                    throw error
                }
                response.conversationID = thread.id
            }
            await gate.record(result, reservation: reservation)
            return response
        }
        let history = thread?.messages ?? []
        if llm && wantsStream {
            return Self.streamLLM { onDelta in
                do {
                    let result = try await service.ask(question, collectionIDs: collectionIDs, topK: topK, allowLLM: true,
                                                       conversation: history, onDelta: onDelta)
                    return try await record(result)
                } catch {
                    await reservation?.release()
                    throw error
                }
            }
        }
        let result: AskResult
        do {
            result = try await service.ask(question, collectionIDs: collectionIDs, topK: topK, allowLLM: llm, conversation: history)
        } catch {
            await reservation?.release()
            throw error
        }
        let response = try await record(result)
        return wantsStream ? try Self.stream(response) : try .json(response)
    }

    /// An LLM answer as server-sent events while it is written: `answer` deltas as the model
    /// streams them, then `citations` (the checked ones), `citation_check`, and `done` with the
    /// final (checked) answer, mode and timings. A failure mid-way ends with an `error` event.
    static func streamLLM(_ run: @escaping @Sendable (@escaping @Sendable (String) -> Void) async throws -> AskResponse) -> Response {
        Response(status: .ok, headers: ServerSentEvents.headers, body: .init { writer in
            let (deltas, continuation) = AsyncStream<String>.makeStream()
            let work = Task { () throws -> AskResponse in
                defer { continuation.finish() }
                return try await run { continuation.yield($0) }
            }
            // The LLM call runs in its own task: it must stop with the request (a client gone,
            // a server shutting down), not run on to its own timeout. On SIGTERM the stream ends
            // at once with an `error` event the client can act on, so shutdown does not wait.
            try await withTaskCancellationOrGracefulShutdownHandler(operation: {
                for await delta in deltas { try await writer.write(ServerSentEvents.event("answer", ["delta": delta])) }
                do {
                    let response = try await work.value
                    try await writer.write(ServerSentEvents.event("citations", response.citations))
                    try await writer.write(ServerSentEvents.event("sources", response.sources))
                    if let check = response.citationCheck { try await writer.write(ServerSentEvents.event("citation_check", check)) }
                    try await writer.write(ServerSentEvents.event("done", LLMDone(answer: response.answer, answerable: response.answerable,
                                                                                  timings: response.timings, mode: response.mode,
                                                                                  fallbackReason: response.fallbackReason,
                                                                                  stale: response.stale,
                                                                                  conversationID: response.conversationID,
                                                                                  collection: response.collection)))
                } catch is CancellationError {
                    try? await writer.write(ServerSentEvents.event("error", ["code": "shutting_down",
                                                                             "message": "the server is shutting down; ask again"]))
                } catch {
                    try await writer.write(ServerSentEvents.event("error", ["code": "answer_failed", "message": "\(error)"]))
                }
            }, onCancelOrGracefulShutdown: {
                work.cancel()
            })
            try await writer.finish(nil)
        })
    }

    /// The last event of an LLM answer's stream.
    struct LLMDone: Encodable {
        var answer: String
        var answerable: Bool
        var timings: AskTimings
        var mode: String
        var fallbackReason: String?
        var stale: Bool
        var conversationID: String?
        var collection: String?
        enum CodingKeys: String, CodingKey {
            case answer, answerable, timings, mode, stale, collection
            case fallbackReason = "fallback_reason"
            case conversationID = "conversation_id"
        }
    }

    /// The same answer as server-sent events: `sources`, `citations`, then `answer` deltas
    /// (one per cited passage), then `done` with the timings (and the abstention, if any).
    static func stream(_ response: AskResponse) throws -> Response {
        var events = [try ServerSentEvents.event("sources", response.sources), try ServerSentEvents.event("citations", response.citations)]
        for piece in Self.pieces(of: response.answer) { events.append(try ServerSentEvents.event("answer", ["delta": piece])) }
        struct Done: Encodable {
            var answerable: Bool
            var abstention: AbstentionBody?
            var timings: AskTimings
            var mode: String
            var confidence: Float
            var stale: Bool
            var conversationID: String?
            var collection: String?
            enum CodingKeys: String, CodingKey {
                case answerable, abstention, timings, mode, confidence, stale, collection
                case conversationID = "conversation_id"
            }
        }
        events.append(try ServerSentEvents.event("done", Done(answerable: response.answerable, abstention: response.abstention,
                                                              timings: response.timings, mode: response.mode,
                                                              confidence: response.confidence, stale: response.stale,
                                                              conversationID: response.conversationID, collection: response.collection)))
        return Response(status: .ok, headers: ServerSentEvents.headers, body: .init { [events] writer in
            for event in events { try await writer.write(event) }
            try await writer.finish(nil)
        })
    }

    /// The answer cut after each citation marker, so the pieces concatenate to the answer.
    static func pieces(of answer: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var index = answer.startIndex
        while index < answer.endIndex {
            current.append(answer[index])
            if answer[index] == "]", current.contains("[") {
                pieces.append(current)
                current = ""
            }
            index = answer.index(after: index)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    struct SearchResult: Encodable {
        var rank: Int
        var chunkID: Int64
        var url: String
        var title: String
        var heading: String
        var text: String
        var dense: Float?
        var lexical: Double?
        var fused: Double

        enum CodingKeys: String, CodingKey {
            case rank, url, title, heading, text, dense, lexical, fused
            case chunkID = "chunk_id"
        }
    }

    struct SearchResponse: Encodable {
        var results: [SearchResult]
        var timings: AskTimings
        var stale: Bool
    }

    @Sendable func search(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = (try request.query("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty, query.count <= 2000 else { throw APIError.unprocessable("q must be 1 to 2,000 characters", code: "invalid_question") }
        let k = try request.queryInt("k", in: 1...100, default: 10)
        return try .json(try await search(query, collection: try request.query("collection"), k: k, user: user))
    }

    /// Ranked chunks for `query` in the user's collection (after the gate's checks).
    func search(_ query: String, collection: String?, k: Int, user: AuthenticatedUser) async throws -> SearchResponse {
        let (service, collectionID) = try await gate.prepare(user: user, collection: collection)
        try await gate.throttle(user.id)
        let start = Date()
        let retrieval = try await service.retriever.retrieve(query, collectionID: collectionID, k: k)
        let results = retrieval.results.enumerated().map { rank, hit in
            SearchResult(rank: rank + 1, chunkID: hit.chunk.id, url: hit.chunk.url, title: hit.chunk.title, heading: hit.chunk.headingPath,
                         text: hit.chunk.text, dense: hit.dense, lexical: hit.lexical, fused: hit.fused)
        }
        let timings = AskTimings(embedMilliseconds: retrieval.embedSeconds * 1000, searchMilliseconds: retrieval.searchSeconds * 1000,
                                 answerMilliseconds: 0, totalMilliseconds: Date().timeIntervalSince(start) * 1000)
        return SearchResponse(results: results, timings: timings, stale: retrieval.stale)
    }
}
