import NexNumerics

/// The BERT encoder of all-MiniLM-L6-v2 with mean pooling and L2 normalisation.
///
/// A batch is packed: the tokens of all its sequences are consecutive rows of one T × H
/// matrix with no padding, so every dense layer is one `sgemm` over all T tokens and no work
/// is spent on padding; attention, the only step that mixes tokens, runs per (sequence, head)
/// on that sequence's rows — which is exactly what an attention mask over padding computes.
///
/// Reference: transformers `modeling_bert.py` (BertEmbeddings, BertSelfAttention,
/// BertSelfOutput, BertIntermediate, BertOutput) and sentence-transformers `Pooling`.
/// Immutable; `forward` may run concurrently with distinct workspaces.
struct BertEncoder: Sendable {
    let configuration: BertConfiguration
    let weights: BertWeights

    /// Floating-point operations of one forward pass over sequences of these lengths
    /// (multiply-adds count 2), for throughput reports.
    func flops(lengths: [Int]) -> Double {
        let h = Double(configuration.hiddenSize), i = Double(configuration.intermediateSize)
        let tokens = Double(lengths.reduce(0, +))
        let dense = 2 * tokens * (3 * h * h + h * h + 2 * h * i)
        let attention = lengths.reduce(0.0) { $0 + 4 * Double($1) * Double($1) * h }
        return Double(configuration.numHiddenLayers) * (dense + attention)
    }

    /// Encodes `sequences` (token ids incl. [CLS]/[SEP]) and writes one unit-norm embedding
    /// per sequence, row-major, to `output` (`sequences.count × H` floats).
    func forward(_ sequences: [[Int32]], workspace: EncoderWorkspace, workers: Int, output: UnsafeMutablePointer<Float>) {
        let c = configuration
        let h = c.hiddenSize
        let lengths = sequences.map(\.count)
        let total = lengths.reduce(0, +)
        guard total > 0 else { return }
        var offsets = [Int](repeating: 0, count: sequences.count)
        for index in 1..<max(1, sequences.count) { offsets[index] = offsets[index - 1] + lengths[index - 1] }
        workspace.reserve(tokens: total, longest: lengths.max() ?? 1, configuration: c, workers: workers)
        workspace.tokenIDs.removeAll(keepingCapacity: true)
        workspace.positions.removeAll(keepingCapacity: true)
        for sequence in sequences {
            workspace.tokenIDs.append(contentsOf: sequence)
            workspace.positions.append(contentsOf: (0..<Int32(sequence.count)))
        }

        embed(workspace: workspace, tokens: total, workers: workers)
        for layer in weights.layers {
            attentionBlock(layer, workspace: workspace, lengths: lengths, offsets: offsets, tokens: total, workers: workers)
            feedForwardBlock(layer, workspace: workspace, tokens: total, workers: workers)
        }
        pool(workspace: workspace, lengths: lengths, offsets: offsets, output: output)
    }

    // MARK: - Steps

    /// hidden = LayerNorm(word[id] + position[p] + tokenType[0]).
    private func embed(workspace: EncoderWorkspace, tokens: Int, workers: Int) {
        let h = configuration.hiddenSize
        let hidden = workspace.hidden.pointer
        let w = weights
        workspace.tokenIDs.withUnsafeBufferPointer { ids in
            workspace.positions.withUnsafeBufferPointer { positions in
                Self.rowBlocks(tokens, cols: h, workers: workers) { rows in
                    for t in rows {
                        let destination = hidden + t * h
                        let word = w.wordEmbeddings.pointer + Int(ids[t]) * h
                        let position = w.positionEmbeddings.pointer + Int(positions[t]) * h
                        for k in 0..<h { destination[k] = word[k] + position[k] }
                    }
                    // LayerNorm(x + tokenType) with the token-type row as the "bias".
                    Kernels.addBiasResidualNorm(
                        w.tokenTypeEmbeddings.pointer, bias: nil, residual: hidden + rows.lowerBound * h,
                        rows: rows.count, cols: h, rowStride: 0,
                        gamma: w.embeddingNormGamma.pointer, beta: w.embeddingNormBeta.pointer,
                        epsilon: configuration.layerNormEps
                    )
                }
            }
        }
    }

