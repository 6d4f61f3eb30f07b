import Foundation

/// The Hugging Face `config.json` of a BERT encoder, with its keys mapped to Swift names.
public struct BertConfiguration: Decodable, Sendable, Equatable {
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var layerNormEps: Float
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var vocabSize: Int
    public var hiddenAct: String

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case layerNormEps = "layer_norm_eps"
        case maxPositionEmbeddings = "max_position_embeddings"
        case typeVocabSize = "type_vocab_size"
        case vocabSize = "vocab_size"
        case hiddenAct = "hidden_act"
    }

    /// The width of one attention head.
    public var headSize: Int { hiddenSize / numAttentionHeads }

    func validate() throws {
        guard hiddenSize > 0, numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 else {
            throw EmbeddingError.invalidConfiguration("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard hiddenSize % 8 == 0, intermediateSize % 8 == 0, headSize % 8 == 0 else {
            throw EmbeddingError.invalidConfiguration("sizes must be multiples of 8 (hidden \(hiddenSize), intermediate \(intermediateSize))")
        }
        guard hiddenAct == "gelu" else {
            throw EmbeddingError.invalidConfiguration("hidden_act \(hiddenAct) is not supported (only exact erf gelu)")
        }
        guard numHiddenLayers > 0, maxPositionEmbeddings > 1, typeVocabSize > 0, vocabSize > 0 else {
            throw EmbeddingError.invalidConfiguration("layer, position, type and vocabulary counts must be positive")
        }
    }
}

/// sentence-transformers' `1_Pooling/config.json`. Only mean pooling is implemented.
public struct PoolingConfiguration: Decodable, Sendable, Equatable {
    public var wordEmbeddingDimension: Int
    public var poolingModeMeanTokens: Bool
    public var poolingModeClsToken: Bool
    public var poolingModeMaxTokens: Bool

    enum CodingKeys: String, CodingKey {
        case wordEmbeddingDimension = "word_embedding_dimension"
        case poolingModeMeanTokens = "pooling_mode_mean_tokens"
        case poolingModeClsToken = "pooling_mode_cls_token"
        case poolingModeMaxTokens = "pooling_mode_max_tokens"
    }

    func validate(hiddenSize: Int) throws {
        guard poolingModeMeanTokens, !poolingModeClsToken, !poolingModeMaxTokens else {
            throw EmbeddingError.invalidConfiguration("only mean pooling is supported")
        }
        guard wordEmbeddingDimension == hiddenSize else {
            throw EmbeddingError.invalidConfiguration("pooling dimension \(wordEmbeddingDimension) differs from hidden size \(hiddenSize)")
        }
    }
}

/// Reads a JSON configuration file into `T`, with errors that name the file.
func loadJSON<T: Decodable>(_ type: T.Type, path: String) throws -> T {
    guard let data = FileManager.default.contents(atPath: path) else { throw EmbeddingError.missingFile(path) }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch {
        throw EmbeddingError.invalidConfiguration("\(path): \(error)")
    }
}
