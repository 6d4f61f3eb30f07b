import Foundation
import Retrieval
import Testing

@Suite("Ranking metrics (trec_eval definitions)")
struct RankingMetricsTests {
    @Test("nDCG@k with graded gains and log2 discount, ideal from the judgments; Recall@k; MRR@k")
    func handComputed() {
        // Judged: a = 2, b = 1, c = 0 (judged irrelevant), d = 3 (never retrieved).
        let relevance = ["a": 2, "b": 1, "c": 0, "d": 3]
        let ranked = ["x", "a", "c", "b"]
        // DCG = 2/log2(3) + 1/log2(5); ideal DCG = 3/log2(2) + 2/log2(3) + 1/log2(4).
        let dcg = 2 / log2(3.0) + 1 / log2(5.0)
        let ideal = 3 / log2(2.0) + 2 / log2(3.0) + 1 / log2(4.0)
        #expect(abs(RankingMetrics.ndcg(ranked: ranked, relevance: relevance, k: 10) - dcg / ideal) < 1e-12)
        // Cut at 2: only "a" counts.
        #expect(abs(RankingMetrics.ndcg(ranked: ranked, relevance: relevance, k: 2) - (2 / log2(3.0)) / (3 + 2 / log2(3.0))) < 1e-12)
        #expect(RankingMetrics.recall(ranked: ranked, relevance: relevance, k: 100) == 2.0 / 3.0)
        #expect(RankingMetrics.recall(ranked: ranked, relevance: relevance, k: 1) == 0)
        #expect(RankingMetrics.reciprocalRank(ranked: ranked, relevance: relevance, k: 10) == 0.5)
        #expect(RankingMetrics.reciprocalRank(ranked: ranked, relevance: relevance, k: 1) == 0)
        #expect(RankingMetrics.ndcg(ranked: ["a"], relevance: ["a": 0], k: 10) == 0)
    }
}
