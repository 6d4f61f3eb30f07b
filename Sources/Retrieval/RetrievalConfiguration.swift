import Storage

/// How questions are matched to chunks and answered. Defaults were tuned on the SciFact
/// **train** queries (see README.md § Retrieval quality); every field is configuration.
public struct RetrievalConfiguration: Sendable, Equatable {
    public enum Fusion: Sendable, Equatable {
        /// Reciprocal-rank fusion (Cormack et al. 2009): Σ weight / (k + rank).
        case reciprocalRank(k: Double)
        /// Min–max normalised scores of each list, weighted.
        case weighted
    }

    /// Chunks taken from the vector index.
    public var denseCandidates = 100
    /// Chunks taken from the full-text index.
    public var lexicalCandidates = 100
    /// IVF lists probed per question (exact flat indexes ignore it).
    public var nprobe = 32
    public var fusion: Fusion = .reciprocalRank(k: 60)
    /// The dense list's share of the fused score (the lexical list gets the rest).
    public var denseWeight = 0.5
    /// At most this many chunks of one page in an answer's sources.
    public var perDocumentCap = 2
    /// BM25 column weights (title and headings count more than body text).
    public var fullTextWeights = FullTextWeights()

    // Answer composition.

    /// Chunks whose sentences may form the answer.
    public var answerChunks = 3
    /// Sentences embedded per question (the best by word overlap among those chunks).
    public var candidateSentences = 8
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
