import Embedding
import Foundation
import IndexStore
import LLM
import NexNumerics
import Storage

/// Timings of one question, in milliseconds.
public struct AskTimings: Sendable, Codable, Equatable {
    public var embedMilliseconds: Double
    public var searchMilliseconds: Double
    public var answerMilliseconds: Double
    public var totalMilliseconds: Double

    public init(embedMilliseconds: Double, searchMilliseconds: Double, answerMilliseconds: Double, totalMilliseconds: Double) {
        self.embedMilliseconds = embedMilliseconds
        self.searchMilliseconds = searchMilliseconds
        self.answerMilliseconds = answerMilliseconds
        self.totalMilliseconds = totalMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case embedMilliseconds = "embed_ms"
        case searchMilliseconds = "search_ms"
        case answerMilliseconds = "answer_ms"
        case totalMilliseconds = "total_ms"
    }
}

/// A question that cannot be asked.
public enum AskError: Error, Equatable {
    /// No collection to search was given.
    case noCollection
}

/// An answered (or abstained) question.
public struct AskResult: Sendable {
    public var answer: ComposedAnswer
    /// The pages behind the answer, best first, each with its best passage (also when the
    /// question is not answered: the closest pages).
    public var sources: [SourcePage]
    /// The retrieved chunks, page by page, that the answer was composed or generated from.
    public var chunks: [RetrievedChunk]
    public var timings: AskTimings
    /// `llm` when a language model wrote the answer, else `extractive`.
    public var mode: String = "extractive"
    /// Why an LLM answer was not used although providers are configured.
    public var fallbackReason: String?
    public var citationCheck: CitationChecker.Report?
    public var completion: ChatResult?
    /// The answer was searched in an index still catching up with the latest changes.
    public var stale = false
    /// What was searched: the question, or a follow-up made standalone with the conversation.
    public var searchedQuestion: String?
    /// The collection the answer comes from (one of those asked).
    public var collectionID: Int64?
}

/// Question → retrieval → abstention check → answer (written by an `answer` provider when
/// one is configured and healthy, else extracted), for the API and the CLI.
public struct AskService: Sendable {
    public let retriever: Retriever
    public let composer: AnswerComposer
    public let router: LLMRouter?
    public let checker: CitationChecker

    public init(retriever: Retriever, router: LLMRouter? = nil) {
        self.retriever = retriever
        self.router = router
        composer = AnswerComposer(embedder: retriever.embedder, configuration: retriever.configuration)
        checker = CitationChecker(embedder: retriever.embedder)
    }

    /// Whether a question asked now would be answered by a language model.
    public var usesLLM: Bool { router.map { $0.isAvailable(.answer) } ?? false }

    /// `topK`: source pages returned (and chunks an LLM is shown). `conversation`: the turns
    /// before this question, oldest first: a follow-up is searched and answered made
    /// standalone with them (`FollowUp`), and a language model sees them. `onDelta` receives
    /// the LLM's text as it streams (not called for extractive answers).
    public func ask(_ question: String, collectionID: Int64, topK: Int, allowLLM: Bool = true, conversation: [ChatMessage] = [],
                    onDelta: (@Sendable (String) -> Void)? = nil) async throws -> AskResult {
        try await ask(question, collectionIDs: [collectionID], topK: topK, allowLLM: allowLLM, conversation: conversation, onDelta: onDelta)
    }

