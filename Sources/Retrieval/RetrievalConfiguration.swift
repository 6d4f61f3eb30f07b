import Storage

/// How questions are matched to chunks and answered. Defaults were tuned on the SciFact
/// **train** queries (see README.md § Retrieval quality); every field is configuration.
public struct RetrievalConfiguration: Sendable, Equatable {
    public enum Fusion: Sendable, Equatable {
        /// Reciprocal-rank fusion (Cormack et al. 2009): Σ weight / (k + rank).
        case reciprocalRank(k: Double)
        /// Scores of each list normalised (see `Normalization`), weighted.
        case weighted
    }

    /// How `weighted` fusion puts both lists' scores on one scale.
    public enum Normalization: String, Sendable, Equatable, CaseIterable {
        /// (s − min) / (max − min) over the list.
        case minMax
        /// s / max over the list.
        case max
        /// (s − mean) / standard deviation over the list.
        case zScore
    }

    /// Chunks taken from the vector index.
    public var denseCandidates = 100
    /// Chunks taken from the full-text index.
    public var lexicalCandidates = 100
    /// Chunks the full-text search may score per question; rarer terms are preferred when a
    /// question's terms match more (see `Retriever.selectedTerms`). 0 scores every match.
    public var lexicalPostingBudget = 8_000
    /// IVF lists probed per question (exact flat indexes ignore it).
    public var nprobe = 32
    public var fusion: Fusion = .weighted
    public var normalization: Normalization = .max
    /// The dense list's share of the fused score (the lexical list gets the rest).
    public var denseWeight = 0.55
    /// Pseudo-relevance feedback: fused results whose vectors expand the question (0 = off).
    public var feedbackDepth = 2
    /// How far the question vector moves towards those results.
    public var feedbackWeight: Float = 1.0
    /// At most this many chunks of one page in an answer's sources.
    public var perDocumentCap = 2
    /// BM25 column weights (title and headings count more than body text).
    public var fullTextWeights = FullTextWeights(title: 1, heading: 1.5, body: 1)

    // Page ranking (see `PageRanking`; tuned on the dev sets in bench/sites).

    /// Fused chunks loaded and grouped into pages.
    public var pageCandidates = 40
    /// Share of a page's second-best chunk added to its best.
    public var pageSecondChunkWeight = 0.1
    /// Weight of the question's (IDF-weighted) terms found in the page title.
    public var pageTitleWeight = 0.15
    /// Weight of the question's terms found in the best chunk's heading path.
    public var pageHeadingWeight = 0.1
    /// Weight of the cosine similarity between the question and the page's opening (its first
    /// chunk: what a documentation page says it is about — a man page's NAME and DESCRIPTION,
    /// a module page's summary), whether or not that chunk was retrieved.
    public var pageOpeningWeight = 0.7

    // Answer composition (see `AnswerComposer`).

    /// Pages whose chunks may be quoted, and chunks of each (tuned on the dev sets).
    public var answerPages = 4
    public var chunksPerAnswerPage = 3
    /// Longest prose window, in sentences; longest code block quoted whole, in lines.
    public var maxPassageSentences = 3
    public var maxQuotedCodeLines = 15
    /// Prose passages shorter than this (in words) are never an answer on their own.
    public var minPassageWords = 4
    /// How much a question term found only in a passage's context (its term, heading or page
    /// title) counts, relative to one in the passage itself.
    public var contextTermShare = 1.0
    public var passageLexicalWeight = 1.0
    public var passageRarestWeight = 0.2
    public var passageValueWeight = 0.3
    public var passagePageWeight = 1.5
    /// Subtracted per sentence beyond the first (the shortest window that answers wins).
    public var passageLengthPenalty = 0.08
    /// Subtracted from a passage that opens with a release note ("Changed in version 3.8: …",
    /// "New in version 2.5.", "Deprecated since …": Sphinx, MkDocs and Javadoc conventions)
    /// unless the question is about versions: it describes a change, not the thing asked about.
    public var versionNotePenalty = 0.5
    /// Added to the first sentences of a definition whose term holds the question's rarest
    /// term ("lru_cache(…): Decorator to wrap a function…"): what a "what does X do" asks.
    public var definitionLeadWeight = 0.15
    public var passageDenseWeight = 1.0
    /// Word pieces of passages embedded per question (their cosine joins the score); this
    /// bounds the answer step's latency.
    public var passageTokenBudget = 96
    /// The best passages by pre-score that may be embedded (the rest are not tokenised at all).
    public var passagesConsidered = 16
    /// A quoted prose passage is grown to this many sentences of its paragraph (when they fit
    /// `maxAnswerWords`): a coherent window rather than a lone sentence.
    public var minAnswerSentences = 3
    public var maxAnswerWords = 70
    /// Characters of a citation's snippet: the quoted passage in its paragraph.
    public var snippetCharacters = 480
    /// Passages of one page embedded at most (so the budget compares several pages).
    public var passagesPerPage = 2
    /// A passage from a second page joins the answer at this share of the best one's score.
    public var secondPassageRatio = 0.9
    /// A name the question depends on that occurs in at most this many chunks must be on one
    /// of the best pages, or the question is not answered (see `Retriever.abstention`).
    public var rareNameChunks = 5
    /// Abstain when the best passage's cosine similarity to the question (in its context) is
    /// below this: it matched words, not meaning.
    public var minPassageSimilarity = 0.2
    /// Abstain when the best source's cosine similarity to the question is below this
    /// (calibrated on answerable and off-topic questions; see README.md).
    public var abstainBelow: Float = 0.35

