import Foundation
import NexNumerics
import TextKit

/// Configuration of the in-process BERT embedder.
public struct EmbedderConfiguration: Sendable {
    /// Folder with `config.json`, `vocab.txt`, `model.safetensors`, `1_Pooling/config.json`.
    public var modelDirectory: String
    /// Most sequences in one forward pass.
    public var maxBatchSequences = 64
    /// Most tokens in one forward pass (bounds workspace memory: ~15 KB per token).
    public var maxBatchTokens = 4096
    /// Threads a forward pass uses (default: every core).
    public var threads = Parallel.processorCount
    /// Truncation length in tokens (sentence-transformers' `max_seq_length`).
    public var maxSequenceLength = 256
    /// Number format of the dense layers (`NEX_EMBED_PRECISION`).
    public var precision = EmbeddingPrecision.fp32

    public init(modelDirectory: String) {
        self.modelDirectory = modelDirectory
    }
}

/// all-MiniLM-L6-v2 (or any BERT checkpoint with mean pooling) run by our own code on BLAS.
///
/// Two lanes: bulk `embed` calls queue one after another (each already uses every core), and
/// interactive work (`embedQuery`, `embedInteractive`) has its own, so a question never waits
/// behind an ingestion batch; concurrent interactive requests are encoded together
/// (`InteractiveBatcher`).
/// Thread-safe; share one instance.
public final class MiniLMEmbedder: Embedder {
    public let configuration: EmbedderConfiguration
    public let tokenizer: WordPieceTokenizer
    let encoder: BertEncoder
    private let bulkLane = EncoderLane(label: "nextraction.embed.bulk", qos: .utility)
    /// Questions and candidate answer passages of concurrent requests, encoded together.
    let interactive: InteractiveBatcher

    public var dimension: Int { encoder.configuration.hiddenSize }
    /// all-MiniLM-L6-v2's vector size, for code that reads indexes without loading the model.
    public static let standardDimension = 384
    public var maxTokens: Int { tokenizer.maxLength }
    public var tokenCounter: any TokenCounter { tokenizer }
    public var precision: EmbeddingPrecision { configuration.precision }
    /// The encoder's shape, for reports.
    public var modelConfiguration: BertConfiguration { encoder.configuration }

