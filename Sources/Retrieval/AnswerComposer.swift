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
    /// The passage of the source that the answer quotes (or that supports it).
    public var snippet: String
    public var score: Double
    public var chunkID: Int64

    enum CodingKeys: String, CodingKey {
        case n, url, title, heading, snippet, score
        case chunkID = "chunk_id"
    }
}

/// A page behind an answer: what the user can open to read more, with its best passage.
public struct SourcePage: Sendable, Codable, Equatable {
    public var rank: Int
    public var url: String
    public var title: String
    public var heading: String
    public var passage: String
    public var score: Double
    public var chunkID: Int64

    enum CodingKeys: String, CodingKey {
        case rank, url, title, heading, passage, score
        case chunkID = "chunk_id"
    }
}

/// An answer taken from the sources, or an abstention.
public struct ComposedAnswer: Sendable {
    public var text: String
    public var answerable: Bool
    public var citations: [Citation]
    /// The best source's cosine similarity to the question.
    public var confidence: Float
    /// Why the question was not answered (nil when it was).
    public var abstention: Abstention?
}

/// Extractive answers: the passage of the top pages that answers the question, quoted whole.
///
/// Passages (`Passages`) are windows of one to three adjacent sentences, table rows and code
/// blocks of the best chunks of the best pages, read with their context (the definition term
/// they describe, their heading, the page title). Each is scored by
/// - the IDF-weighted share of the question's terms it contains (BM25-style: rare terms count,
///   stopwords do not; terms only in its context count half),
/// - whether it holds the question's rarest term,
/// - for a question asking for a value (a default, a limit), whether it states one,
/// - its page's rank score, minus a little per extra sentence (the shortest window that
///   answers wins),
/// then the best by that pre-score are embedded (within a token budget) and their cosine
/// similarity to the question added. The winner is quoted with its term ("gc.auto: … The
/// default value is 6700.") and cited; a second passage from another page joins only when it
/// scores nearly as well.
public struct AnswerComposer: Sendable {
    public let embedder: any Embedder
    public let configuration: RetrievalConfiguration
    public static let notFound = "Not found in these pages."

    public init(embedder: any Embedder, configuration: RetrievalConfiguration) {
        self.embedder = embedder
        self.configuration = configuration
    }

    /// A passage with its scores.
    struct Candidate {
        var passage: Passage
        var page: Int
        var pre: Double
        var final: Double = 0
        /// Cosine similarity of the passage (in its context) to the question.
        var similarity: Double = 0
    }

    /// A scored passage, for `explain`.
    public struct ScoredPassage: Sendable {
        public var url: String
        public var text: String
        /// Lexical, rarest-term, value, page and length score; `score` adds the dense part.
        public var preScore: Double
        public var score: Double
    }

    /// The passages the answer was chosen from, best first (`nextraction ask --explain`).
    public func explain(retrieval: Retrieval) async throws -> [ScoredPassage] {
        guard let weights = retrieval.weights else { return [] }
        let pages = Array(retrieval.pages.prefix(configuration.answerPages))
        let chunks = answerChunks(pages)
        return try await score(chunks, pages: pages, weights: weights, questionVector: retrieval.questionVector).map { candidate in
            ScoredPassage(url: chunks[candidate.passage.source].hit.chunk.url, text: Self.quote(candidate.passage, full: true),
                          preScore: candidate.pre, score: candidate.final)
        }
    }

    /// The chunks whose passages may be quoted: the best of each of the top pages.
    func answerChunks(_ pages: [RankedPage]) -> [(page: Int, hit: RetrievedChunk)] {
        pages.prefix(configuration.answerPages).enumerated().flatMap { pageIndex, page in
            page.chunks.prefix(configuration.chunksPerAnswerPage).map { (page: pageIndex, hit: $0) }
        }
    }

