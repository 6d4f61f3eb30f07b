import Foundation

/// Ranking metrics as `trec_eval` computes them (graded relevance, documents not judged
/// count as irrelevant).
public enum RankingMetrics {
    /// nDCG@k: DCG = Σ_{i ≤ k} gain_i / log2(i + 1) with gain = the relevance grade, divided
    /// by the DCG of the ideal ordering of all judged-relevant documents.
    public static func ndcg(ranked: [String], relevance: [String: Int], k: Int) -> Double {
        func dcg(_ gains: [Int]) -> Double {
            gains.prefix(k).enumerated().reduce(0) { $0 + Double($1.element) / log2(Double($1.offset + 2)) }
        }
        let ideal = dcg(relevance.values.filter { $0 > 0 }.sorted(by: >))
        guard ideal > 0 else { return 0 }
        return dcg(ranked.map { max(0, relevance[$0] ?? 0) }) / ideal
    }

    /// Recall@k: the share of relevant documents (grade > 0) among the first k.
    public static func recall(ranked: [String], relevance: [String: Int], k: Int) -> Double {
        let relevant = Set(relevance.filter { $0.value > 0 }.keys)
        guard !relevant.isEmpty else { return 0 }
        return Double(Set(ranked.prefix(k)).intersection(relevant).count) / Double(relevant.count)
    }

    /// MRR@k: 1 / rank of the first relevant document within the first k (0 if none).
    public static func reciprocalRank(ranked: [String], relevance: [String: Int], k: Int) -> Double {
        guard let index = ranked.prefix(k).firstIndex(where: { (relevance[$0] ?? 0) > 0 }) else { return 0 }
        return 1 / Double(index + 1)
    }
}
