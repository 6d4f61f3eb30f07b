import CQuant
import NexNumerics

/// The number format of the encoder's dense layers (`NEX_EMBED_PRECISION`).
///
/// `int8`: weights quantised per output channel at load time, activations per token at run
/// time, int32 accumulation (`CQuant`); attention, softmax, LayerNorm, GELU and pooling stay
/// fp32. Vectors of the two precisions differ slightly (cosine ≥ 0.99), so a collection is
/// searched with query vectors of the precision it was embedded in.
public enum EmbeddingPrecision: String, Sendable, CaseIterable, Codable {
    case fp32, int8

    /// The int8 kernel this CPU runs ("avx512-vnni", "avx-vnni", "avx2", "portable").
    public static var int8Kernel: String {
        switch nx_current_kernel() {
        case NX_KERNEL_AVX512_VNNI: return "avx512-vnni"
        case NX_KERNEL_AVX_VNNI: return "avx-vnni"
        case NX_KERNEL_AVX2: return "avx2"
        default: return "portable"
        }
    }

    /// The precision new data gets when none is configured: int8 where the CPU runs a vector
    /// int8 kernel (VNNI: about 3× fp32's throughput here; AVX2 alone: 1.04× the throughput and
    /// half the question latency, `bench embed --int8-kernel avx2`); fp32 elsewhere (the
    /// portable kernel is plain C, far slower than BLAS).
    public static var preferred: EmbeddingPrecision {
        nx_best_kernel().rawValue >= NX_KERNEL_AVX2.rawValue ? .int8 : .fp32
    }

    /// What names data kept apart per precision (caches, bench collections): nothing for fp32
    /// (the folders from before precisions existed), "-int8" for int8.
    public var folderSuffix: String { self == .fp32 ? "" : "-\(rawValue)" }

    /// Forces an int8 kernel by name, for tests and benchmarks comparing them; one the CPU
    /// lacks falls back to the next. Returns the kernel now in use.
    @discardableResult
    public static func useInt8Kernel(_ name: String) -> String {
        let kernel: nx_kernel = switch name {
        case "avx512-vnni": NX_KERNEL_AVX512_VNNI
        case "avx-vnni": NX_KERNEL_AVX_VNNI
        case "avx2": NX_KERNEL_AVX2
        case "best": nx_best_kernel()
        default: NX_KERNEL_PORTABLE
        }
        nx_set_kernel(kernel)
        return int8Kernel
    }
}

/// A dense layer's `out × in` weight quantised to int8 per output channel and packed for
/// `nx_gemm_u8s8`. The fp32 matrix it came from is not kept.
final class QuantizedMatrix: @unchecked Sendable {
    let outputs: Int
    let inputs: Int
    let packed: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Int32>

    init(_ weight: FloatBuffer, outputs: Int, inputs: Int) {
        self.outputs = outputs
        self.inputs = inputs
        let padded = Int(nx_padded_n(Int32(outputs)))
        packed = .allocate(capacity: Int(nx_packed_size(Int32(outputs), Int32(inputs))))
        scales = .allocate(capacity: padded)
        sums = .allocate(capacity: padded)
        nx_pack_weights(weight.pointer, Int32(outputs), Int32(inputs), packed, scales, sums)
    }

    deinit {
        packed.deallocate()
        scales.deallocate()
        sums.deallocate()
    }
}

/// A dense layer's weight in the precision the encoder runs.
enum DenseWeight: Sendable {
    case fp32(FloatBuffer)
    case int8(QuantizedMatrix)

    init(_ weight: FloatBuffer, outputs: Int, inputs: Int, precision: EmbeddingPrecision) {
        switch precision {
        case .fp32: self = .fp32(weight)
        case .int8: self = .int8(QuantizedMatrix(weight, outputs: outputs, inputs: inputs))
        }
    }

    /// output = input · weightᵀ + bias for `tokens` rows of `inputs` floats (row-major).
    /// fp32: the bias is copied into every output row and the product accumulates onto it
    /// (beta = 1), which replaces BLAS's own zeroing pass and a separate bias pass. int8: the
    /// rows are quantised into the workspace, then the kernel adds the bias as it rescales.
    func apply(_ input: UnsafePointer<Float>, inputs: Int, bias: FloatBuffer, outputs: Int,
               into output: UnsafeMutablePointer<Float>, tokens: Int, workers: Int, workspace: EncoderWorkspace) {
        switch self {
        case .fp32(let weight):
            BertEncoder.rowBlocks(tokens, cols: outputs, workers: workers) { rows in
                for row in rows { (output + row * outputs).update(from: bias.pointer, count: outputs) }
            }
            BLAS.parallelSGEMM(.none, .transposed, m: tokens, n: outputs, k: inputs,
                               a: input, lda: inputs, b: weight.pointer, ldb: inputs,
                               beta: 1, c: output, ldc: outputs, workers: workers)
        case .int8(let weight):
            let padded = Int(nx_padded_k(Int32(inputs)))
            workspace.reserveQuantized(tokens: tokens, paddedInputs: padded)
            let bytes = workspace.quantizedRows.pointer, scales = workspace.rowScales.pointer, zeros = workspace.rowZeros.pointer
            BertEncoder.rowBlocks(tokens, cols: inputs, workers: workers) { rows in
                nx_quantize_rows(input + rows.lowerBound * inputs, Int32(rows.count), Int32(inputs), Int32(inputs),
                                 bytes + rows.lowerBound * padded, scales + rows.lowerBound, zeros + rows.lowerBound)
            }
            func product(rows: Range<Int>, columns: Range<Int>) {
                nx_gemm_u8s8(Int32(rows.count), Int32(columns.lowerBound), Int32(columns.upperBound), Int32(inputs),
                             bytes + rows.lowerBound * padded, scales + rows.lowerBound, zeros + rows.lowerBound,
                             weight.packed, weight.scales, weight.sums, Int32(outputs), bias.pointer,
                             output + rows.lowerBound * outputs, Int32(outputs))
            }
            // Split like `parallelSGEMM`: by rows when there are many, else by columns (in
            // whole 32-column tiles). Below ~16 M multiply-adds (a question of up to ~30
            // tokens) one core finishes sooner than two hand the work over: int8 runs these
            // products several times faster than fp32, so the hand-off weighs more.
            if workers <= 1 || tokens * outputs * inputs < 1 << 24 {
                product(rows: 0..<tokens, columns: 0..<outputs)
            } else if tokens >= 16 * workers {
                Parallel.forEachRange(count: tokens, workers: workers, alignment: 8) { product(rows: $0, columns: 0..<outputs) }
            } else {
                Parallel.forEachRange(count: outputs, workers: workers, alignment: 32) { product(rows: 0..<tokens, columns: $0) }
            }
        }
    }

}
