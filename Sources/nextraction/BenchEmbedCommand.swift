import API
import ArgumentParser
import Embedding
import Foundation
import NexNumerics
import TextKit

/// `nextraction bench embed`: throughput and latency of the embedding engine in fp32 and int8,
/// side by side with sentence-transformers on PyTorch and ONNX Runtime fp32/int8 over the same
/// texts, in the same run.
struct BenchEmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embedding throughput (docs/s, tokens/s, GFLOP/s) and query latency, fp32 and int8, vs PyTorch and ONNX Runtime.",
        discussion: """
            Documents are the first --limit lines of a BEIR corpus.jsonl (title + text, truncated to 256
            tokens); queries are texts of at most 16 tokens from the queries.jsonl beside it. The peers
            (bench/peers/embed_peer.py: sentence-transformers on PyTorch, ONNX Runtime fp32 and int8
            from the same weights) run in .build/venv-peers, created with pip on first use.
            """
    )

    @Option(help: ArgumentHelp("BEIR corpus.jsonl (default: ../shared/datasets/scifact/corpus.jsonl).", valueName: "file"))
    var corpus: String?

    @Option(help: "Number of documents.")
    var limit = 512

    @Option(help: ArgumentHelp("Thread counts to measure, comma-separated.", valueName: "list"))
    var threads = "1,2"

    @Option(help: "Number of single-query latency samples.")
    var queries = 200

    @Option(help: ArgumentHelp("Our precisions to measure, comma-separated (fp32, int8).", valueName: "list"))
    var precision = "fp32,int8"

    @Option(help: ArgumentHelp("The int8 kernel to run (avx512-vnni, avx-vnni, avx2, portable; default: the best this CPU has), "
                               + "to see what a CPU without VNNI gets.", valueName: "name"))
    var int8Kernel: String?

    @Flag(help: "Skip the peers.")
    var noPeer = false

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    @OptionGroup var data: DataOptions
    @Option(name: .long, help: ArgumentHelp("Embedding model folder.", valueName: "path"))
    var modelDir: String?

    struct Figures {
        var docsPerSecond: Double
        var tokensPerSecond: Double
        var gflops: Double
        var queryP50: Double
        var queryP95: Double

        var json: [String: Any] {
            ["docs_per_s": BenchSupport.round(docsPerSecond, 1), "tokens_per_s": BenchSupport.round(tokensPerSecond, 0),
             "gflops": BenchSupport.round(gflops, 1), "query_p50_ms": BenchSupport.round(queryP50, 2),
             "query_p95_ms": BenchSupport.round(queryP95, 2)]
        }

        init(docsPerSecond: Double, tokensPerSecond: Double, gflops: Double, queryP50: Double, queryP95: Double) {
            (self.docsPerSecond, self.tokensPerSecond, self.gflops, self.queryP50, self.queryP95) =
                (docsPerSecond, tokensPerSecond, gflops, queryP50, queryP95)
        }

        init?(_ object: Any?) {
            guard let o = object as? [String: Any], let d = o["docs_per_s"] as? Double, let t = o["tokens_per_s"] as? Double,
                  let g = o["gflops"] as? Double, let p50 = o["query_p50_ms"] as? Double, let p95 = o["query_p95_ms"] as? Double
            else { return nil }
            self.init(docsPerSecond: d, tokensPerSecond: t, gflops: g, queryP50: p50, queryP95: p95)
        }
    }

    func run() async throws {
        try CPUFeatures.check()
        let threadCounts = threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        guard !threadCounts.isEmpty else { throw ValidationError("--threads needs at least one positive number") }
        let config = try data.config()
        let modelDirectory = modelDir ?? config.modelDirectory
        let corpusPath = try resolveCorpus()
        let texts = try loadDocuments(corpusPath)
        var configuration = config.embedderConfiguration(modelDirectory: modelDirectory)
        configuration.precision = .fp32
        let probe = try MiniLMEmbedder(configuration: configuration)
        let lengths = texts.map { probe.tokenizer.encode($0).count }
        let totalTokens = lengths.reduce(0, +)
        let flops = probe.flops(tokenLengths: lengths)
        let queryTexts = try loadQueries(nextTo: corpusPath, tokenizer: probe)
        BenchSupport.progress("\(texts.count) documents, \(totalTokens) tokens; \(queryTexts.count) queries ≤ 16 tokens; BLAS: \(BLASRuntime.configuration)")

        let precisions = try precision.split(separator: ",").map { name in
            guard let value = EmbeddingPrecision(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--precision takes fp32 and/or int8, got \(name)")
            }
            return value
        }
        if let int8Kernel { EmbeddingPrecision.useInt8Kernel(int8Kernel) }
        var engines: [Engine] = []
        var peak: [Int: Double] = [:]
        for count in threadCounts { peak[count] = measurePeak(threads: count) }
        for precision in precisions {
            var settings = configuration
            settings.precision = precision
            let model = precision == .fp32 ? probe : try MiniLMEmbedder(configuration: settings)
            var engine = Engine(key: "ours_\(precision.rawValue)",
                                label: "NexTraction \(precision.rawValue)" + (precision == .int8 ? " (\(EmbeddingPrecision.int8Kernel))" : " (BLAS)"))
            for count in threadCounts {
                let embedder = model.withThreads(count)
                _ = try await embedder.embed(Array(texts.prefix(32)))
                let (_, seconds) = try await BenchSupport.time { try await embedder.embed(texts) }
                for query in queryTexts.prefix(10) { _ = try await embedder.embedQuery(query) }
                var latencies: [Double] = []
                for query in queryTexts {
                    let (_, elapsed) = try await BenchSupport.time { try await embedder.embedQuery(query) }
                    latencies.append(elapsed * 1000)
                }
                engine.figures[count] = Figures(
                    docsPerSecond: Double(texts.count) / seconds, tokensPerSecond: Double(totalTokens) / seconds,
                    gflops: flops / seconds / 1e9,
                    queryP50: BenchSupport.percentile(latencies, 0.5), queryP95: BenchSupport.percentile(latencies, 0.95)
                )
                BenchSupport.progress("  \(engine.label), \(count) thread(s): \(Int(Double(totalTokens) / seconds)) tokens/s")
            }
            engines.append(engine)
        }
        let ourRSS = BenchSupport.peakRSSMegabytes()

        var peerVersions: [String: Any]?
        if !noPeer {
            let result = try runPeer(texts: texts, queries: queryTexts, modelDirectory: modelDirectory, threads: threadCounts)
            peerVersions = result["versions"] as? [String: Any]
            let peers = result["engines"] as? [String: Any] ?? [:]
            for (key, label) in Self.peerEngines {
                guard let object = peers[key] as? [String: Any], let threads = object["threads"] as? [String: Any] else { continue }
                var engine = Engine(key: key, label: label, rss: object["peak_rss_mb"] as? Double)
                for count in threadCounts { engine.figures[count] = Figures(threads[String(count)]) }
                engines.append(engine)
            }
        }

        print(report(engines: engines, peak: peak, documents: texts.count, tokens: totalTokens, queries: queryTexts.count,
                     ourRSS: ourRSS, peerVersions: peerVersions))
        if json {
            try BenchSupport.printJSON(jsonReport(engines: engines, peak: peak, threadCounts: threadCounts, ourRSS: ourRSS, tokens: totalTokens))
        }
    }

    /// One engine's figures per thread count.
    struct Engine {
        var key: String
        var label: String
        var rss: Double?
        var figures: [Int: Figures] = [:]
    }

    /// The peers' JSON keys and table labels, in table order.
    static let peerEngines = [("pytorch", "sentence-transformers (PyTorch)"), ("ort_fp32", "ONNX Runtime fp32"),
                              ("ort_int8", "ONNX Runtime int8 (quantize_dynamic)")]

    // MARK: - Inputs

    private func resolveCorpus() throws -> String {
        if let corpus { return corpus }
        if let shared = BenchSupport.sharedDirectory {
            let path = shared.appendingPathComponent("datasets/scifact/corpus.jsonl").path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw ValidationError("no corpus: pass --corpus FILE (a BEIR corpus.jsonl); ../shared/datasets/scifact is absent")
    }

    private func loadDocuments(_ path: String) throws -> [String] {
        let reader = try LineReader(path: path)
        var texts: [String] = []
        while texts.count < limit, let line = reader.next() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            let title = object["title"] as? String ?? ""
            let text = object["text"] as? String ?? ""
            texts.append(title.isEmpty ? text : "\(title) \(text)")
        }
        guard !texts.isEmpty else { throw ValidationError("\(path) has no {\"title\", \"text\"} lines") }
        return texts
    }

    /// Short texts (≤ 16 tokens) from queries.jsonl beside the corpus, or document openings.
    private func loadQueries(nextTo corpus: String, tokenizer embedder: MiniLMEmbedder) throws -> [String] {
        let path = ((corpus as NSString).deletingLastPathComponent as NSString).appendingPathComponent("queries.jsonl")
        var candidates: [String] = []
        if let reader = try? LineReader(path: path) {
            while let line = reader.next() {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                   let text = object["text"] as? String { candidates.append(text) }
            }
        }
        if candidates.isEmpty {
            candidates = try loadDocuments(corpus).map { $0.split(separator: " ").prefix(8).joined(separator: " ") }
        }
        let short = candidates.filter { embedder.tokenizer.encode($0).count <= 16 }
        guard !short.isEmpty else { throw ValidationError("no query of at most 16 tokens found") }
        return (0..<queries).map { short[$0 % short.count] }
    }

    /// sgemm throughput at this thread count, the way the encoder calls it (our split, BLAS
    /// single-threaded), on a large square product.
    private func measurePeak(threads: Int) -> Double {
        BLASRuntime.setThreads(1)
        let size = 1536
        let a = Matrix(rows: size, cols: size, storage: (0..<(size * size)).map { Float($0 % 13) * 0.01 })
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        a.storage.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                for repetition in 0..<6 {
                    let start = Stopwatch.seconds()
                    BLAS.parallelSGEMM(.none, .transposed, m: size, n: size, k: size, a: pa.baseAddress!, lda: size,
                                       b: pa.baseAddress!, ldb: size, c: pc.baseAddress!, ldc: size, workers: threads)
                    if repetition > 0 { best = min(best, Stopwatch.seconds() - start) }
                }
            }
        }
        return 2 * pow(Double(size), 3) / best / 1e9
    }

    private func runPeer(texts: [String], queries: [String], modelDirectory: String, threads: [Int]) throws -> [String: Any] {
        let environment = PeerEnvironment(name: "venv-peers", packages: ["sentence-transformers", "onnx", "onnxruntime"])
        try environment.prepare()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nextraction-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let textsFile = directory.appendingPathComponent("texts.json")
        let queriesFile = directory.appendingPathComponent("queries.json")
        try JSONSerialization.data(withJSONObject: texts).write(to: textsFile)
        try JSONSerialization.data(withJSONObject: queries).write(to: queriesFile)
        BenchSupport.progress("running the peers (PyTorch, ONNX Runtime fp32 and int8) …")
        return try environment.runScript("bench/peers/embed_peer.py", arguments: [
            "--model", URL(fileURLWithPath: modelDirectory).standardizedFileURL.path, "--texts", textsFile.path,
            "--queries", queriesFile.path, "--threads", threads.map(String.init).joined(separator: ","),
        ])
    }
}
