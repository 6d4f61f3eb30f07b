import Foundation
import TextKit

/// A question's terms weighted by how rare they are in the collection (BM25's IDF, Robertson
/// & Zaragoza 2009: ln(1 + (N − df + 0.5) / (df + 0.5))), for scoring titles, headings and
/// answer passages: a rare term ("rerere", "max_connections") counts for much more than a
/// common one ("file", "use"). Terms the collection never contains carry no weight (nothing
/// can match them); `absentTerms` lists them for abstention.
public struct QuestionWeights: Sendable {
    public let profile: QuestionProfile
    /// IDF by stem (stems of terms found in the collection only).
    public let idf: [String: Double]
    /// Content terms (lowercased words) that no chunk contains.
    public let absentTerms: [String]
    /// Chunks each term occurs in (every collection; see `LexicalSearch.termChunkCounts`).
    public let chunkCounts: [String: Int]

    public init(profile: QuestionProfile, chunkCounts: [String: Int], collectionSize: Int) {
        self.profile = profile
        self.chunkCounts = chunkCounts
        let n = Double(max(collectionSize, 1))
        var idf: [String: Double] = [:]
        var absent: [String] = []
        for (term, stem) in zip(profile.terms, profile.stems) {
            let df = Double(min(chunkCounts[term] ?? 0, max(collectionSize, 1)))
            guard df > 0 else {
                absent.append(term)
                continue
            }
            idf[stem] = max(idf[stem] ?? 0, log(1 + (n - df + 0.5) / (df + 0.5)))
        }
        self.idf = idf
        absentTerms = absent
    }

    /// The weight of every matchable term together.
    public var total: Double { idf.values.reduce(0, +) }

    /// The stem of the rarest matchable term.
    public var rarestStem: String? { idf.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key }

    /// Stems of `text`'s words (the unit all matching is done in).
    public static func stems(of text: String) -> Set<String> {
        QueryTerms.stems(text)
    }

    /// The share of `terms` found in `stems` (0 for no terms), unweighted.
    public static func share(of terms: Set<String>, in stems: Set<String>) -> Float {
        terms.isEmpty ? 0 : Float(terms.intersection(stems).count) / Float(terms.count)
    }

    /// The IDF mass of the question's terms found among `stems`.
    public func weight(of stems: Set<String>) -> Double {
        idf.reduce(0) { $0 + (stems.contains($1.key) ? $1.value : 0) }
    }

    /// The share (0…1) of the question's term weight found among `stems`.
    public func coverage(_ stems: Set<String>) -> Double {
        let total = self.total
        return total > 0 ? weight(of: stems) / total : 0
    }
}
