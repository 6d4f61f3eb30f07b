import API
import ArgumentParser
import Foundation
import Retrieval
import Storage

/// `nextraction eval site FILE.jsonl`: answer quality on a user's own question set.
struct EvalSiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "Page hit@1/@5, answer-term rate, abstention accuracy and latency on your own questions.",
        discussion: """
            Each line of FILE is {"question": "...", "pages": [urls that answer it], "answer_terms": [words the answer \
            should contain]}. An empty "pages" list means the collection does not answer it: the right reply is to abstain.
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

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelOptions

    struct Item: Decodable {
        var question: String
        var pages: [String]
        var answerTerms: [String]?

        enum CodingKeys: String, CodingKey {
            case question, pages
            case answerTerms = "answer_terms"
        }
    }

    func run() async throws {
        let reader = try LineReader(path: file)
        var items: [Item] = []
        var lineNumber = 0
        while let line = reader.next() {
            lineNumber += 1
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            guard let item = try? JSONDecoder().decode(Item.self, from: Data(line.utf8)) else {
                throw CLIError("line \(lineNumber): expected {\"question\", \"pages\", \"answer_terms\"}")
            }
            items.append(item)
        }
        guard !items.isEmpty else { throw CLIError("\(file) has no questions") }
        let services = try LocalServices(data: data, model: model)
        let id = try services.collectionID(named: collection, owner: user)
        let service = AskService(retriever: Retriever(database: services.database, embedder: services.embedder, indexes: services.indexes))
        let report = try await Self.evaluate(items, service: service, collectionID: id, topK: topK)
        var table = TextTable(["metric", "value"])
        table.add(["questions (answerable / not)", "\(report.answerable) / \(report.unanswerable)"])
        table.add(["page hit@1", String(format: "%.3f", report.hitAt1)])
        table.add(["page hit@5", String(format: "%.3f", report.hitAt5)])
        table.add(["answer-term rate", String(format: "%.3f", report.termRate)])
        table.add(["abstention accuracy", String(format: "%.3f", report.abstentionAccuracy)])
        table.add(["latency p50 / p95 ms", String(format: "%.1f / %.1f", report.p50, report.p95)])
        print(table.render())
        if json {
            try BenchSupport.printJSON([
                "questions": items.count, "hit@1": BenchSupport.round(report.hitAt1, 4), "hit@5": BenchSupport.round(report.hitAt5, 4),
                "answer_term_rate": BenchSupport.round(report.termRate, 4),
                "abstention_accuracy": BenchSupport.round(report.abstentionAccuracy, 4),
                "latency_p50_ms": BenchSupport.round(report.p50, 2), "latency_p95_ms": BenchSupport.round(report.p95, 2),
            ])
        }
    }

    struct Report {
        var answerable = 0, unanswerable = 0
        var hitAt1 = 0.0, hitAt5 = 0.0, termRate = 0.0, abstentionAccuracy = 0.0, p50 = 0.0, p95 = 0.0
    }

    static func evaluate(_ items: [Item], service: AskService, collectionID: Int64, topK: Int) async throws -> Report {
        var report = Report()
        var latencies: [Double] = []
        var correctAbstentions = 0
        var hits1 = 0, hits5 = 0
        var termRates: [Double] = []
        func same(_ a: String, _ b: String) -> Bool {
            func trim(_ s: String) -> String { s.hasSuffix("/") ? String(s.dropLast()) : s }
            return trim(a) == trim(b)
        }
        for item in items {
            let result = try await service.ask(item.question, collectionID: collectionID, topK: topK)
            latencies.append(result.timings.totalMilliseconds)
            let expectAnswer = !item.pages.isEmpty
            if result.answer.answerable == expectAnswer { correctAbstentions += 1 }
            guard expectAnswer else {
                report.unanswerable += 1
                continue
            }
            report.answerable += 1
            let sources = result.sources.map(\.chunk.url)
            if let first = sources.first, item.pages.contains(where: { same($0, first) }) { hits1 += 1 }
            if sources.prefix(5).contains(where: { source in item.pages.contains { same($0, source) } }) { hits5 += 1 }
            if let terms = item.answerTerms, !terms.isEmpty {
                let answer = result.answer.text.lowercased()
                termRates.append(Double(terms.filter { answer.contains($0.lowercased()) }.count) / Double(terms.count))
            }
        }
        let answerable = Double(max(report.answerable, 1))
        report.hitAt1 = Double(hits1) / answerable
        report.hitAt5 = Double(hits5) / answerable
        report.termRate = termRates.isEmpty ? 0 : termRates.reduce(0, +) / Double(termRates.count)
        report.abstentionAccuracy = Double(correctAbstentions) / Double(items.count)
        report.p50 = BenchSupport.percentile(latencies, 0.5)
        report.p95 = BenchSupport.percentile(latencies, 0.95)
        return report
    }
}
