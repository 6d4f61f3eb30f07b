@testable import Embedding
import Foundation
import NexNumerics
import TestSupport
import Testing

@Suite("Embedder behaviour")
struct EmbedderTests {
    @Test("a batch returns the same vectors as one-at-a-time calls (≤ 1e-5), in input order")
    func batchingMatchesSingles() async throws {
        let embedder = try TestModel.embedder()
        let texts = [
            "short", "A considerably longer sentence about retrieval, chunking and vector search.",
            "", "Vitamin D and bone density in the elderly",
            String(repeating: "Long documents are truncated to two hundred fifty six tokens. ", count: 40),
            "short",
        ]
        let batch = try await embedder.embed(texts)
        #expect(batch.count == texts.count)
        #expect(batch.tokenCounts[4] == 256)
        for (index, text) in texts.enumerated() {
            let single = try await embedder.embed([text]).vector(0)
            #expect(Vector.maxAbsDifference(single, batch.vector(index)) <= 1e-5, "item \(index)")
            let query = try await embedder.embedQuery(text)
            #expect(Vector.maxAbsDifference(query, batch.vector(index)) <= 1e-5, "query path, item \(index)")
        }
        #expect(Vector.maxAbsDifference(batch.vector(0), batch.vector(5)) <= 1e-6)
        // Similar meaning scores higher than unrelated text.
        let related = Vector.dot(batch.vector(3), try await embedder.embedQuery("effect of vitamin D on bones of older people"))
        let unrelated = Vector.dot(batch.vector(3), try await embedder.embedQuery("how to configure a reverse proxy"))
        #expect(related > unrelated + 0.3)
    }

    @Test("batches split by the token budget give the same vectors as one big batch")
    func tokenBudget() async throws {
        var configuration = EmbedderConfiguration(modelDirectory: TestModel.directory)
        configuration.maxBatchTokens = 256
        configuration.maxBatchSequences = 3
        configuration.threads = 1
        let small = try MiniLMEmbedder(configuration: configuration)
        let texts = (0..<9).map { "Sentence number \($0) with \(String(repeating: "words ", count: $0 * 7))" }
        let a = try await small.embed(texts)
        let b = try await TestModel.embedder().embed(texts)
        #expect(Vector.maxAbsDifference(a.vectors.storage, b.vectors.storage) <= 1e-5)
    }

    @Test("many concurrent callers each get their own correct result")
    func concurrentCalls() async throws {
        let embedder = try TestModel.embedder()
        let texts = (0..<12).map { "question number \($0) about topic \($0 * 3)" }
        let expected = try await embedder.embed(texts)
        try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask {
                    index.isMultiple(of: 2)
                        ? (index, try await embedder.embedQuery(text))
                        : (index, try await embedder.embed([text]).vector(0))
                }
            }
            for try await (index, vector) in group {
                #expect(Vector.maxAbsDifference(vector, expected.vector(index)) <= 1e-5)
            }
        }
    }

    @Test("concurrent interactive requests are encoded together in fewer passes, each getting its own rows")
    func interactiveBatching() async throws {
        // Its own batcher (a fresh lane), one thread per pass: passes are slow enough that
        // requests arriving meanwhile wait and are merged.
        let embedder = try TestModel.embedder().withThreads(1)
        let requests = (0..<24).map { request in (0...(request % 3)).map { "request \(request), text \($0): how are answers \(request * 7 + $0) ranked?" } }
        let expected = try await TestModel.embedder().embed(requests.flatMap { $0 })
        let results = try await withThrowingTaskGroup(of: (Int, EmbeddingBatch).self) { group in
            for (index, texts) in requests.enumerated() {
                group.addTask { (index, try await embedder.embedInteractive(texts)) }
            }
            var results: [Int: EmbeddingBatch] = [:]
            for try await (index, batch) in group { results[index] = batch }
            return results
        }
        var row = 0
        for (index, texts) in requests.enumerated() {
            let batch = try #require(results[index])
            #expect(batch.count == texts.count)
            for offset in texts.indices {
                #expect(Vector.maxAbsDifference(batch.vector(offset), expected.vector(row + offset)) <= 1e-5, "request \(index), text \(offset)")
            }
            row += texts.count
        }
        let statistics = embedder.interactive.statistics
        #expect(statistics.requests == requests.count)
        #expect(statistics.passes < requests.count, "requests waiting on a pass are merged: \(statistics.passes) passes")
    }
}

@Suite("embed command")
struct EmbedCommandTests {
    @Test("`nextraction embed` turns JSON lines into token counts and embeddings, in order: the reference's in fp32, close to them in int8 (the default)",
          arguments: [("fp32", Float(0.9999)), ("", Float(0.99))])
    func jsonLines(precision: String, cosine: Float) throws {
        let golden = try Golden.load()
        let items = Array(golden.items.prefix(3))
        let input = items.map { item in
            String(decoding: try! JSONSerialization.data(withJSONObject: ["text": item.text]), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
        let result = try runCLI(["embed", "--model-dir", TestModel.directory], stdin: input,
                                environment: precision.isEmpty ? [:] : ["NEX_EMBED_PRECISION": precision])
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == items.count)
        var worst: Float = 1
        for (line, item) in zip(lines, items) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["tokens"] as? Int == item.inputIDs.count)
            let embedding = try #require((object["embedding"] as? [Double])?.map { Float($0) })
            worst = min(worst, Vector.cosine(embedding, item.embedding))
        }
        #expect(worst >= cosine)
        if precision.isEmpty, EmbeddingPrecision.preferred == .int8 { #expect(worst < 0.99999, "the default here is int8, not fp32") }
        let bad = try runCLI(["embed", "--model-dir", TestModel.directory], stdin: "{\"nope\": 1}\n")
        #expect(bad.status != 0)
        #expect(bad.output.contains("line 1"))
    }
}
