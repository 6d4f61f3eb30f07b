import Embedding
import Foundation
import NexNumerics
import Storage
import TextKit

/// A numbered source of an answer.
public struct Citation: Sendable, Codable, Equatable {
    public var n: Int
    public var url: String
    public var title: String
    public var heading: String
    /// The sentence(s) of the source that support the answer (or its opening).
    public var snippet: String
    public var score: Double
    public var chunkID: Int64

    enum CodingKeys: String, CodingKey {
        case n, url, title, heading, snippet, score
        case chunkID = "chunk_id"
    }
}

/// An answer taken from the sources, or an abstention.
public struct ComposedAnswer: Sendable {
    public var text: String
    public var answerable: Bool
    public var citations: [Citation]
    /// The best source's cosine similarity to the question (what abstention is decided on).
    public var confidence: Float
}

/// Extractive answers: the best 1–3 sentences of the top chunks, in document order, each
/// followed by the `[n]` marker of its source.
///
/// Sentences of the first `answerChunks` chunks are pre-selected by word overlap with the
/// question (as many as fit a token budget), embedded in one batch, and scored by cosine similarity plus word overlap. When
/// the best source's similarity to the question is below `abstainBelow` the composer says the
/// pages do not answer it instead of guessing.
public struct AnswerComposer: Sendable {
    public let embedder: any Embedder
    public let configuration: RetrievalConfiguration
    public static let notFound = "I could not find an answer to this in the pages of this collection."

    public init(embedder: any Embedder, configuration: RetrievalConfiguration) {
        self.embedder = embedder
        self.configuration = configuration
    }

    struct Candidate {
        var text: String
        /// What is embedded: the sentence after its section heading, so a sentence of the
        /// "Ventilation" section matches a question about ventilating.
        var context: String
        var source: Int       // index into the retrieved chunks
        var position: Int     // sentence index in its chunk
        var overlap: Float
        var score: Float = 0
    }

    /// Words that open a sentence referring back to the one before ("It comes from …").
    static let continuationWords: Set<String> = ["it", "its", "this", "these", "that", "those", "they", "their", "such", "then", "so"]

    /// `vectors`: the stored vectors of `results` (by chunk id) for the confidence check.
    public func compose(question: String, questionVector: [Float], results: [RetrievedChunk], vectors: [Int64: [Float]]) async throws -> ComposedAnswer {
        let confidence = results.compactMap { result in vectors[result.chunk.id].map { Vector.dot($0, questionVector) } }.max() ?? 0
        guard !results.isEmpty, confidence >= configuration.abstainBelow else {
            return ComposedAnswer(text: Self.notFound, answerable: false, citations: [], confidence: confidence)
        }
        let questionTerms = Self.stemmedTerms(question, limit: 24)
        var candidates: [Candidate] = []
        var sentencesOf: [[String]] = []
        for (source, result) in results.prefix(configuration.answerChunks).enumerated() {
            let heading = result.chunk.headingPath.components(separatedBy: " › ").last ?? ""
            let sentences = SentenceSplitter.split(result.chunk.text)
            sentencesOf.append(sentences)
            for (position, sentence) in sentences.enumerated() {
                let words = sentence.split(whereSeparator: \.isWhitespace)
                guard words.count >= 4 else { continue }
                let context = heading.isEmpty ? sentence : "\(heading): \(sentence)"
                candidates.append(Candidate(text: sentence, context: context, source: source, position: position,
                                            overlap: Self.overlap(questionTerms, context)))
            }
        }
        guard !candidates.isEmpty else {
            return ComposedAnswer(text: Self.notFound, answerable: false, citations: [], confidence: confidence)
        }
        // Pre-select by overlap (ties: better source, earlier sentence), then embed them all at once.
        candidates.sort { ($0.overlap, -$0.source, -$0.position) > ($1.overlap, -$1.source, -$1.position) }
        var tokens = 0
        var embedded = 0
        for candidate in candidates {
            tokens += embedder.tokenCounter.countTokens(candidate.context) + 2
            if embedded >= configuration.minCandidateSentences && tokens > configuration.sentenceTokenBudget { break }
            embedded += 1
        }
        candidates = Array(candidates.prefix(embedded))
        let vectors = try await embedder.embedInteractive(candidates.map(\.context))
        let weight = configuration.sentenceSimilarityWeight
        for index in candidates.indices {
            let cosine = Vector.dot(vectors.vector(index), questionVector)
            candidates[index].score = weight * cosine + (1 - weight) * candidates[index].overlap
        }
        candidates.sort { $0.score > $1.score }
        let best = candidates[0].score
        var chosen = Array(candidates.prefix(configuration.maxAnswerSentences)
            .filter { $0.score >= best * configuration.sentenceRelativeThreshold })
        // A chosen sentence followed by one that refers back to it ("It comes from …") takes
        // that sentence along: it usually carries the actual answer.
        for sentence in chosen where chosen.count < configuration.maxAnswerSentences {
            let next = sentence.position + 1
            guard next < sentencesOf[sentence.source].count,
                  !chosen.contains(where: { $0.source == sentence.source && $0.position == next }) else { continue }
            let text = sentencesOf[sentence.source][next]
            let first = text.split(separator: " ").first.map { $0.lowercased().trimmingCharacters(in: .punctuationCharacters) } ?? ""
            if Self.continuationWords.contains(first) {
                chosen.append(Candidate(text: text, context: text, source: sentence.source, position: next, overlap: 0,
                                        score: sentence.score))
            }
        }
        chosen.sort { ($0.source, $0.position) < ($1.source, $1.position) }

        // Number sources by first appearance in the answer.
        var numbers: [Int: Int] = [:]
        var citations: [Citation] = []
        var text = ""
        for sentence in chosen {
            let n: Int
            if let existing = numbers[sentence.source] {
                n = existing
                citations[n - 1].snippet += " " + sentence.text
            } else {
                n = citations.count + 1
                numbers[sentence.source] = n
                let chunk = results[sentence.source].chunk
                citations.append(Citation(n: n, url: chunk.url, title: chunk.title, heading: chunk.headingPath,
                                          snippet: sentence.text, score: Double(sentence.score), chunkID: chunk.id))
            }
            text += (text.isEmpty ? "" : " ") + sentence.text + " [\(n)]"
        }
        return ComposedAnswer(text: text, answerable: true, citations: citations, confidence: confidence)
    }

    /// Share of the question's terms found in `sentence` (after light stemming).
    static func overlap(_ terms: Set<String>, _ sentence: String) -> Float {
        share(of: terms, in: stemmedTerms(sentence, limit: 200))
    }

    /// The topic words of `text` (see `QueryTerms.terms`), stemmed.
    static func stemmedTerms(_ text: String, limit: Int) -> Set<String> {
        Set(QueryTerms.terms(text, limit: limit).map(stem))
    }

    /// The share of `terms` found in `words` (0 for no terms).
    static func share(of terms: Set<String>, in words: Set<String>) -> Float {
        terms.isEmpty ? 0 : Float(terms.intersection(words).count) / Float(terms.count)
    }

    /// A crude English suffix stripper, enough to match "pruning" with "prune" and
    /// "ventilate" with "ventilation" (the first matching suffix is removed when at least
    /// four letters remain).
    static func stem(_ word: String) -> String {
        for suffix in ["ations", "ation", "ings", "ing", "ions", "ion", "ates", "ated", "ate", "ies", "es", "ed", "ly", "s", "e"]
        where word.count >= suffix.count + 4 && word.hasSuffix(suffix) {
            return String(word.dropLast(suffix.count))
        }
        return word
    }
}