    /// Asked of several collections: each is searched, and the answer comes from the one
    /// whose best passage is closest to the question among those that do not abstain (cosine
    /// similarity is comparable across collections; their fused scores are not), or, when all
    /// abstain, says why for the closest. `AskResult.collectionID` names the collection.
    public func ask(_ question: String, collectionIDs: [Int64], topK: Int, allowLLM: Bool = true, conversation: [ChatMessage] = [],
                    onDelta: (@Sendable (String) -> Void)? = nil) async throws -> AskResult {
        let start = Stopwatch.seconds()
        let asked = question
        let question = FollowUp.standalone(question, previous: conversation.filter { $0.role == .user }.map(\.content))
        typealias Candidate = (id: Int64, retrieval: Retrieval, abstention: Abstention?, closeness: Float)
        func better(_ candidate: Candidate, than current: Candidate) -> Bool {
            if (candidate.abstention == nil) != (current.abstention == nil) { return candidate.abstention == nil }
            return candidate.closeness > current.closeness
        }
        var chosen: Candidate?
        var embedded: (vector: [Float], seconds: Double)?
        for collectionID in collectionIDs {
            var retrieval = try await retriever.retrieve(question, collectionID: collectionID,
                                                         k: topK * max(1, retriever.configuration.perDocumentCap),
                                                         questionVector: embedded?.vector)
            // Embedded once, for the first collection; the timings report that.
            if let embedded { retrieval.embedSeconds = embedded.seconds } else { embedded = (retrieval.questionVector, retrieval.embedSeconds) }
            let candidate: Candidate = (collectionID, retrieval, try await retriever.abstention(for: retrieval, collectionID: collectionID),
                                        retrieval.results.compactMap(\.dense).max() ?? -1)
            if chosen.map({ better(candidate, than: $0) }) ?? true { chosen = candidate }
        }
        guard let best = chosen else { throw AskError.noCollection }
        let retrieval = best.retrieval, abstention = best.abstention
        let answerStart = Stopwatch.seconds()
        func timings() -> AskTimings {
            let end = Stopwatch.seconds()
            return AskTimings(embedMilliseconds: retrieval.embedSeconds * 1000, searchMilliseconds: retrieval.searchSeconds * 1000,
                              answerMilliseconds: (end - answerStart) * 1000, totalMilliseconds: (end - start) * 1000)
        }
        var fallbackReason: String?
        if allowLLM, let router, router.providers(for: .answer).isEmpty == false {
            if !router.isAvailable(.answer) {
                fallbackReason = "every answer provider's circuit is open"
            } else if abstention == nil {
                do {
                    var result = try await generate(asked, conversation: conversation, retrieval: retrieval, topK: topK, router: router,
                                                    onDelta: onDelta)
                    result.timings = timings()
                    result.stale = retrieval.stale
                    result.searchedQuestion = question
                    result.collectionID = best.id
                    return result
                } catch {
                    fallbackReason = "the language model failed: \(error)"
                }
            }
        }
        let (answer, sources) = try await composer.compose(retrieval: retrieval, abstention: abstention, sourceCount: topK)
        return AskResult(answer: answer, sources: sources, chunks: retrieval.results, timings: timings(), fallbackReason: fallbackReason,
                         stale: retrieval.stale, searchedQuestion: question, collectionID: best.id)
    }

    static let answerInstructions = """
        Answer the question using only the numbered sources. End every sentence with the number \
        of the source it comes from in square brackets, like this: "Roses are pruned in late \
        winter [1]." If the sources do not answer the question, say that the pages do not say. \
        Answer in at most three sentences.
        """

    /// The sources as the model sees them: numbered, with title, heading and text.
    static func sourcesPrompt(_ results: [RetrievedChunk]) -> String {
        results.enumerated().map { index, hit in
            let heading = hit.chunk.headingPath.isEmpty ? "" : " — \(hit.chunk.headingPath)"
            return "[\(index + 1)] \(hit.chunk.title)\(heading)\n\(hit.chunk.text.prefix(1200))"
        }.joined(separator: "\n\n")
    }

    /// Earlier turns a model is shown: the last few, each cut to a readable length.
    static func recentTurns(_ conversation: [ChatMessage]) -> [ChatMessage] {
        conversation.filter { $0.role != .system }.suffix(6).map { ChatMessage($0.role, String($0.content.prefix(2000))) }
    }

    private func generate(_ question: String, conversation: [ChatMessage], retrieval: Retrieval, topK: Int, router: LLMRouter,
                          onDelta: (@Sendable (String) -> Void)?) async throws -> AskResult {
        let shown = Array(retrieval.results.prefix(topK))
        let request = ChatRequest(messages: [ChatMessage(.system, Self.answerInstructions)] + Self.recentTurns(conversation) + [
            ChatMessage(.user, "Sources:\n\n\(Self.sourcesPrompt(shown))\n\nQuestion: \(question)"),
        ], maxTokens: 256)
        let completion = try await router.complete(role: .answer, request, onDelta: onDelta)
        let vectors = retrieval.vectors
        let sources = shown.map { CitationChecker.Source(text: $0.chunk.text, vector: vectors[$0.chunk.id] ?? []) }
        let (text, report) = try await checker.check(answer: completion.text.trimmingCharacters(in: .whitespacesAndNewlines), sources: sources)
        // Citations: the sources still cited after the check, numbered as the model numbered them.
        var citations: [Citation] = []
        for n in Set(report.kept.map(\.n)).sorted() {
            let hit = shown[n - 1]
            let best = report.kept.filter { $0.n == n }.compactMap(\.score).max() ?? 0
            citations.append(Citation(n: n, url: hit.chunk.url, title: hit.chunk.title, heading: hit.chunk.headingPath,
                                      snippet: String(hit.chunk.text.prefix(300)), score: Double(best), chunkID: hit.chunk.id))
        }
        let answer = ComposedAnswer(text: text, answerable: true, citations: citations, confidence: AnswerComposer.confidence(retrieval),
                                    abstention: nil)
        let pages = AnswerComposer.sources(retrieval.pages.prefix(topK), candidates: [], chunks: [])
        return AskResult(answer: answer, sources: pages, chunks: shown, timings: AskTimings(embedMilliseconds: 0, searchMilliseconds: 0,
                         answerMilliseconds: 0, totalMilliseconds: 0), mode: "llm", citationCheck: report, completion: completion)
    }
}
