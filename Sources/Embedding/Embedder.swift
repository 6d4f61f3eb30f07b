import NexNumerics
import TextKit

/// Turns text into unit-norm vectors. The rest of the system depends on this protocol only,
/// not on which model runs.
public protocol Embedder: Sendable {
    /// The vector dimension.
    var dimension: Int { get }
    /// The longest input in tokens (longer inputs are truncated).
    var maxTokens: Int { get }
    /// Counts tokens the way the model does (for chunking text to fit).
    var tokenCounter: any TokenCounter { get }

    /// Embeds many texts (bulk: ingestion). Results are in input order.
    func embed(_ texts: [String]) async throws -> EmbeddingBatch

    /// Embeds one short text with priority over bulk work (questions).
    func embedQuery(_ text: String) async throws -> [Float]

    /// Embeds a few short texts with priority over bulk work (answer sentences).
    func embedInteractive(_ texts: [String]) async throws -> EmbeddingBatch

    /// The number format of the vectors: vectors of two precisions are never compared.
    var precision: EmbeddingPrecision { get }
}

extension Embedder {
    public var precision: EmbeddingPrecision { .fp32 }
}

/// Embeddings of a batch of texts, in input order.
public struct EmbeddingBatch: Sendable {
    /// `count × dimension`, row i for input i, each row of unit norm.
    public var vectors: Matrix
    /// Tokens fed to the model per input ([CLS] and [SEP] included, after truncation).
    public var tokenCounts: [Int]

    public init(vectors: Matrix, tokenCounts: [Int]) {
        self.vectors = vectors
        self.tokenCounts = tokenCounts
    }

    public var count: Int { vectors.rows }

    /// Row `index` as an array.
    public func vector(_ index: Int) -> [Float] { vectors.row(index) }
}
