import API
import ArgumentParser
import Foundation
import Retrieval
import Storage

/// `nextraction ask "question"`: answers from a collection, in this process.
struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question from a collection's pages, with numbered citations."
    )

    @Argument(help: "The question.")
    var question: String

    @Option(help: "The collection to search.")
    var collection = "default"

    @Option(help: "The collection's owner (default: the only account).")
    var user: String?

    @Option(name: .customLong("top-k"), help: "Source pages to show.")
    var topK = 5

    @Flag(help: "Print the answer as JSON.")
    var json = false

    @Flag(help: "Also print the ranked pages and the passages the answer was chosen from, with their scores.")
    var explain = false

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelOptions
    @OptionGroup var settings: RetrievalSettings

    func validate() throws {
        guard !question.trimmingCharacters(in: .whitespaces).isEmpty, question.count <= 2000 else {
            throw ValidationError("the question must be 1 to 2,000 characters")
        }
        guard (1...20).contains(topK) else { throw ValidationError("--top-k must be between 1 and 20") }
    }

    func run() async throws {
        let services = try await LocalServices(data: data, model: model)
        let id = try await services.collectionID(named: collection, owner: user)
        let retriever = Retriever(database: services.database, embedder: services.embedder, indexes: services.indexes)
        let service = AskService(retriever: retriever.with(try settings.apply(to: retriever.configuration)), router: try services.router())
        let result = try await service.ask(question, collectionID: id, topK: topK)
        if json {
            struct Output: Encodable {
                var answer: String
                var answerable: Bool
                var abstention: String?
                var citations: [Citation]
                var sources: [SourcePage]
                var timings: AskTimings
                var mode: String
                var citation_check: CitationChecker.Report?
            }
            let data = try JSONCoding.cliEncoder.encode(Output(answer: result.answer.text, answerable: result.answer.answerable,
                                                               abstention: result.answer.abstention?.code,
                                                               citations: result.answer.citations, sources: result.sources,
                                                               timings: result.timings, mode: result.mode,
                                                               citation_check: result.citationCheck))
            print(String(decoding: data, as: UTF8.self))
            if !result.answer.answerable { throw ExitCode(Self.notFound) }
            return
        }
        print(result.answer.text)
        if !result.answer.citations.isEmpty { print("") }
        for citation in result.answer.citations {
            print("[\(citation.n)] \(Self.label(title: citation.title, heading: citation.heading))\n    \(citation.url)")
        }
        if !result.sources.isEmpty {
            print(result.answer.answerable ? "\nSources:" : "\nClosest pages:")
            for source in result.sources {
                print("  \(source.rank). \(Self.label(title: source.title, heading: source.heading))\n     \(source.url)")
            }
        }
        if let reason = result.fallbackReason { print("\n(extractive answer: \(reason))") }
        if explain {
            let retrieval = try await service.retriever.retrieve(question, collectionID: id, k: topK * 2)
            print("\nPages (score):")
            for page in retrieval.pages.prefix(8) { print(String(format: "  %.3f  %@", page.score, page.url)) }
            print("Passages (score / before similarity):")
            for passage in try await service.composer.explain(retrieval: retrieval).prefix(12) {
                print(String(format: "  %.3f / %.3f  %@\n      %@", passage.score, passage.preScore, passage.url,
                             String(passage.text.replacingOccurrences(of: "\n", with: " ").prefix(160))))
            }
        }
        print(String(format: "\n(%@, %.0f ms: embed %.0f, search %.0f, answer %.0f)", result.mode, result.timings.totalMilliseconds,
                     result.timings.embedMilliseconds, result.timings.searchMilliseconds, result.timings.answerMilliseconds))
        if !result.answer.answerable { throw ExitCode(Self.notFound) }
    }

    /// The exit status when the pages do not answer the question (scripts can tell it from a failure).
    /// "Title › Section", without the title a heading path often starts with.
    static func label(title: String, heading: String) -> String {
        var parts = heading.components(separatedBy: " › ").filter { !$0.isEmpty }
        while parts.first == title { parts.removeFirst() }
        return ([title] + parts).joined(separator: " › ")
    }

    static let notFound: Int32 = 3
}

extension JSONCoding {
    static var cliEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Namespace for the CLI's JSON settings.
enum JSONCoding {}
