import Foundation
import Retrieval

/// One question of a site QA set: a line of the `eval site` JSON-lines format.
struct SiteQuestion: Decodable {
    /// factual, value, vocabulary, multi or offtopic (free text; reported per kind).
    var kind: String?
    var question: String
    /// Pages that answer it: full URLs, or site paths ("/library/os.html") matched against the
    /// URL's path so that a set works wherever the site is served. Empty: not answerable.
    var pages: [String]
    var answerTerms: [String]?

    enum CodingKeys: String, CodingKey {
        case kind, question, pages
        case answerTerms = "answer_terms"
    }

    var isAnswerable: Bool { !pages.isEmpty }
    var label: String { kind ?? (isAnswerable ? "answerable" : "offtopic") }

    /// Whether `url` is one of the gold pages.
    func isGold(_ url: String) -> Bool {
        func trimmed(_ text: String) -> String { text.count > 1 && text.hasSuffix("/") ? String(text.dropLast()) : text }
        let path = URLComponents(string: url)?.path ?? url
        return pages.contains { gold in gold.hasPrefix("/") ? trimmed(gold) == trimmed(path) : trimmed(gold) == trimmed(url) }
    }
}

/// What happened to one question.
struct SiteOutcome {
    var item: SiteQuestion
    var answer: String
    var abstained: Bool
    /// Source pages, best first.
    var sources: [String]
    /// Pages the answer cites.
    var cited: [String]
    /// Whether an answer term occurs in the answer or its cited snippets (nil: no terms given).
    var termFound: Bool?
    /// Whether an answer term occurs in the five best retrieved chunks (nil: no terms given):
    /// beside `termFound`, it tells a miss of the search from a miss of the answer step.
    var termRetrieved: Bool?
    var milliseconds: Double
    var timings: AskTimings

    var hitAt1: Bool { sources.first.map(item.isGold) ?? false }
    var hitAt5: Bool { sources.prefix(5).contains(where: item.isGold) }
    var citedHit: Bool { cited.contains(where: item.isGold) }

    init(item: SiteQuestion, result: AskResult) {
        self.item = item
        answer = result.answer.text
        abstained = !result.answer.answerable
        sources = result.sources.map(\.url)
        cited = result.answer.citations.map(\.url)
        let quoted = ([result.answer.text] + result.answer.citations.map(\.snippet)).joined(separator: "\n")
        let terms = item.answerTerms ?? []
        termFound = terms.isEmpty ? nil : terms.contains { Self.contains(quoted, term: $0) }
        let retrieved = result.chunks.prefix(5).map(\.chunk.text).joined(separator: "\n")
        termRetrieved = terms.isEmpty ? nil : terms.contains { Self.contains(retrieved, term: $0) }
        milliseconds = result.timings.totalMilliseconds
        timings = result.timings
    }

    /// Whether `term` occurs in `text` as a whole word or phrase, ignoring case ("4" does not
    /// occur in "1024"; "ort" not in "short").
    static func contains(_ text: String, term: String) -> Bool {
        let haystack = Array(text.lowercased().unicodeScalars), needle = Array(term.lowercased().unicodeScalars)
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        func isWord(_ scalar: Unicode.Scalar) -> Bool { CharacterSet.alphanumerics.contains(scalar) || scalar == "_" }
        let checkStart = isWord(needle[0]), checkEnd = isWord(needle[needle.count - 1])
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            guard haystack[start..<(start + needle.count)].elementsEqual(needle) else { continue }
            if checkStart, start > 0, isWord(haystack[start - 1]) { continue }
            let end = start + needle.count
            if checkEnd, end < haystack.count, isWord(haystack[end]) { continue }
            return true
        }
        return false
    }
}

/// The measures of `eval site` over a group of questions (one kind, or all).
struct SiteScores {
    var answerable = 0, offTopic = 0
    var hitAt1 = 0.0, hitAt5 = 0.0, citedHit = 0.0, termRate = 0.0, termRetrievedRate = 0.0
    /// Off-topic questions that were abstained on, and answerable ones that were.
    var abstained = 0, falselyAbstained = 0
    var p50 = 0.0, p95 = 0.0
    /// Median milliseconds of each stage: embedding the question, searching, answering.
    var stageP50 = (embed: 0.0, search: 0.0, answer: 0.0)

    init(_ outcomes: [SiteOutcome]) {
        let answerable = outcomes.filter(\.item.isAnswerable)
        self.answerable = answerable.count
        offTopic = outcomes.count - answerable.count
        func rate(_ flags: [Bool]) -> Double { flags.isEmpty ? 0 : Double(flags.filter { $0 }.count) / Double(flags.count) }
        hitAt1 = rate(answerable.map(\.hitAt1))
        hitAt5 = rate(answerable.map(\.hitAt5))
        citedHit = rate(answerable.map(\.citedHit))
        termRate = rate(answerable.compactMap(\.termFound))
        termRetrievedRate = rate(answerable.compactMap(\.termRetrieved))
        abstained = outcomes.filter { !$0.item.isAnswerable && $0.abstained }.count
        falselyAbstained = answerable.filter(\.abstained).count
        let latencies = outcomes.map(\.milliseconds)
        p50 = BenchSupport.percentile(latencies, 0.5)
        p95 = BenchSupport.percentile(latencies, 0.95)
        stageP50 = (BenchSupport.percentile(outcomes.map(\.timings.embedMilliseconds), 0.5),
                    BenchSupport.percentile(outcomes.map(\.timings.searchMilliseconds), 0.5),
                    BenchSupport.percentile(outcomes.map(\.timings.answerMilliseconds), 0.5))
    }

    /// Abstentions on off-topic questions, as a share (1 when there are none).
    var abstentionRate: Double { offTopic == 0 ? 1 : Double(abstained) / Double(offTopic) }
    var falseAbstentionRate: Double { answerable == 0 ? 0 : Double(falselyAbstained) / Double(answerable) }

    var json: [String: Any] {
        [
            "questions": answerable + offTopic, "answerable": answerable, "offtopic": offTopic,
            "hit@1": BenchSupport.round(hitAt1, 4), "hit@5": BenchSupport.round(hitAt5, 4),
            "cited_hit": BenchSupport.round(citedHit, 4), "answer_term_rate": BenchSupport.round(termRate, 4),
            "answer_term_retrieved_rate": BenchSupport.round(termRetrievedRate, 4),
            "abstained_offtopic": abstained, "abstention_rate": BenchSupport.round(abstentionRate, 4),
            "false_abstentions": falselyAbstained, "false_abstention_rate": BenchSupport.round(falseAbstentionRate, 4),
            "latency_p50_ms": BenchSupport.round(p50, 2), "latency_p95_ms": BenchSupport.round(p95, 2),
            "embed_p50_ms": BenchSupport.round(stageP50.embed, 2), "search_p50_ms": BenchSupport.round(stageP50.search, 2),
            "answer_p50_ms": BenchSupport.round(stageP50.answer, 2),
        ]
    }
}
