import Embedding
import Foundation
import NexNumerics
import TestSupport
import Testing

/// The int8 encoder (`NEX_EMBED_PRECISION=int8`): close to the reference, and every kernel
/// this CPU can run computes the same integers as the portable one.
@Suite("int8 encoder", .serialized)
struct Int8Tests {
    @Test("every golden item's int8 embedding has cosine ≥ 0.99 to the reference")
    func golden() async throws {
        let golden = try Golden.load()
        let batch = try await TestModel.int8Embedder().embed(golden.items.map(\.text))
        var worst: Float = 1
        for (index, item) in golden.items.enumerated() {
            let cosine = Vector.cosine(batch.vector(index), item.embedding)
            worst = min(worst, cosine)
            #expect(cosine >= 0.99, "\(item.text.debugDescription.prefix(60)): cosine \(cosine)")
            #expect(abs(Vector.norm(batch.vector(index)) - 1) < 1e-5)
        }
        // Quantised, not the fp32 path under another name.
        #expect(worst < 0.99999)
    }

    @Test("the vector kernels agree exactly with the portable one (same quantised inputs, exact int32 sums)")
    func kernels() async throws {
        let texts = ["How do I undo the last commit?", String(repeating: "a longer passage about branches and merges ", count: 20), "x"]
        let embedder = try TestModel.int8Embedder()
        let best = EmbeddingPrecision.int8Kernel
        defer { EmbeddingPrecision.useInt8Kernel("best") }
        #expect(EmbeddingPrecision.useInt8Kernel("portable") == "portable")
        let reference = try await embedder.embed(texts)
        var tried: [String] = []
        for name in ["avx2", "avx-vnni", "avx512-vnni"] {
            let used = EmbeddingPrecision.useInt8Kernel(name)
            guard used == name else { continue }   // this CPU lacks it
            tried.append(name)
            let batch = try await embedder.embed(texts)
            for index in texts.indices {
                #expect(Vector.maxAbsDifference(batch.vector(index), reference.vector(index)) == 0, "\(name), text \(index)")
            }
        }
        #expect(tried.contains(best) || best == "portable")
    }
}