    /// The answer (or the abstention given by `abstention`) and the top `sourceCount` pages.
    public func compose(retrieval: Retrieval, abstention: Abstention?, sourceCount: Int) async throws -> (ComposedAnswer, [SourcePage]) {
        let pages = Array(retrieval.pages.prefix(max(sourceCount, configuration.answerPages)))
        let confidence = Self.confidence(retrieval)
        let chunks = answerChunks(pages)
        var candidates: [Candidate] = []
        if abstention == nil, let weights = retrieval.weights {
            candidates = try await score(chunks, pages: pages, weights: weights, questionVector: retrieval.questionVector)
        }
        let sources = Self.sources(pages.prefix(sourceCount), candidates: candidates, chunks: chunks.map(\.hit))
        let reason = abstention ?? (candidates.first.map { $0.similarity < configuration.minPassageSimilarity } != false ? .noPassage : nil)
        guard let best = candidates.first, reason == nil else {
            let reason = reason ?? .noPassage
            let closest = sources.prefix(3).map { "“\($0.title)”" }
            let list = closest.count > 1 ? closest.dropLast().joined(separator: ", ") + " and " + (closest.last ?? "") : closest.first ?? ""
            let text = Self.notFound + " " + reason.explanation + (list.isEmpty ? "" : " The closest pages are \(list).")
            return (ComposedAnswer(text: text, answerable: false, citations: [], confidence: confidence, abstention: reason), sources)
        }
        var chosen = [Candidate(passage: best.passage.expanded(toAtLeast: configuration.minAnswerSentences,
                                                               maxWords: configuration.maxAnswerWords),
                                page: best.page, pre: best.pre, final: best.final)]
        // A second passage of the same page joins when it scores nearly as well and says
        // something else: not the same text, and at least one more of the question's terms.
        // (Passages of other pages joined too often with a different topic.)
        let bestStems = best.passage.stems
        if let second = candidates.dropFirst().first(where: { !$0.passage.overlaps(chosen[0].passage) && $0.page == best.page }),
           second.final >= best.final * configuration.secondPassageRatio,
           Chunker.collapse(second.passage.text) != Chunker.collapse(best.passage.text),
           let weights = retrieval.weights,
           weights.weight(of: second.passage.stems.subtracting(bestStems)) > 0 {
            chosen.append(second)
        }
        var citations: [Citation] = []
        var text = ""
        let weights = retrieval.weights
        for candidate in chosen {
            let hit = chunks[candidate.passage.source].hit
            var quote = Self.quote(candidate.passage, full: weights?.profile.asksForValue == true)
            // A passage that announces what follows ("…, run:") brings it along.
            if let follower = candidate.passage.follower, candidate.passage.text.hasSuffix(":") { quote += "\n" + follower }
            let snippet = Self.quote(candidate.passage, text: candidate.passage.context(limit: configuration.snippetCharacters), full: true)
            // Passages of one page share its citation number.
            if let index = citations.firstIndex(where: { $0.url == hit.chunk.url }) {
                citations[index].snippet += " … " + snippet
                text += " " + quote + " [\(citations[index].n)]"
                continue
            }
            citations.append(Citation(n: citations.count + 1, url: hit.chunk.url, title: hit.chunk.title, heading: hit.chunk.headingPath,
                                      snippet: snippet, score: candidate.final, chunkID: hit.chunk.id))
            text += (text.isEmpty ? "" : " ") + quote + " [\(citations.count)]"
        }
        return (ComposedAnswer(text: text, answerable: true, citations: citations, confidence: confidence, abstention: nil), sources)
    }

    /// The best source's cosine similarity to the question (the stored vectors of the
    /// retrieved chunks against the question vector).
    public static func confidence(_ retrieval: Retrieval) -> Float {
        retrieval.results.compactMap { hit in
            retrieval.vectors[hit.chunk.id].map { Vector.dot($0, retrieval.questionVector) } ?? hit.dense
        }.max() ?? 0
    }

    /// How a passage reads in an answer: with the term it describes when it does not name it.
    /// `full`: keep a long signature whole (its defaults may be the answer).
    static func quote(_ passage: Passage, text: String? = nil, full: Bool = false) -> String {
        let text = text ?? passage.text
        guard let whole = passage.term, !text.lowercased().contains(whole.lowercased()) else { return text }
        // A long signature reads as its name: "subprocess.run(…)".
        let term = !full && whole.count > 48 && whole.contains("(") ? String(whole.prefix { $0 != "(" }) + "(…)" : whole
        if passage.kind == .code { return "\(term):\n\(text)" }
        // A term that is a sentence itself (an FAQ's question) reads on without a colon.
        return term.last.map { ".?!:".contains($0) } == true ? "\(term) \(text)" : "\(term): \(text)"
    }

