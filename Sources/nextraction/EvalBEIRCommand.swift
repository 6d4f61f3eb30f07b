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

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard ["bm25", "dense", "hybrid", "all"].contains(mode) else { throw ValidationError("--mode must be bm25, dense, hybrid or all") }
    }

    func run() async throws {
        let config = try AppConfig.load(environment: ProcessInfo.processInfo.environment)
        let embedder = try model.embedder(config: config)
        let dataset = try BEIRDataset(directory: directory, split: split)
        let scratch = try await ScratchCollection.open(dataset: dataset, embedder: embedder, cache: cache, fresh: fresh)
        var retrieval = RetrievalConfiguration()
        retrieval.denseCandidates = 300
        retrieval.lexicalCandidates = 300
        let retriever = Retriever(database: scratch.database, embedder: embedder, indexes: scratch.indexes, configuration: retrieval)
        let queryIDs = dataset.qrels.keys.filter { dataset.queries[$0] != nil }.sorted()
        BenchSupport.progress("\(queryIDs.count) \(split) queries over \(dataset.documents.count) documents (\(scratch.chunkCount) chunks)")
        let lists = try await CandidateLists.compute(queryIDs: queryIDs, dataset: dataset, retriever: retriever, collectionID: scratch.collectionID)

        if tune {
            try tuneFusion(lists: lists, dataset: dataset, retriever: retriever, scratch: scratch, queryIDs: queryIDs)
            return
        }
        let modes: [RetrievalMode] = mode == "all" ? [.lexical, .dense, .hybrid] : [mode == "bm25" ? .lexical : RetrievalMode(rawValue: mode) ?? .hybrid]
        var table = TextTable(["mode", "nDCG@10", "Recall@100", "MRR@10"])
        var output: [String: Any] = ["queries": queryIDs.count, "documents": dataset.documents.count, "split": split]
        for mode in modes {
            let scores = evaluate(lists: lists, mode: mode, retriever: retriever, scratch: scratch, dataset: dataset, queryIDs: queryIDs)
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
                  dataset: BEIRDataset, queryIDs: [String]) -> Scores {
        var total = Scores()
        for (index, queryID) in queryIDs.enumerated() {
            let ranked: [Int64]
            switch mode {
            case .lexical: ranked = lists.lexical[index].map(\.id)
            case .dense: ranked = lists.dense[index].map(\.id)
            case .hybrid: ranked = retriever.fuse(dense: lists.dense[index], lexical: lists.lexical[index]).map(\.id)
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
        case .weighted: fusion = "normalised weighted sum"
        }
        let w = configuration.fullTextWeights
        return "\(fusion), dense weight \(configuration.denseWeight), BM25 column weights title \(w.title) / heading \(w.heading) / body \(w.body)"
    }

    /// Grid search of the fusion settings on this split's queries.
    func tuneFusion(lists: CandidateLists, dataset: BEIRDataset, retriever: Retriever, scratch: ScratchCollection, queryIDs: [String]) throws {
        var results: [(Double, String)] = []
        for titleWeight in [1.0, 2.0, 4.0] {
            var base = retriever.configuration
            base.fullTextWeights = FullTextWeights(title: titleWeight, heading: 1.5, body: 1)
            let lexical = try queryIDs.map { try Retriever(database: scratch.database, embedder: retriever.embedder, indexes: scratch.indexes, configuration: base)
                .lexicalSearch(dataset.queries[$0] ?? "", collectionID: scratch.collectionID) }
            let weighted = CandidateLists(dense: lists.dense, lexical: lexical)
            var fusions: [RetrievalConfiguration.Fusion] = [.weighted]
            fusions += [5.0, 10, 20, 40, 60, 100].map { .reciprocalRank(k: $0) }
            for fusion in fusions {
                for denseWeight in stride(from: 0.3, through: 0.8, by: 0.05) {
                    var configuration = base
                    configuration.fusion = fusion
                    configuration.denseWeight = denseWeight
                    let candidate = Retriever(database: scratch.database, embedder: retriever.embedder, indexes: scratch.indexes, configuration: configuration)
                    let scores = evaluate(lists: weighted, mode: .hybrid, retriever: candidate, scratch: scratch, dataset: dataset, queryIDs: queryIDs)
                    results.append((scores.ndcg, describe(configuration)))
                }
            }
        }
        print("Best fusion settings on \(split) (nDCG@10):")
        for (score, description) in results.sorted(by: { $0.0 > $1.0 }).prefix(12) {
            print(String(format: "  %.4f  %@", score, description))
        }
    }
}

/// Dense and lexical candidate chunk lists of every query, computed once.
struct CandidateLists {
    var dense: [[(id: Int64, score: Float)]]
    var lexical: [[(id: Int64, score: Double)]]

    static func compute(queryIDs: [String], dataset: BEIRDataset, retriever: Retriever, collectionID: Int64) async throws -> CandidateLists {
        let texts = queryIDs.map { dataset.queries[$0] ?? "" }
        let vectors = try await retriever.embedder.embed(texts)
        var dense: [[(id: Int64, score: Float)]] = []
        var lexical: [[(id: Int64, score: Double)]] = []
        for (index, text) in texts.enumerated() {
            dense.append(try retriever.denseSearch(vectors.vector(index), collectionID: collectionID))
            lexical.append(try retriever.lexicalSearch(text, collectionID: collectionID))
        }
        return CandidateLists(dense: dense, lexical: lexical)
    }
}
