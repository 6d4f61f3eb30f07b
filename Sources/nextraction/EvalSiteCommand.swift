import API
import ArgumentParser
import Foundation
import Retrieval
import Storage

/// `nextraction eval site FILE.jsonl`: answer quality on a user's own question set.
struct EvalSiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "Source hit@1/@5, cited pages, answer terms and abstention on your own questions, per kind.",
        discussion: """
            Each line of FILE is {"kind": "...", "question": "...", "pages": [pages that answer it], "answer_terms": [words \
            the answer should contain]}. Pages are full URLs or site paths ("/docs/setup.html", matched against the URL's \
            path). An empty "pages" list means the collection does not answer it: the right reply is to abstain. "kind" \
            (factual, value, vocabulary, multi, offtopic, ...) is optional and groups the report.
            """
    )

    @Argument(help: "A JSON-lines question file.")
    var file: String

    @Option(help: "The collection to ask.")
    var collection = "default"

    @Option(help: "The collection's owner (default: the only account).")
    var user: String?

    @Option(name: .customLong("top-k"), help: "Sources per question.")
    var topK = 5

    @Flag(help: "Print one line per question (question, gold pages, sources, answer) after the table.")
    var details = false

    @OptionGroup var settings: RetrievalSettings

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelOptions

    func run() async throws {
        let reader = try LineReader(path: file)
        var items: [SiteQuestion] = []
        var lineNumber = 0
        while let line = reader.next() {
            lineNumber += 1
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            guard let item = try? JSONDecoder().decode(SiteQuestion.self, from: Data(line.utf8)) else {
                throw CLIError("line \(lineNumber): expected {\"question\", \"pages\", \"answer_terms\"}")
            }
            items.append(item)
        }
        guard !items.isEmpty else { throw CLIError("\(file) has no questions") }
        let services = try await LocalServices(data: data, model: model)
        let id = try await services.collectionID(named: collection, owner: user)
        let configuration = try settings.apply(to: RetrievalConfiguration())
        let service = AskService(retriever: Retriever(database: services.database, embedder: services.embedder, indexes: services.indexes,
                                                      configuration: configuration))
        var outcomes: [SiteOutcome] = []
        for item in items {
            let result = try await service.ask(item.question, collectionID: id, topK: topK, allowLLM: false)
            outcomes.append(SiteOutcome(item: item, result: result))
        }
        let kinds = Array(Set(items.map(\.label))).sorted()
        let groups = [("all", SiteScores(outcomes))] + kinds.map { kind in (kind, SiteScores(outcomes.filter { $0.item.label == kind })) }
        print(Self.table(groups).render())
        if details {
            print("")
            for outcome in outcomes { print(Self.detail(outcome)) }
        }
        if json {
            var object = groups[0].1.json
            object["per_kind"] = Dictionary(uniqueKeysWithValues: groups.dropFirst().map { ($0.0, $0.1.json) })
            try BenchSupport.printJSON(object)
        }
    }

    static func table(_ groups: [(String, SiteScores)]) -> TextTable {
        var table = TextTable(["kind", "questions", "hit@1", "hit@5", "cited", "answer terms", "terms in top 5", "off-topic abstained",
                               "false abstentions", "p50 / p95 ms"])
        func share(_ value: Double, _ count: Int) -> String { count == 0 ? "—" : String(format: "%.3f", value) }
        for (name, scores) in groups {
            table.add([name, "\(scores.answerable) + \(scores.offTopic)", share(scores.hitAt1, scores.answerable),
                       share(scores.hitAt5, scores.answerable), share(scores.citedHit, scores.answerable),
                       share(scores.termRate, scores.answerable), share(scores.termRetrievedRate, scores.answerable),
                       scores.offTopic == 0 ? "—" : "\(scores.abstained) / \(scores.offTopic)",
                       scores.answerable == 0 ? "—" : "\(scores.falselyAbstained) / \(scores.answerable)",
                       String(format: "%.0f / %.0f", scores.p50, scores.p95)])
        }
        return table
    }

    /// One line per question: marks, the question, gold pages, source paths and the answer.
    static func detail(_ outcome: SiteOutcome) -> String {
        func path(_ url: String) -> String { URLComponents(string: url)?.path ?? url }
        let marks: String
        if outcome.item.isAnswerable {
            marks = [outcome.hitAt1 ? "1" : "-", outcome.hitAt5 ? "5" : "-", outcome.citedHit ? "c" : "-",
                     outcome.termFound == true ? "t" : (outcome.termRetrieved == true ? "r" : "-"),
                     outcome.abstained ? "A" : "-"].joined()
        } else {
            marks = outcome.abstained ? "abstained" : "ANSWERED"
        }
        let answer = outcome.answer.replacingOccurrences(of: "\n", with: " ")
        return "[\(marks)] \(outcome.item.label): \(outcome.item.question)\n    gold: \(outcome.item.pages.joined(separator: " "))"
            + "  terms: \((outcome.item.answerTerms ?? []).joined(separator: ", "))"
            + "\n    sources: \(outcome.sources.prefix(5).map(path).joined(separator: " "))"
            + "\n    answer: \(answer.prefix(400))"
    }
}