    /// Self-attention over each sequence's rows, output projection, residual and LayerNorm.
    private func attentionBlock(
        _ layer: LayerWeights, workspace: EncoderWorkspace, lengths: [Int], offsets: [Int], tokens: Int, workers: Int
    ) {
        let h = configuration.hiddenSize
        let heads = configuration.numAttentionHeads
        let d = configuration.headSize
        let qkv = workspace.qkv.pointer
        let context = workspace.context.pointer

        layer.qkv.apply(workspace.hidden.pointer, inputs: h, bias: layer.qkvBias, outputs: 3 * h,
                        into: qkv, tokens: tokens, workers: workers, workspace: workspace)

        // Work items (sequence, head), balanced across workers by their L² cost.
        let items = lengths.indices.flatMap { s in (0..<heads).map { (s, $0) } }
        let totalCost = lengths.reduce(0) { $0 + $1 * $1 } * heads
        let attentionWorkers = totalCost * d < 1 << 18 ? 1 : workers
        let plan = Parallel.balance(costs: items.map { lengths[$0.0] * lengths[$0.0] }, workers: attentionWorkers)
        let scale = 1 / Float(d).squareRoot()
        Parallel.run(workers: plan.count) { worker in
            let scores = workspace.attention[worker].pointer
            for item in plan[worker] {
                let (s, head) = items[item]
                let length = lengths[s]
                let rows = qkv + offsets[s] * 3 * h
                let q = rows + head * d, k = rows + h + head * d, v = rows + 2 * h + head * d
                let output = context + offsets[s] * h + head * d
                let sums = scores + length * length
                // softmax(QKᵀ/√d)·V, with the softmax's division applied to the product.
                BLAS.sgemm(.none, .transposed, m: length, n: length, k: d, alpha: scale,
                           a: q, lda: 3 * h, b: k, ldb: 3 * h, c: scores, ldc: length)
                Kernels.expRows(scores, rows: length, count: length, stride: length, sums: sums)
                BLAS.sgemm(.none, .none, m: length, n: d, k: length,
                           a: scores, lda: length, b: v, ldb: 3 * h, c: output, ldc: h)
                Kernels.divideRows(output, rows: length, cols: d, stride: h, sums: sums)
            }
        }

        let projected = workspace.projected.pointer
        layer.attentionOutput.apply(context, inputs: h, bias: layer.attentionOutputBias, outputs: h,
                                    into: projected, tokens: tokens, workers: workers, workspace: workspace)
        normalizeResidual(projected, gamma: layer.attentionNormGamma, beta: layer.attentionNormBeta,
                          workspace: workspace, tokens: tokens, workers: workers)
    }

    /// GELU feed-forward, residual and LayerNorm.
    private func feedForwardBlock(_ layer: LayerWeights, workspace: EncoderWorkspace, tokens: Int, workers: Int) {
        let h = configuration.hiddenSize
        let i = configuration.intermediateSize
        let intermediate = workspace.intermediate.pointer
        layer.intermediate.apply(workspace.hidden.pointer, inputs: h, bias: layer.intermediateBias, outputs: i,
                                 into: intermediate, tokens: tokens, workers: workers, workspace: workspace)
        Self.rowBlocks(tokens, cols: i, workers: workers) { rows in
            Kernels.gelu(intermediate + rows.lowerBound * i, count: rows.count * i)
        }
        let projected = workspace.projected.pointer
        layer.output.apply(intermediate, inputs: i, bias: layer.outputBias, outputs: h,
                           into: projected, tokens: tokens, workers: workers, workspace: workspace)
        normalizeResidual(projected, gamma: layer.outputNormGamma, beta: layer.outputNormBeta,
                          workspace: workspace, tokens: tokens, workers: workers)
    }

    /// hidden ← LayerNorm(projected + hidden).
    private func normalizeResidual(
        _ projected: UnsafeMutablePointer<Float>, gamma: FloatBuffer, beta: FloatBuffer,
        workspace: EncoderWorkspace, tokens: Int, workers: Int
    ) {
        let h = configuration.hiddenSize
        let hidden = workspace.hidden.pointer
        let epsilon = configuration.layerNormEps
        Self.rowBlocks(tokens, cols: h, workers: workers) { rows in
            Kernels.addBiasResidualNorm(
                projected + rows.lowerBound * h, bias: nil, residual: hidden + rows.lowerBound * h,
                rows: rows.count, cols: h, rowStride: h, gamma: gamma.pointer, beta: beta.pointer, epsilon: epsilon
            )
        }
    }

    /// Mean of each sequence's token rows (all tokens, [CLS] and [SEP] included: the mask
    /// has no padding to exclude), then L2 normalisation.
    private func pool(workspace: EncoderWorkspace, lengths: [Int], offsets: [Int], output: UnsafeMutablePointer<Float>) {
        let h = configuration.hiddenSize
        let hidden = workspace.hidden.pointer
        for (s, length) in lengths.enumerated() {
            let destination = output + s * h
            destination.initialize(repeating: 0, count: h)
            for t in offsets[s]..<(offsets[s] + length) {
                BLAS.axpy(count: h, alpha: 1, x: hidden + t * h, y: destination)
            }
            BLAS.scale(count: h, alpha: 1 / Float(max(length, 1)), x: destination)
            Vector.normalize(destination, count: h)
        }
    }

    /// Runs `body` over row blocks in parallel when the pass is big enough to pay for it.
    static func rowBlocks(_ rows: Int, cols: Int, workers: Int, _ body: (Range<Int>) -> Void) {
        let effective = rows * cols < 1 << 15 ? 1 : workers
        Parallel.forEachRange(count: rows, workers: effective, body)
    }
}