    public init(configuration: EmbedderConfiguration) throws {
        let directory = configuration.modelDirectory as NSString
        let modelConfiguration = try loadJSON(BertConfiguration.self, path: directory.appendingPathComponent("config.json"))
        try modelConfiguration.validate()
        let poolingPath = directory.appendingPathComponent("1_Pooling/config.json")
        if FileManager.default.fileExists(atPath: poolingPath) {
            try loadJSON(PoolingConfiguration.self, path: poolingPath).validate(hiddenSize: modelConfiguration.hiddenSize)
        }
        guard configuration.maxSequenceLength <= modelConfiguration.maxPositionEmbeddings else {
            throw EmbeddingError.invalidConfiguration("max sequence length \(configuration.maxSequenceLength) exceeds the model's \(modelConfiguration.maxPositionEmbeddings) positions")
        }
        let vocabularyPath = directory.appendingPathComponent("vocab.txt")
        guard FileManager.default.fileExists(atPath: vocabularyPath) else { throw EmbeddingError.missingFile(vocabularyPath) }
        tokenizer = try WordPieceTokenizer(vocabularyFile: vocabularyPath, maxLength: configuration.maxSequenceLength)
        guard tokenizer.vocabularySize == modelConfiguration.vocabSize else {
            throw EmbeddingError.invalidConfiguration("vocab.txt has \(tokenizer.vocabularySize) tokens, config.json says \(modelConfiguration.vocabSize)")
        }
        let weightsPath = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsPath) else { throw EmbeddingError.missingFile(weightsPath) }
        let weights = try BertWeights(file: SafeTensorsFile(path: weightsPath), configuration: modelConfiguration,
                                      precision: configuration.precision)
        encoder = BertEncoder(configuration: modelConfiguration, weights: weights)
        var adjusted = configuration
        adjusted.threads = max(1, configuration.threads)
        adjusted.maxBatchTokens = max(configuration.maxBatchTokens, configuration.maxSequenceLength)
        self.configuration = adjusted
        interactive = Self.interactiveBatcher(encoder: encoder, tokenizer: tokenizer, configuration: adjusted)
        // We parallelise ourselves; BLAS threads on top would oversubscribe the cores.
        BLASRuntime.setThreads(1)
    }

    private init(sharing other: MiniLMEmbedder, configuration: EmbedderConfiguration) {
        self.configuration = configuration
        tokenizer = other.tokenizer
        encoder = other.encoder
        interactive = Self.interactiveBatcher(encoder: other.encoder, tokenizer: other.tokenizer, configuration: configuration)
    }

    /// An embedder sharing this one's weights (no second copy in memory) with its own lanes
    /// and `threads` threads per pass.
    public func withThreads(_ threads: Int) -> MiniLMEmbedder {
        var adjusted = configuration
        adjusted.threads = max(1, threads)
        return MiniLMEmbedder(sharing: self, configuration: adjusted)
    }

    public func embed(_ texts: [String]) async throws -> EmbeddingBatch {
        let encoder = self.encoder, tokenizer = self.tokenizer, configuration = self.configuration
        return await bulkLane.run { workspace in
            Self.encode(texts, encoder: encoder, tokenizer: tokenizer, configuration: configuration, workspace: workspace)
        }
    }

    public func embedQuery(_ text: String) async throws -> [Float] {
        await interactive.submit([text]).vector(0)
    }

    public func embedInteractive(_ texts: [String]) async throws -> EmbeddingBatch {
        await interactive.submit(texts)
    }

    static func interactiveBatcher(encoder: BertEncoder, tokenizer: WordPieceTokenizer, configuration: EmbedderConfiguration) -> InteractiveBatcher {
        InteractiveBatcher(label: "nextraction.embed.query") { texts, workspace in
            encode(texts, encoder: encoder, tokenizer: tokenizer, configuration: configuration, workspace: workspace)
        }
    }

    /// Floating-point work of encoding sequences of these token lengths.
    public func flops(tokenLengths: [Int]) -> Double { encoder.flops(lengths: tokenLengths) }

    /// Tokenizes, sorts by length, packs batches under the token and sequence budgets, runs
    /// them and writes each vector back to its input's row.
    static func encode(
        _ texts: [String], encoder: BertEncoder, tokenizer: WordPieceTokenizer,
        configuration: EmbedderConfiguration, workspace: EncoderWorkspace
    ) -> EmbeddingBatch {
        let dimension = encoder.configuration.hiddenSize
        var sequences = [[Int32]](repeating: [], count: texts.count)
        sequences.withUnsafeMutableBufferPointer { slots in
            // Each worker writes distinct slots of the buffer.
            Parallel.forEachRange(count: texts.count, workers: texts.count >= 8 ? configuration.threads : 1) { range in
                for index in range { slots[index] = tokenizer.encode(texts[index]) }
            }
        }
        var result = Matrix(rows: texts.count, cols: dimension)
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        var pooled = [Float](repeating: 0, count: configuration.maxBatchSequences * dimension)
        var start = 0
        while start < order.count {
            var end = start
            var tokens = 0
            while end < order.count, end - start < configuration.maxBatchSequences,
                  end == start || tokens + sequences[order[end]].count <= configuration.maxBatchTokens {
                tokens += sequences[order[end]].count
                end += 1
            }
            let batch = order[start..<end].map { sequences[$0] }
            pooled.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                encoder.forward(batch, workspace: workspace, workers: configuration.threads, output: base)
            }
            for (row, index) in order[start..<end].enumerated() {
                result.storage.replaceSubrange(
                    (index * dimension)..<((index + 1) * dimension),
                    with: pooled[(row * dimension)..<((row + 1) * dimension)]
                )
            }
            start = end
        }
        return EmbeddingBatch(vectors: result, tokenCounts: sequences.map(\.count))
    }
}
