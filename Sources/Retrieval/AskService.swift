import Embedding
import Foundation
import IndexStore
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

/// An answered (or abstained) question.
public struct AskResult: Sendable {
    public var answer: ComposedAnswer
    public var sources: [RetrievedChunk]
    public var timings: AskTimings
}

/// Question → retrieval → extractive answer, for the API and the CLI.
public struct AskService: Sendable {
    public let retriever: Retriever
    public let composer: AnswerComposer

    public init(retriever: Retriever) {
        self.retriever = retriever
        composer = AnswerComposer(embedder: retriever.embedder, configuration: retriever.configuration)
    }

    public func ask(_ question: String, collectionID: Int64, topK: Int) async throws -> AskResult {
        let start = Stopwatch.seconds()
        let retrieval = try await retriever.retrieve(question, collectionID: collectionID, k: topK)
        let answerStart = Stopwatch.seconds()
        let (ids, flat) = try retriever.database.chunkVectors(ids: retrieval.results.map(\.chunk.id), dimension: retriever.embedder.dimension)
        let dimension = retriever.embedder.dimension
        var vectors: [Int64: [Float]] = [:]
        for (row, id) in ids.enumerated() { vectors[id] = Array(flat[(row * dimension)..<((row + 1) * dimension)]) }
        let answer = try await composer.compose(question: question, questionVector: retrieval.questionVector,
                                                results: retrieval.results, vectors: vectors)
        let end = Stopwatch.seconds()
        let timings = AskTimings(
            embedMilliseconds: retrieval.embedSeconds * 1000, searchMilliseconds: retrieval.searchSeconds * 1000,
            answerMilliseconds: (end - answerStart) * 1000, totalMilliseconds: (end - start) * 1000
        )
        return AskResult(answer: answer, sources: retrieval.results, timings: timings)
    }
}
