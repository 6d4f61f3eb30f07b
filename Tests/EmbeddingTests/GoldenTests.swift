import Embedding
import Foundation
import NexNumerics
import TestSupport
import TextKit
import Testing

/// The reference implementation's token ids and embeddings (sentence-transformers 6.2 on
/// PyTorch, float32 CPU), copied from `../shared/fixtures/minilm-golden.json`.
struct Golden: Decodable {
    struct Item: Decodable {
        var text: String
        var inputIDs: [Int32]
        var embedding: [Float]
        enum CodingKeys: String, CodingKey {
            case text, embedding
            case inputIDs = "input_ids"
        }
    }
    var items: [Item]

    static func load() throws -> Golden {
        let url = try #require(Bundle.module.url(forResource: "minilm-golden", withExtension: "json"))
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }
}

@Suite("all-MiniLM-L6-v2 against the reference")
struct GoldenTests {
    @Test("token ids are identical for every golden item")
    func tokens() throws {
        let golden = try Golden.load()
        let tokenizer = try TestModel.embedder().tokenizer
        #expect(golden.items.count >= 20)
        for item in golden.items {
            let ids = tokenizer.encode(item.text)
            #expect(ids == item.inputIDs, "\(item.text.debugDescription.prefix(60)): \(ids.count) vs \(item.inputIDs.count) ids")
        }
    }

    @Test("embeddings match: cosine ≥ 0.9999 and max |Δ| ≤ 1e-4 for every item")
    func embeddings() async throws {
        let golden = try Golden.load()
        let embedder = try TestModel.embedder()
        let batch = try await embedder.embed(golden.items.map(\.text))
        for (index, item) in golden.items.enumerated() {
            let ours = batch.vector(index)
            let cosine = Vector.cosine(ours, item.embedding)
            let difference = Vector.maxAbsDifference(ours, item.embedding)
            #expect(cosine >= 0.9999, "\(item.text.debugDescription.prefix(60)): cosine \(cosine)")
            #expect(difference <= 1e-4, "\(item.text.debugDescription.prefix(60)): max |Δ| \(difference)")
            #expect(abs(Vector.norm(ours) - 1) < 1e-5)
        }
        // The fixture covers the hard cases named by the acceptance criteria.
        let texts = golden.items.map(\.text)
        #expect(texts.contains("") && texts.contains(" "))
        #expect(golden.items.contains { $0.inputIDs.count == 256 })
        #expect(texts.contains { $0.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } })
        #expect(texts.contains { $0.unicodeScalars.contains { $0.properties.isEmoji && $0.value > 0x2000 } })
    }
}
