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
    /// question's terms match more (see `Retriever.selectedPhrases`). 0 scores every match.
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

    // Answer composition.

    /// Chunks whose sentences may form the answer.
    public var answerChunks = 3
    /// Sentences embedded per question: the best by word overlap among those chunks, taken
    /// while their word pieces fit `sentenceTokenBudget` (at least `minCandidateSentences`).
    /// Embedding costs time in proportion to tokens, so this bounds the answer step's latency.
    public var sentenceTokenBudget = 96
    public var minCandidateSentences = 1
    /// Sentences in an answer.
    public var maxAnswerSentences = 3
    /// A sentence joins the answer when its score is at least this share of the best one's.
    public var sentenceRelativeThreshold: Float = 0.85
    /// Weight of embedding similarity in a sentence's score (word overlap has the rest).
    public var sentenceSimilarityWeight: Float = 0.7
    /// Abstain when the best source's cosine similarity to the question is below this
    /// (calibrated on answerable and off-topic questions; see README.md).
    public var abstainBelow: Float = 0.35

    public init() {}
}

/// Which retrievers run.
public enum RetrievalMode: String, Sendable, CaseIterable {
    case hybrid, dense, lexical
}
