/// The weights of one encoder layer, repacked for row-major products: every matrix is a
/// PyTorch `Linear.weight` (`out × in`), used as Bᵀ in `x · Wᵀ`, in the encoder's precision.
struct LayerWeights: Sendable {
    /// Query, key and value stacked: `3H × H` (rows 0..<H query, H..<2H key, 2H..<3H value),
    /// so one product yields all three.
    var qkv: DenseWeight
    var qkvBias: FloatBuffer
    var attentionOutput: DenseWeight        // H × H
    var attentionOutputBias: FloatBuffer
    var attentionNormGamma: FloatBuffer
    var attentionNormBeta: FloatBuffer
    var intermediate: DenseWeight           // I × H
    var intermediateBias: FloatBuffer
    var output: DenseWeight                 // H × I
    var outputBias: FloatBuffer
    var outputNormGamma: FloatBuffer
    var outputNormBeta: FloatBuffer
}

/// All weights of a BERT encoder. The checkpoint's tensor names are mapped here and nowhere
/// else (reference: transformers `modeling_bert.py`; some checkpoints prefix `bert.` or use
/// `gamma`/`beta` for LayerNorm parameters). Dense layers are held once, in `precision`.
struct BertWeights: Sendable {
    var wordEmbeddings: FloatBuffer         // vocab × H
    var positionEmbeddings: FloatBuffer     // maxPositions × H
    var tokenTypeEmbeddings: FloatBuffer    // types × H
    var embeddingNormGamma: FloatBuffer
    var embeddingNormBeta: FloatBuffer
    var layers: [LayerWeights]

    init(file: SafeTensorsFile, configuration c: BertConfiguration, precision: EmbeddingPrecision = .fp32) throws {
        let prefix = file.tensors.keys.contains { $0.hasPrefix("bert.") } ? "bert." : ""
        func array(_ name: String, _ shape: [Int]) throws -> [Float] {
            let full = prefix + name
            if file.tensors[full] == nil {
                // Old TF-converted checkpoints name LayerNorm parameters gamma/beta.
                let legacy = full.replacingSuffix(".weight", with: ".gamma").replacingSuffix(".bias", with: ".beta")
                if full.contains("LayerNorm"), file.tensors[legacy] != nil { return try file.floats(legacy, shape: shape) }
            }
            return try file.floats(full, shape: shape)
        }
        func tensor(_ name: String, _ shape: [Int]) throws -> FloatBuffer {
            FloatBuffer(try array(name, shape))
        }
        func dense(_ values: [Float], _ shape: [Int]) -> DenseWeight {
            DenseWeight(FloatBuffer(values), outputs: shape[0], inputs: shape[1], precision: precision)
        }
        let h = c.hiddenSize, i = c.intermediateSize
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [c.vocabSize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, h])
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [c.typeVocabSize, h])
        embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [h])
        layers = try (0..<c.numHiddenLayers).map { index in
            let p = "encoder.layer.\(index)."
            return LayerWeights(
                qkv: dense(try array(p + "attention.self.query.weight", [h, h])
                    + array(p + "attention.self.key.weight", [h, h])
                    + array(p + "attention.self.value.weight", [h, h]), [3 * h, h]),
                qkvBias: FloatBuffer(try array(p + "attention.self.query.bias", [h])
                    + array(p + "attention.self.key.bias", [h])
                    + array(p + "attention.self.value.bias", [h])),
                attentionOutput: dense(try array(p + "attention.output.dense.weight", [h, h]), [h, h]),
                attentionOutputBias: try tensor(p + "attention.output.dense.bias", [h]),
                attentionNormGamma: try tensor(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBeta: try tensor(p + "attention.output.LayerNorm.bias", [h]),
                intermediate: dense(try array(p + "intermediate.dense.weight", [i, h]), [i, h]),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [i]),
                output: dense(try array(p + "output.dense.weight", [h, i]), [h, i]),
                outputBias: try tensor(p + "output.dense.bias", [h]),
                outputNormGamma: try tensor(p + "output.LayerNorm.weight", [h]),
                outputNormBeta: try tensor(p + "output.LayerNorm.bias", [h])
            )
        }
    }
}

extension String {
    func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}
