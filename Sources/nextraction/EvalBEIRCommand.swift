import API
import ArgumentParser
import Embedding
import Foundation
import IndexStore
import NexNumerics
import Retrieval
import Storage
import TextKit

/// `nextraction eval beir DIR`: retrieval quality on a BEIR data set (nDCG@10, Recall@100,
/// MRR@10) for BM25, dense and hybrid retrieval.
struct EvalBEIRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beir",
        abstract: "nDCG@10, Recall@100 and MRR@10 on a BEIR folder for bm25, dense and hybrid retrieval.",
        discussion: """
            The corpus is chunked and embedded into a scratch collection kept under .build/eval-cache (reused while
            the corpus is the same; --fresh rebuilds it). Documents are ranked by their best chunk. --tune grid-searches
            the fusion settings on the given split (use train: tuning on test would overfit the report).
            """
    )

    @Argument(help: "A BEIR folder (corpus.jsonl, queries.jsonl, qrels/).")
    var directory: String

    @Option(help: "The qrels split to evaluate.")
    var split = "test"

    @Option(help: "bm25, dense, hybrid or all.")
    var mode = "all"

    @Option(help: "Where the scratch collection is cached.")
    var cache: String?

    @Flag(help: "Re-embed the corpus even if cached.")
    var fresh = false

    @Flag(help: "Grid-search fusion settings on this split and print the best.")
    var tune = false

    @Option(help: "Chunks the full-text search may score per question (0 = every match; default from the retrieval settings).")
    var postingBudget: Int?

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    @Option(help: ArgumentHelp("Evaluate on PostgreSQL (or NEX_DATABASE_URL): the scratch collection is copied into this (empty) "
                               + "database once; a database holding anything else is refused.",
                               valueName: "url"))
    var databaseURL: String?

    @OptionGroup var settings: RetrievalSettings
    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard ["bm25", "dense", "hybrid", "all"].contains(mode) else { throw ValidationError("--mode must be bm25, dense, hybrid or all") }
    }

    func run() async throws {
        let config = try AppConfig.load(environment: ProcessInfo.processInfo.environment)
        let embedder = try model.embedder(config: config)
        let dataset = try BEIRDataset(directory: directory, split: split)
        let scratch = try await ScratchCollection.open(dataset: dataset, embedder: embedder, cache: cache, fresh: fresh,
                                                       postgres: try (databaseURL ?? ProcessInfo.processInfo.environment["NEX_DATABASE_URL"])
                                                           .flatMap { $0.isEmpty ? nil : try AppConfig.databaseURL($0) })
        var retrieval = try settings.apply(to: RetrievalConfiguration())
        retrieval.denseCandidates = 300
        retrieval.lexicalCandidates = 300
        if let postingBudget { retrieval.lexicalPostingBudget = postingBudget }
        let retriever = Retriever(database: scratch.database, embedder: embedder, indexes: scratch.indexes, configuration: retrieval)
        let queryIDs = dataset.qrels.keys.filter { dataset.queries[$0] != nil }.sorted()
        BenchSupport.progress("\(queryIDs.count) \(split) queries over \(dataset.documents.count) documents (\(scratch.chunkCount) chunks)")
        let lists = try await CandidateLists.compute(queryIDs: queryIDs, dataset: dataset, retriever: retriever, collectionID: scratch.collectionID)

        if tune {
            try await tuneFusion(lists: lists, dataset: dataset, retriever: retriever, scratch: scratch, queryIDs: queryIDs)
            return
        }
        let modes: [RetrievalMode] = mode == "all" ? [.lexical, .dense, .hybrid] : [mode == "bm25" ? .lexical : RetrievalMode(rawValue: mode) ?? .hybrid]
        var table = TextTable(["mode", "nDCG@10", "Recall@100", "MRR@10"])
        var output: [String: Any] = ["queries": queryIDs.count, "documents": dataset.documents.count, "split": split]
        for mode in modes {
            let scores = try await evaluate(lists: lists, mode: mode, retriever: retriever, scratch: scratch, dataset: dataset, queryIDs: queryIDs)
            let name = mode == .lexical ? "bm25" : mode.rawValue
            table.add([name, String(format: "%.4f", scores.ndcg), String(format: "%.4f", scores.recall), String(format: "%.4f", scores.mrr)])
            output[name] = ["ndcg@10": BenchSupport.round(scores.ndcg, 4), "recall@100": BenchSupport.round(scores.recall, 4),
                            "mrr@10": BenchSupport.round(scores.mrr, 4)]
        }
        print("BEIR evaluation: \(URL(fileURLWithPath: directory).lastPathComponent), split \(split), \(queryIDs.count) queries\n")
        print(table.render())
        print("\nhybrid: \(describe(retriever.configuration))")
        if json { try BenchSupport.printJSON(output) }
    }

    struct Scores {
        var ndcg = 0.0, recall = 0.0, mrr = 0.0
    }

    func evaluate(lists: CandidateLists, mode: RetrievalMode, retriever: Retriever, scratch: ScratchCollection,
                  dataset: BEIRDataset, queryIDs: [String]) async throws -> Scores {
        var total = Scores()
        for (index, queryID) in queryIDs.enumerated() {
            let ranked: [Int64]
            switch mode {
            case .lexical: ranked = lists.lexical[index].map(\.id)
            case .dense: ranked = lists.dense[index].map(\.id)
            case .hybrid:
                // As `/ask` ranks: fused chunks, the best of them regrouped by page, the rest after.
                let fused = try await retriever.fuseWithFeedback(vector: lists.vectors[index], dense: lists.dense[index], lexical: lists.lexical[index],
                                                           collectionID: scratch.collectionID)
                let head = Array(fused.prefix(retriever.configuration.pageCandidates))
                let pages = try await retriever.rankPages(head, weights: lists.weights[index], vector: lists.vectors[index],
                                                    collectionID: scratch.collectionID)
                ranked = pages.flatMap { $0.chunks.map(\.chunk.id) } + fused.dropFirst(head.count).map(\.id)
            }
            let documents = scratch.documentRanking(ranked)
            let relevance = dataset.qrels[queryID] ?? [:]
            total.ndcg += RankingMetrics.ndcg(ranked: documents, relevance: relevance, k: 10)
            total.recall += RankingMetrics.recall(ranked: documents, relevance: relevance, k: 100)
            total.mrr += RankingMetrics.reciprocalRank(ranked: documents, relevance: relevance, k: 10)
        }
        let n = Double(max(queryIDs.count, 1))
        return Scores(ndcg: total.ndcg / n, recall: total.recall / n, mrr: total.mrr / n)
    }

    func describe(_ configuration: RetrievalConfiguration) -> String {
        let fusion: String
        switch configuration.fusion {
        case .reciprocalRank(let k): fusion = "reciprocal-rank fusion, k = \(Int(k))"
        case .weighted: fusion = "weighted sum of \(configuration.normalization.rawValue)-normalised scores"
        }
        let w = configuration.fullTextWeights
        let feedback = configuration.feedbackDepth > 0
            ? ", feedback from the top \(configuration.feedbackDepth) at weight \(configuration.feedbackWeight)" : ", no feedback"
        return "\(fusion), dense weight \(configuration.denseWeight), BM25 column weights title \(w.title) / heading \(w.heading) / body \(w.body)"
            + feedback
    }

    /// Grid search of the retrieval settings on this split's queries, in two stages: fusion,
    /// normalisation, dense weight and title weight without feedback, then pseudo-relevance
    /// feedback depth and weight around the best of those.
    func tuneFusion(lists: CandidateLists, dataset: BEIRDataset, retriever: Retriever, scratch: ScratchCollection, queryIDs: [String]) async throws {
        var results: [(score: Double, description: String, configuration: RetrievalConfiguration)] = []
        var bestLists = lists
        for titleWeight in [1.0, 2.0, 4.0] {
            var base = retriever.configuration
            base.feedbackDepth = 0
            base.fullTextWeights = FullTextWeights(title: titleWeight, heading: 1.5, body: 1)
            var lexical: [[(id: Int64, score: Double)]] = []
            for queryID in queryIDs {
                lexical.append(try await retriever.with(base).lexicalSearch(dataset.queries[queryID] ?? "", collectionID: scratch.collectionID))
            }
            let weighted = CandidateLists(dense: lists.dense, lexical: lexical, vectors: lists.vectors, weights: lists.weights)
            var fusions: [(RetrievalConfiguration.Fusion, RetrievalConfiguration.Normalization)] =
                RetrievalConfiguration.Normalization.allCases.map { (.weighted, $0) }
            fusions += [5.0, 10, 20, 40, 60, 100].map { (.reciprocalRank(k: $0), .max) }
            for (fusion, normalization) in fusions {
                for denseWeight in stride(from: 0.3, through: 0.8, by: 0.05) {
                    var configuration = base
                    configuration.fusion = fusion
                    configuration.normalization = normalization
                    configuration.denseWeight = denseWeight
                    let scores = try await evaluate(lists: weighted, mode: .hybrid, retriever: retriever.with(configuration), scratch: scratch,
                                              dataset: dataset, queryIDs: queryIDs)
                    if scores.ndcg > (results.map(\.score).max() ?? 0) { bestLists = weighted }
                    results.append((scores.ndcg, describe(configuration), configuration))
                }
            }
        }
        printBest(results, title: "Best settings without feedback on \(split) (nDCG@10):")
        guard let best = results.max(by: { $0.score < $1.score })?.configuration else { return }
        var feedbackResults: [(score: Double, description: String, configuration: RetrievalConfiguration)] = []
        for depth in [1, 2, 3, 5] {
            for weight: Float in [0.25, 0.5, 1, 2] {
                for denseWeight in stride(from: 0.4, through: 0.75, by: 0.05) {
                    var configuration = best
                    configuration.feedbackDepth = depth
                    configuration.feedbackWeight = weight
                    configuration.denseWeight = denseWeight
                    let scores = try await evaluate(lists: bestLists, mode: .hybrid, retriever: retriever.with(configuration), scratch: scratch,
                                              dataset: dataset, queryIDs: queryIDs)
                    feedbackResults.append((scores.ndcg, describe(configuration), configuration))
                }
            }
        }
        printBest(feedbackResults, title: "\nBest settings with pseudo-relevance feedback on \(split) (nDCG@10):")
    }

    private func printBest(_ results: [(score: Double, description: String, configuration: RetrievalConfiguration)], title: String) {
        print(title)
        for result in results.sorted(by: { $0.score > $1.score }).prefix(12) {
            print(String(format: "  %.4f  %@", result.score, result.description))
        }
    }
}

/// Dense and lexical candidate chunk lists of every query, computed once.
struct CandidateLists {
    var dense: [[(id: Int64, score: Float)]]
    var lexical: [[(id: Int64, score: Double)]]
    /// Question vectors.
    var vectors: [[Float]]
    /// Questions' terms with their collection statistics.
    var weights: [QuestionWeights]

    static func compute(queryIDs: [String], dataset: BEIRDataset, retriever: Retriever, collectionID: Int64) async throws -> CandidateLists {
        let texts = queryIDs.map { dataset.queries[$0] ?? "" }
        let vectors = try await retriever.embedder.embed(texts)
        var dense: [[(id: Int64, score: Float)]] = []
        var lexical: [[(id: Int64, score: Double)]] = []
        var weights: [QuestionWeights] = []
        for (index, text) in texts.enumerated() {
            await dense.append(try retriever.denseSearch(vectors.vector(index), collectionID: collectionID))
            await weights.append(try retriever.weights(text, collectionID: collectionID))
            await lexical.append(try retriever.lexicalSearch(text, collectionID: collectionID))
        }
        return CandidateLists(dense: dense, lexical: lexical, vectors: texts.indices.map { vectors.vector($0) }, weights: weights)
    }
}
