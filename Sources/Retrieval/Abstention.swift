import Foundation
import Storage
import TextKit

/// Why a question is not answered from a collection.
public enum Abstention: Sendable, Equatable {
    /// Nothing in the collection matched at all.
    case noSources
    /// The sources hold no passage worth quoting.
    case noPassage
    /// The best source is not similar enough to the question.
    case lowSimilarity(Float)
    /// A name the question depends on (a product, a setting, an API) occurs nowhere in the
    /// collection: it is about something the collection does not cover.
    case termNotInCollection(String)
    /// Such a name occurs in the collection, but in none of the best pages.
    case termNotInSources(String)

    /// One sentence for the user.
    public var explanation: String {
        switch self {
        case .noSources: return "Nothing in this collection matches the question."
        case .noPassage: return "None of the matching passages answers it."
        case .lowSimilarity: return "The closest passages are about something else."
        case .termNotInCollection(let term): return "“\(term)” does not occur in this collection."
        case .termNotInSources(let term): return "None of the matching pages mentions “\(term)”."
        }
    }

    /// A stable identifier for clients.
    public var code: String {
        switch self {
        case .noSources: return "no_sources"
        case .noPassage: return "no_passage"
        case .lowSimilarity: return "low_similarity"
        case .termNotInCollection: return "term_not_in_collection"
        case .termNotInSources: return "term_not_in_sources"
        }
    }
}

extension Retriever {
    /// Whether the collection can answer the question behind `retrieval`: nil when it can.
    ///
    /// Decided on collection statistics, not a single cosine threshold: a name the question
    /// depends on (`QuestionProfile.specificTerms`: "MySQL", "Kotlin", "pom.xml", "goroutine")
    /// must occur in the collection — a spelling variant in its vocabulary ("serialise" for
    /// "serialize") counts — and a name ("MySQL") also in one of the best pages; then the best source must reach
    /// `abstainBelow` cosine similarity. Used before an answer is composed or generated.
    public func abstention(for retrieval: Retrieval, collectionID: Int64) async throws -> Abstention? {
        guard !retrieval.pages.isEmpty else { return .noSources }
        if let weights = retrieval.weights {
            let pages = Array(retrieval.pages.prefix(configuration.answerPages).map(\.documentID))
            for term in weights.profile.specificTerms {
                let count = weights.chunkCounts[term] ?? 0
                let inCollection = count > 0 ? try await database.collectionContains(collectionID: collectionID, word: term) : false
                if !inCollection {
                    if try await database.vocabularyHasVariant(of: term) { continue }
                    return .termNotInCollection(term)
                }
                // A rare name must also be on one of the best pages: if the collection mentions
                // it only in passing (MySQL in PostgreSQL's manual), a question about it is about
                // something else. (A common one — an acronym all over a scientific corpus — may
                // be spelled out on the pages that answer.)
                if weights.profile.names.contains(term), count <= configuration.rareNameChunks,
                   try await !database.documentsContain(documentIDs: pages, word: term) {
                    return .termNotInSources(term)
                }
            }
        }
        let confidence = AnswerComposer.confidence(retrieval)
        if !retrieval.questionVector.isEmpty, confidence < configuration.abstainBelow { return .lowSimilarity(confidence) }
        return nil
    }
}
