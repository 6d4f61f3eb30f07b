import Embedding
import Foundation
@testable import Retrieval
import TestSupport
import Testing

/// The citation check of LLM answers, with the real embedding model.
@Suite("Citation check")
struct CitationCheckerTests {
    @Test("supported markers stay; a source that was not provided and an unsupported claim are removed and reported")
    func check() async throws {
        let embedder = try TestModel.embedder()
        let texts = [
            "Prune most roses in late winter, just as the buds begin to swell and before new leaves open.",
            "Blossom end rot shows as dark sunken patches at the bottom of tomato fruit; it comes from a lack of calcium.",
        ]
        let vectors = try await embedder.embed(texts)
        let sources = texts.indices.map { CitationChecker.Source(text: texts[$0], vector: vectors.vector($0)) }
        let answer = "Roses are pruned in late winter as the buds swell [1]. Tomatoes get blossom end rot from too little calcium [2]. "
            + "The moon is made of green cheese [1]. Bees dance to share directions [9]."
        let checker = CitationChecker(embedder: embedder)
        let (text, report) = try await checker.check(answer: answer, sources: sources)
        #expect(report.checked == 4)
        #expect(report.kept.map(\.n) == [1, 2])
        #expect(report.kept.allSatisfy { ($0.score ?? 0) >= checker.threshold })
        #expect(report.dropped.count == 2)
        #expect(report.dropped.contains { $0.n == 9 && $0.reason == "source 9 was not provided" })
        #expect(report.dropped.contains { $0.n == 1 && $0.sentence.contains("green cheese") && ($0.score ?? 1) < checker.threshold })
        #expect(text.contains("buds swell [1].") && text.contains("calcium [2]."))
        #expect(!text.contains("[9]") && text.contains("green cheese.") && text.contains("directions."))
    }
}
