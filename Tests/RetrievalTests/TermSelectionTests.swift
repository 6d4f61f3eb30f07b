import Embedding
import Foundation
import IndexStore
@testable import Retrieval
import Storage
import TestSupport
import Testing
import TextKit
import VectorIndex

/// The full-text search's term selection on a real SQLite collection: rare terms first while
/// their matches fit the budget, every term when they all fit, fresh counts after the
/// collection changes.
@Suite("Full-text term selection")
struct TermSelectionTests {
    @Test("in a collection over the budget the rarest terms are kept; a collection within it keeps every term")
    func selection() async throws {
        let directory = try TemporaryDirectory()
        let database = try AppDatabase.inMemory()
        let user = try await database.createUser(email: "terms@example.com", passwordHash: "h")
        let collection = try await database.ensureCollection(userID: user.id!, name: "c").id!
        // "garden" is in all 12 chunks, "compost" in 4, "worm" in 1.
        for i in 0..<12 {
            let text = "garden bed \(i)" + (i < 4 ? " compost" : "") + (i == 0 ? " worm" : "")
            let record = DocumentRecord(collectionID: collection, url: "https://x.test/\(i)", canonicalURL: nil, title: "Page", lang: "en",
                                        contentHash: ContentHash.sha256(text), fetchedAt: Date(), etag: nil, lastModified: nil,
                                        links: [], httpStatus: 200, depth: 0, bytes: text.utf8.count)
            _ = try database.storePage(record, chunks: [NewChunk(ordinal: 0, headingPath: "", text: text, tokenCount: 5, vector: [Float](repeating: 0.05, count: 384),
                                                                 contentHash: ContentHash.sha256(text))])
        }
        let embedder = try TestModel.embedder()
        let indexes = IndexRegistry(directory: directory.appending("index"), dimension: embedder.dimension, database: database)
        try await indexes.rebuild(collectionID: collection, kind: .automatic)   // the collection's size (12) comes from its index
        var configuration = RetrievalConfiguration()
        configuration.lexicalPostingBudget = 6
        let retriever = Retriever(database: database, embedder: embedder, indexes: indexes, configuration: configuration)

        func selected(_ question: String, _ retriever: Retriever) async throws -> [String] {
            try await retriever.selectedTerms(retriever.weights(question, collectionID: collection), collectionID: collection)
        }
        #expect(try await selected("garden compost worm", retriever) == ["worm", "compost"])
        // Alone, even a term over the budget is searched.
        #expect(try await selected("garden", retriever) == ["garden"])
        // A collection no larger than the budget (or the budget off) keeps every term, in question order.
        configuration.lexicalPostingBudget = 20
        #expect(try await selected("garden compost worm", retriever.with(configuration)) == ["garden", "compost", "worm"])
        configuration.lexicalPostingBudget = 0
        #expect(try await selected("garden compost worm", retriever.with(configuration)).count == 3)
        // The lexical search itself only returns chunks with a kept term.
        let hits = try await retriever.lexicalSearch("garden compost worm", collectionID: collection)
        #expect(hits.count == 4)
    }
}

@Suite("Release notes in answers")
struct VersionNoteTests {
    @Test("release notes are recognised in the forms doc generators write them; questions about versions keep them")
    func notes() {
        for note in ["Changed in version 3.8: Added the user_function option.", "New in version 2.5.", "Added in 1.4",
                     "Deprecated since version 3.12: use spam instead.", "removed in 4.0"] {
            #expect(AnswerComposer.isVersionNote(note), "\(note)")
        }
        for sentence in ["Changed in the next step, the value is read again.", "New instances start empty.",
                         "Added items keep their order.", "Version 3.8 changed the default."] {
            #expect(!AnswerComposer.isVersionNote(sentence), "\(sentence)")
        }
        #expect(QuestionProfile("Since which version does lru_cache take user_function?").asksAboutVersions)
        #expect(!QuestionProfile("What does functools.lru_cache do to a function?").asksAboutVersions)
    }
}

@Suite("Definition leads")
struct DefinitionLeadTests {
    @Test("only the run that follows another term opens an entry; a term repeated before each paragraph of one entry does not")
    func leads() {
        // As stored: the term line is repeated before every block of an entry, so a chunk may
        // begin in the middle of one (the cache entry's later paragraphs) and hold the next one.
        let text = ["functools.cache(f)", "The cache is threadsafe so the wrapped function can be used in threads.",
                    "functools.cache(f)", "Arguments must be hashable since a dictionary holds the results.",
                    "functools.wraps(wrapped)", "A convenience function for invoking update_wrapper() as a decorator.",
                    "functools.wraps(wrapped)", "It copies the wrapped function's name and docstring."].joined(separator: "\n")
        let blocks = Passages.blocks(text: text, layout: "t p t p t p t p")
        let leads = Passages.passages(of: blocks, source: 0, maxSentences: 1, maxCodeLines: 15)
            .filter { $0.position == 0 && $0.opensEntry }.map(\.text)
        #expect(leads == ["A convenience function for invoking update_wrapper() as a decorator."])
    }
}
