import Embedding
import Foundation
import NexNumerics
import TextKit

/// Checks the `[n]` markers of a generated answer: a marker must name a source that was
/// provided, and the sentence carrying it must be supported by that source. Support is
/// `0.6 × cosine(sentence, source chunk) + 0.4 × share of the sentence's terms found in the
/// source`, at least `threshold` (0.35). Markers that fail are removed from the answer and
/// reported.
public struct CitationChecker: Sendable {
    public let embedder: any Embedder
    public var threshold: Float = 0.35
    public static let similarityWeight: Float = 0.6

    public init(embedder: any Embedder, threshold: Float = 0.35) {
        self.embedder = embedder
        self.threshold = threshold
    }

    public struct Verdict: Sendable, Codable, Equatable {
        public var n: Int
        public var sentence: String
        public var score: Float?
        public var reason: String?
    }

    public struct Report: Sendable, Codable, Equatable {
        public var threshold: Float
        public var checked: Int
        public var kept: [Verdict]
        public var dropped: [Verdict]
    }

    /// A source as the checker needs it: its text and stored vector.
    public struct Source: Sendable {
        public var text: String
        public var vector: [Float]

        public init(text: String, vector: [Float]) {
            self.text = text
            self.vector = vector
        }
    }

    static var marker: Regex<(Substring, Substring)> { /\[(\d{1,3})\]/ }

    /// The answer with unsupported markers removed, and the report. `sources[i]` is source i + 1.
    public func check(answer: String, sources: [Source]) async throws -> (answer: String, report: Report) {
        let sentences = SentenceSplitter.split(answer)
        // Each (sentence, n) pair; the sentence text without markers is what gets scored.
        var claims: [(sentence: Int, n: Int)] = []
        var plain: [String] = []
        for (index, sentence) in sentences.enumerated() {
            plain.append(sentence.replacing(Self.marker, with: "").trimmingCharacters(in: .whitespaces))
            var seen = Set<Int>()
            for match in sentence.matches(of: Self.marker) {
                if let n = Int(match.output.1), seen.insert(n).inserted { claims.append((index, n)) }
            }
        }
        let toEmbed = Array(Set(claims.filter { (1...sources.count).contains($0.n) }.map(\.sentence))).sorted()
        var vectors: [Int: [Float]] = [:]
        if !toEmbed.isEmpty {
            let embedded = try await embedder.embedInteractive(toEmbed.map { plain[$0] })
            for (row, index) in toEmbed.enumerated() { vectors[index] = embedded.vector(row) }
        }
        var sourceTerms: [Int: Set<String>] = [:]   // each cited source's words, stemmed once
        var kept: [Verdict] = []
        var dropped: [Verdict] = []
        var remove: [Int: Set<Int>] = [:]
        for claim in claims {
            let text = plain[claim.sentence]
            guard (1...max(1, sources.count)).contains(claim.n), claim.n <= sources.count else {
                dropped.append(Verdict(n: claim.n, sentence: text, score: nil, reason: "source \(claim.n) was not provided"))
                remove[claim.sentence, default: []].insert(claim.n)
                continue
            }
            let source = sources[claim.n - 1]
            let cosine = vectors[claim.sentence].map { Vector.dot($0, source.vector) } ?? 0
            if sourceTerms[claim.n] == nil { sourceTerms[claim.n] = QuestionWeights.stems(of: source.text) }
            let overlap = QuestionWeights.share(of: QuestionWeights.stems(of: text), in: sourceTerms[claim.n] ?? [])
            let score = Self.similarityWeight * cosine + (1 - Self.similarityWeight) * overlap
            if score >= threshold {
                kept.append(Verdict(n: claim.n, sentence: text, score: score, reason: nil))
            } else {
                dropped.append(Verdict(n: claim.n, sentence: text, score: score, reason: "not supported by source \(claim.n)"))
                remove[claim.sentence, default: []].insert(claim.n)
            }
        }
        let cleaned = sentences.enumerated().map { index, sentence -> String in
            guard let numbers = remove[index] else { return sentence }
            var result = sentence
            for n in numbers { result = result.replacingOccurrences(of: " [\(n)]", with: "").replacingOccurrences(of: "[\(n)]", with: "") }
            return result
        }.joined(separator: " ")
        return (cleaned, Report(threshold: threshold, checked: claims.count, kept: kept, dropped: dropped))
    }
}
