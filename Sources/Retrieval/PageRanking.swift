import Foundation
import Storage
import TextKit

/// One page of a retrieval: its retrieved chunks, best first, and its rank score.
public struct RankedPage: Sendable {
    public var documentID: Int64
    public var url: String
    public var title: String
    public var score: Double
    /// The page's retrieved chunks, best (by fused score) first.
    public var chunks: [RetrievedChunk]
}

/// Page-aware ranking: retrieval finds chunks, a user wants pages. A page scores by its best
/// chunk, plus a share of its best chunk in another section (a page with relevant passages in
/// several sections is more likely the one that answers), plus how much of the question's (IDF-weighted) terms its
/// title and its best chunk's heading path hold — on documentation sites titles and headings
/// name exactly what a page is about — plus the question's similarity to the page's opening
/// (its first chunk: what the page says it is about, even when another chunk matched). Weights are `RetrievalConfiguration` fields, tuned on the dev sets (`bench/sites`) and checked on SciFact.
enum PageRanking {
    /// `openings`: the question's cosine similarity to each page's first chunk, by document id.
    static func rank(_ chunks: [RetrievedChunk], weights: QuestionWeights?, openings: [Int64: Double] = [:],
                     configuration: RetrievalConfiguration) -> [RankedPage] {
        var pages: [Int64: RankedPage] = [:]
        var order: [Int64] = []
        for hit in chunks {
            if pages[hit.chunk.documentID] == nil {
                pages[hit.chunk.documentID] = RankedPage(documentID: hit.chunk.documentID, url: hit.chunk.url, title: hit.chunk.title,
                                                         score: 0, chunks: [])
                order.append(hit.chunk.documentID)
            }
            pages[hit.chunk.documentID]?.chunks.append(hit)
        }
        var ranked = order.compactMap { pages[$0] }
        for index in ranked.indices {
            ranked[index].chunks.sort { $0.fused > $1.fused }
            let page = ranked[index]
            let best = page.chunks.first?.fused ?? 0
            // The best chunk of another section: a page that matches in several of its sections
            // is about the question, not just mentioning it once. (More chunks of one section —
            // a long text cut in pieces — are the same evidence again: counting them costs
            // SciFact 0.008 nDCG@10, where an abstract is one section in two or three chunks.)
            let bestSection = page.chunks.first?.chunk.headingPath
            let second = page.chunks.dropFirst().first { $0.chunk.headingPath != bestSection }?.fused ?? 0
            var score = best + configuration.pageSecondChunkWeight * second
                + configuration.pageOpeningWeight * (openings[page.documentID] ?? 0)
            if let weights {
                score += configuration.pageTitleWeight * weights.coverage(QuestionWeights.stems(of: page.title))
                let heading = page.chunks.first?.chunk.headingPath ?? ""
                score += configuration.pageHeadingWeight * weights.coverage(QuestionWeights.stems(of: heading))
            }
            ranked[index].score = score
        }
        return ranked.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element)
    }
}