    /// Every passage of `chunks`, scored, best first (only embedded ones can win).
    func score(_ chunks: [(page: Int, hit: RetrievedChunk)], pages: [RankedPage], weights: QuestionWeights,
               questionVector: [Float]) async throws -> [Candidate] {
        let total = weights.total
        guard total > 0 || !questionVector.isEmpty else { return [] }
        let topScore = max(pages.first?.score ?? 1, 1e-9)
        let rarest = weights.rarestStem
        let versionNotesAreNoise = !weights.profile.asksAboutVersions
        var candidates: [Candidate] = []
        for (source, item) in chunks.enumerated() {
            let chunk = item.hit.chunk
            let lastHeading = chunk.headingPath.components(separatedBy: " › ").last ?? ""
            let pageContext = QuestionWeights.stems(of: chunk.title + " " + chunk.headingPath)
            // Per definition term (once per chunk): its stems, and its context with the heading
            // and page title.
            var termContexts: [String: (stems: Set<String>, context: Set<String>)] = [:]
            let blocks = Passages.blocks(text: chunk.text, layout: chunk.layout)
            for passage in Passages.passages(of: blocks, source: source, maxSentences: configuration.maxPassageSentences,
                                             maxCodeLines: configuration.maxQuotedCodeLines) {
                guard passage.kind != .prose || passage.words >= configuration.minPassageWords else { continue }
                let own = passage.stems
                // A passage must say something about the question itself, not only sit under
                // the right heading or term ("New in version 3.2." under `lru_cache`).
                guard total == 0 || weights.weight(of: own) > 0 else { continue }
                let termKey = passage.term ?? ""
                if termContexts[termKey] == nil {
                    let stems = QuestionWeights.stems(of: termKey)
                    termContexts[termKey] = (stems, pageContext.union(stems).union(QuestionWeights.stems(of: lastHeading)))
                }
                let termContext = termContexts[termKey] ?? ([], pageContext)
                let context = termContext.context.subtracting(own)
                var lexical = 0.0
                if total > 0 { lexical = (weights.weight(of: own) + configuration.contextTermShare * weights.weight(of: context)) / total }
                var rare = 0.0
                if let rarest { rare = own.contains(rarest) ? 1 : (context.contains(rarest) ? 0.5 : 0) }
                let value = weights.profile.asksForValue ? Self.statesValue((passage.term ?? "") + " " + passage.text) : 0
                let pre = configuration.passageLexicalWeight * lexical + configuration.passageRarestWeight * rare
                    + configuration.passageValueWeight * value + configuration.passagePageWeight * (pages[item.page].score / topScore)
                    - configuration.passageLengthPenalty * Double(passage.sentences - 1)
                    - (versionNotesAreNoise && Self.isVersionNote(passage.run[passage.position]) ? configuration.versionNotePenalty : 0)
                    + (passage.position == 0 && passage.opensEntry && rarest.map(termContext.stems.contains) == true
                       ? configuration.definitionLeadWeight : 0)
                candidates.append(Candidate(passage: passage, page: item.page, pre: pre))
            }
        }
        guard !candidates.isEmpty else { return [] }
        candidates.sort { $0.pre > $1.pre }
        // Embed the best by pre-score, as many as fit the token budget (at least one): windows
        // that overlap one already taken are skipped (they would mostly repeat it), and one
        // page gets at most `passagesPerPage`, so the budget compares different passages.
        var tokens = 0
        var inputs: [String] = []
        var selected: [Candidate] = []
        var perPage: [Int: Int] = [:]
        for candidate in candidates.prefix(configuration.passagesConsidered) {
            if selected.contains(where: { $0.passage.overlaps(candidate.passage) }) { continue }
            if perPage[candidate.page, default: 0] >= configuration.passagesPerPage { continue }
            let chunk = chunks[candidate.passage.source].hit.chunk
            let heading = chunk.headingPath.components(separatedBy: " › ").last ?? chunk.title
            let input = [heading, candidate.passage.term ?? "", candidate.passage.text].filter { !$0.isEmpty }.joined(separator: ": ")
            let cost = embedder.tokenCounter.countTokens(input) + 2
            if !selected.isEmpty && tokens + cost > configuration.passageTokenBudget {
                if tokens >= configuration.passageTokenBudget * 3 / 4 { break }
                continue   // a shorter passage further down may still fit
            }
            tokens += cost
            inputs.append(input)
            selected.append(candidate)
            perPage[candidate.page, default: 0] += 1
        }
        candidates = selected
        if !questionVector.isEmpty {
            let vectors = try await embedder.embedInteractive(inputs)
            for index in candidates.indices {
                candidates[index].similarity = Double(Vector.dot(vectors.vector(index), questionVector))
                candidates[index].final = candidates[index].pre + configuration.passageDenseWeight * candidates[index].similarity
            }
        } else {
            for index in candidates.indices {
                candidates[index].final = candidates[index].pre
                candidates[index].similarity = 1   // no vector to compare: lexical evidence only
            }
        }
        return candidates.sorted { $0.final > $1.final }
    }

    /// Whether a sentence is a release note: "Changed in version 3.8: …", "New in version 2.5.",
    /// "Added in 1.4", "Deprecated since version 3.12: …".
    static func isVersionNote(_ sentence: String) -> Bool {
        let lowered = sentence.prefix(40).lowercased()
        for opening in ["changed in ", "new in ", "added in ", "deprecated since ", "deprecated in ", "removed in "] where lowered.hasPrefix(opening) {
            let rest = lowered.dropFirst(opening.count)
            let version = rest.hasPrefix("version ") ? rest.dropFirst(8) : rest
            return version.first?.isNumber == true
        }
        return false
    }

    /// How much a passage looks like it states a value: a number (0.6), the word "default" (0.4).
    static func statesValue(_ text: String) -> Double {
        (text.contains(where: \.isNumber) ? 0.6 : 0) + (text.lowercased().contains("default") ? 0.4 : 0)
    }

    /// The top pages with their best passage (the best-scored candidate of the page, else the
    /// opening of its best chunk).
    static func sources(_ pages: ArraySlice<RankedPage>, candidates: [Candidate], chunks: [RetrievedChunk]) -> [SourcePage] {
        pages.enumerated().compactMap { index, page in
            guard let best = page.chunks.first else { return nil }
            let candidate = candidates.first { $0.page == index }
            let chunk = candidate.map { chunks[$0.passage.source].chunk } ?? best.chunk
            let passage = candidate.map { quote($0.passage, full: true) } ?? String(best.chunk.text.prefix(300))
            return SourcePage(rank: index + 1, url: page.url, title: page.title, heading: chunk.headingPath, passage: passage,
                              score: page.score, chunkID: chunk.id)
        }
    }
}
