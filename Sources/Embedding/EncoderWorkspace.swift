/// Scratch memory for one forward pass of `BertEncoder`, sized for a batch of `tokens`
/// packed tokens. Reused across batches; never shared between two passes at once (each
/// `EncoderLane` owns one and uses it only on its serial queue — hence `@unchecked Sendable`).
final class EncoderWorkspace: @unchecked Sendable {
    let hidden = ScratchBuffer()        // T × H: the residual stream
    let qkv = ScratchBuffer()           // T × 3H
    let context = ScratchBuffer()       // T × H: attention output before projection
    let projected = ScratchBuffer()     // T × H: a projection before bias + residual + norm
    let intermediate = ScratchBuffer()  // T × I
    /// int8 layers: the quantised input rows, and each row's scale and zero point.
    let quantizedRows = Scratch<UInt8>()
    let rowScales = Scratch<Float>()
    let rowZeros = Scratch<Int32>()
    /// One L × L score matrix and L row sums per worker.
    var attention: [ScratchBuffer] = []
    var tokenIDs: [Int32] = []
    var positions: [Int32] = []

    func reserve(tokens: Int, longest: Int, configuration c: BertConfiguration, workers: Int) {
        hidden.reserve(tokens * c.hiddenSize)
        qkv.reserve(tokens * 3 * c.hiddenSize)
        context.reserve(tokens * c.hiddenSize)
        projected.reserve(tokens * c.hiddenSize)
        intermediate.reserve(tokens * c.intermediateSize)
        while attention.count < workers { attention.append(ScratchBuffer()) }
        for buffer in attention { buffer.reserve(longest * longest + longest) }
    }

    func reserveQuantized(tokens: Int, paddedInputs: Int) {
        quantizedRows.reserve(tokens * paddedInputs)
        rowScales.reserve(tokens)
        rowZeros.reserve(tokens)
    }
}