    public init() {}

    /// Sets a tunable field by name (`eval site --set name=value`, for tuning runs).
    public mutating func set(_ name: String, _ value: String) throws {
        func number() throws -> Double {
            guard let parsed = Double(value) else { throw RetrievalError.invalidSetting("\(name)=\(value): not a number") }
            return parsed
        }
        switch name {
        case "dense_weight": denseWeight = try number()
        case "feedback_depth": feedbackDepth = Int(try number())
        case "feedback_weight": feedbackWeight = Float(try number())
        case "per_document_cap": perDocumentCap = Int(try number())
        case "page_candidates": pageCandidates = Int(try number())
        case "page_second_chunk_weight": pageSecondChunkWeight = try number()
        case "page_title_weight": pageTitleWeight = try number()
        case "page_heading_weight": pageHeadingWeight = try number()
        case "page_opening_weight": pageOpeningWeight = try number()
        case "answer_pages": answerPages = Int(try number())
        case "chunks_per_answer_page": chunksPerAnswerPage = Int(try number())
        case "max_passage_sentences": maxPassageSentences = Int(try number())
        case "min_passage_words": minPassageWords = Int(try number())
        case "context_term_share": contextTermShare = try number()
        case "passage_lexical_weight": passageLexicalWeight = try number()
        case "passage_rarest_weight": passageRarestWeight = try number()
        case "passage_value_weight": passageValueWeight = try number()
        case "passage_page_weight": passagePageWeight = try number()
        case "passage_length_penalty": passageLengthPenalty = try number()
        case "version_note_penalty": versionNotePenalty = try number()
        case "definition_lead_weight": definitionLeadWeight = try number()
        case "passage_dense_weight": passageDenseWeight = try number()
        case "passage_token_budget": passageTokenBudget = Int(try number())
        case "second_passage_ratio": secondPassageRatio = try number()
        case "passages_per_page": passagesPerPage = Int(try number())
        case "passages_considered": passagesConsidered = Int(try number())
        case "min_answer_sentences": minAnswerSentences = Int(try number())
        case "max_answer_words": maxAnswerWords = Int(try number())
        case "snippet_characters": snippetCharacters = Int(try number())
        case "abstain_below": abstainBelow = Float(try number())
        case "min_passage_similarity": minPassageSimilarity = try number()
        case "rare_name_chunks": rareNameChunks = Int(try number())
        case "title_weight": fullTextWeights.title = try number()
        case "heading_weight": fullTextWeights.heading = try number()
        default: throw RetrievalError.invalidSetting("\(name) is not a tunable setting")
        }
    }
}

/// Errors of the retrieval layer.
public enum RetrievalError: Error, Equatable, CustomStringConvertible {
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .invalidSetting(let message): return message
        }
    }
}

/// Which retrievers run.
public enum RetrievalMode: String, Sendable, CaseIterable {
    case hybrid, dense, lexical
}
