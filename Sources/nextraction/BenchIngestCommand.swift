import API
import ArgumentParser
import Embedding
import Foundation
import HTTPKit
import IndexStore
import Ingest
import Logging
import NexNumerics
import Storage
import TextKit
import VectorIndex

/// `nextraction bench ingest`: crawl → extract → chunk (no embedding), then the full
/// pipeline, over a generated site served on loopback; compared with the embedder alone.
struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest throughput on a generated loopback site: fetch+extract+chunk pages/s and the full pipeline.",
        discussion: "The full pipeline is compared with the embedder alone on the same chunks (tokens/s), in the same run."
    )

    @Option(help: "Pages in the generated site.")
    var pages = 1000

    @Option(name: .customLong("host-concurrency"), help: "Parallel requests to the site.")
    var hostConcurrency = 8

    @Option(help: "Also ingest into a collection already holding this many chunks (synthetic rows and vectors, e.g. 1000000).")
    var prefill = 0

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    @OptionGroup var model: ModelOptions

    func run() async throws {
        try CPUFeatures.check()
        let config = try AppConfig.load(environment: ProcessInfo.processInfo.environment)
        let embedder = try model.embedder(config: config)
        let site = BenchSite(pages: pages)
        let hostConcurrency = self.hostConcurrency, pageCount = pages, prefill = self.prefill
        let result = try await site.serve { baseURL in
            let dry = try await Self.ingest(baseURL: baseURL, pages: pageCount, embedder: embedder, dryRun: true, hostConcurrency: hostConcurrency)
            BenchSupport.progress(String(format: "fetch+extract+chunk: %.0f pages/s", dry.pagesPerSecond))
            let full = try await Self.ingest(baseURL: baseURL, pages: pageCount, embedder: embedder, dryRun: false, hostConcurrency: hostConcurrency)
            BenchSupport.progress(String(format: "full pipeline: %.1f pages/s", full.pagesPerSecond))
            var big: RunResult?
            if prefill > 0 {
                big = try await Self.ingest(baseURL: baseURL, pages: pageCount, embedder: embedder, dryRun: false,
                                            hostConcurrency: hostConcurrency, prefill: prefill)
                BenchSupport.progress(String(format: "full pipeline into %d chunks: %.1f pages/s", prefill, big?.pagesPerSecond ?? 0))
            }
            return (dry, full, big)
        }
        let (dry, full, big) = result
        // The embedder alone on the very chunks the pipeline embedded.
        _ = try await embedder.embed(Array(full.chunkTexts.prefix(64)))
        let (alone, aloneSeconds) = try await BenchSupport.time { try await embedder.embed(full.chunkTexts) }
        let aloneTokensPerSecond = Double(alone.tokenCounts.reduce(0, +)) / aloneSeconds
        let fullTokensPerSecond = Double(full.tokens) / full.seconds
        let rss = BenchSupport.peakRSSMegabytes()

        var table = TextTable(["run", "pages", "chunks", "seconds", "pages/s", "tokens/s", "target"])
        table.add(["fetch + extract + chunk", "\(dry.pages)", "\(dry.chunks)", String(format: "%.2f", dry.seconds),
                    String(format: "%.0f", dry.pagesPerSecond), "-", dry.pagesPerSecond >= 500 ? "≥ 500 pages/s: met" : "≥ 500 pages/s: MISSED"])
        table.add(["full pipeline", "\(full.pages)", "\(full.chunks)", String(format: "%.2f", full.seconds),
                    String(format: "%.1f", full.pagesPerSecond), String(format: "%.0f", fullTokensPerSecond),
                    String(format: "%.0f%% of embedder alone", 100 * fullTokensPerSecond / aloneTokensPerSecond)])
        table.add(["embedder alone, same chunks", "-", "\(full.chunkTexts.count)", String(format: "%.2f", aloneSeconds), "-",
                    String(format: "%.0f", aloneTokensPerSecond), "reference"])
        if let big {
            let ratio = big.pagesPerSecond / full.pagesPerSecond
            table.add(["full pipeline, into \(prefill) chunks", "\(big.pages)", "\(big.chunks)", String(format: "%.2f", big.seconds),
                        String(format: "%.1f", big.pagesPerSecond), String(format: "%.0f", Double(big.tokens) / big.seconds),
                        String(format: "%.2f× the empty collection (≥ 0.9: %@)", ratio, ratio >= 0.9 ? "met" : "MISSED")])
        }
        var stages = TextTable(["stage (full pipeline)", "seconds", "share of wall time"])
        let names = ["crawl": "crawl: fetch + extract (overlaps the rest)", "chunk": "chunk", "embed": "embed",
                     "write": "write (SQLite)", "publish": "publish (index generations)"]
        for (stage, seconds) in full.stages.sorted(by: { $0.value > $1.value }) {
            stages.add([names[stage] ?? stage, String(format: "%.2f", seconds), String(format: "%.0f%%", 100 * seconds / full.seconds)])
        }
        if let big {
            for (stage, seconds) in big.stages.sorted(by: { $0.value > $1.value }) {
                stages.add([(names[stage] ?? stage) + ", into \(prefill) chunks", String(format: "%.2f", seconds),
                            String(format: "%.0f%%", 100 * seconds / big.seconds)])
            }
        }
        print("Ingest benchmark: \(pages)-page generated site on loopback, \(hostConcurrency) parallel requests, threads \(embedder.configuration.threads)\n")
        print(table.render())
        print("")
        print(stages.render())
        print(String(format: "\npeak RSS %.0f MiB; BLAS: %@", rss, BLASRuntime.configuration))
        if json {
            try BenchSupport.printJSON([
                "pages": full.pages, "chunks": full.chunks,
                "fetch_extract_chunk_pages_per_s": BenchSupport.round(dry.pagesPerSecond, 1),
                "full_pages_per_s": BenchSupport.round(full.pagesPerSecond, 2),
                "full_tokens_per_s": BenchSupport.round(fullTokensPerSecond, 0),
                "embed_tokens_per_s": BenchSupport.round(aloneTokensPerSecond, 0),
                "ratio_vs_embed": BenchSupport.round(fullTokensPerSecond / aloneTokensPerSecond, 3),
                "peak_rss_mb": BenchSupport.round(rss, 0),
                "stages_s": full.stages.mapValues { BenchSupport.round($0, 3) },
                "prefill_chunks": prefill,
                "prefilled_pages_per_s": big.map { BenchSupport.round($0.pagesPerSecond, 2) } ?? 0,
                "prefilled_vs_empty": big.map { BenchSupport.round($0.pagesPerSecond / full.pagesPerSecond, 3) } ?? 0,
                "prefilled_stages_s": big?.stages.mapValues { BenchSupport.round($0, 3) } ?? [:],
            ])
        }
    }

    struct RunResult: Sendable {
        var pages: Int
        var chunks: Int
        var tokens: Int
        var seconds: Double
        var stages: [String: Double]
        var chunkTexts: [String]
        var pagesPerSecond: Double { Double(pages) / seconds }
    }

    static func ingest(baseURL: String, pages: Int, embedder: MiniLMEmbedder, dryRun: Bool, hostConcurrency: Int,
                       prefill: Int = 0) async throws -> RunResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nextraction-bench-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try AppDatabase.open(path: directory.appendingPathComponent("db.sqlite").path)
        let user = try await database.createUser(email: "bench@example.com", passwordHash: "-")
        guard let userID = user.id, let collectionID = try await database.ensureCollection(userID: userID, name: "bench").id else {
            throw CLIError("cannot create the bench collection")
        }
        let indexes = IndexRegistry(directory: directory.appendingPathComponent("index").path, dimension: embedder.dimension, database: database)
        var environment = IngestEnvironment(database: database, embedder: embedder, indexes: indexes,
                                            client: try HTTPClient(userAgent: "NexTraction/bench", maxConnectionsPerHost: hostConcurrency),
                                            userAgent: "NexTraction/bench", politenessDelay: 0, logger: commandLogger())
        environment.publishInterval = 5
        if prefill > 0 {
            try await SyntheticChunks.fill(prefill, into: database, collectionID: collectionID, dimension: embedder.dimension)
            _ = try await indexes.rebuild(collectionID: collectionID, kind: .automatic)
        }
        let fillerMaxID = prefill > 0 ? try database.chunkIDs(collectionID: collectionID).last ?? 0 : 0
        let parameters = IngestParameters(url: baseURL + "/", collection: "bench", maxPages: pages + 1, maxDepth: 2,
                                          politenessDelay: 0, allowPrivateHosts: true, hostConcurrency: hostConcurrency)
        let progress = ProgressTracker(jobID: "bench")
        let times = StageTimes()
        let pipeline = IngestPipeline(environment: environment, collectionID: collectionID, parameters: parameters,
                                      progress: progress, times: times, dryRun: dryRun)
        let (_, seconds) = try await BenchSupport.time { try await pipeline.run() }
        let snapshot = progress.snapshot
        var texts: [String] = []
        var tokens = 0
        if !dryRun {
            // The run's chunks only (their ids follow the filler's; a million ids would not fit one query).
            let ids = try database.chunkIDs(collectionID: collectionID).filter { $0 > fillerMaxID }
            let chunks = try database.chunks(ids: ids, collectionID: collectionID)
            texts = chunks.map { chunk in
                ([chunk.title] + (chunk.headingPath.isEmpty ? [] : chunk.headingPath.components(separatedBy: " › ")))
                    .joined(separator: " › ") + ": " + chunk.text
            }
            tokens = chunks.reduce(0) { $0 + $1.tokenCount + 2 }
        }
        return RunResult(pages: snapshot.indexed, chunks: snapshot.chunks, tokens: tokens, seconds: seconds,
                         stages: times.totals, chunkTexts: texts)
    }
}
