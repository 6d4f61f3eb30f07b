import API
import ArgumentParser
import Embedding
import Foundation
import HTTPKit
import IndexStore
import NexNumerics
import Storage
import TextKit

#if canImport(Glibc)
import Glibc
#endif

/// `nextraction bench ask`: `/ask` latency and throughput over HTTP against a real server
/// process holding a 100k-chunk collection.
struct BenchAskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "POST /ask over HTTP with 1 and 16 concurrent clients on a 100k-chunk collection: latency, req/s, errors, RSS.",
        discussion: """
            The collection is the SciFact corpus (chunked and embedded once, cached under .build/bench-ask) replicated with
            small variations of text and vector up to --chunks. The server runs as its own process (this binary's `serve`),
            so its resident memory is measured alone. Questions are SciFact queries.
            """
    )

    @Option(help: "Chunks in the collection.")
    var chunks = 100_000

    @Option(help: ArgumentHelp("Concurrent clients, comma-separated.", valueName: "list"))
    var clients = "1,16"

    @Option(help: "Requests per client count.")
    var requests = 300

    @Option(help: ArgumentHelp("BEIR folder providing the corpus and questions (default ../shared/datasets/scifact).", valueName: "dir"))
    var dataset: String?

    @Flag(help: "Also compare LLM answers (a local llama.cpp server with SmolLM2-135M from .build/venv-llm) with extractive ones.")
    var llm = false

    @Option(help: "Questions asked in each mode for --llm.")
    var llmRequests = 20

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    @Option(help: ArgumentHelp("Also measure a server on PostgreSQL, in the same run: the bench collection is copied into this "
                               + "(empty) database once.", valueName: "url"))
    var databaseURL: String?

    @Option(help: ArgumentHelp("Encoder precisions to serve with, comma-separated (fp32, int8): one server each, same "
                               + "questions, each on a collection embedded in its precision.", valueName: "list"))
    var precision = "fp32,int8"

    @OptionGroup var model: ModelOptions

    static let email = "bench-ask@nextraction.local"
    static let password = "bench ask password"

    func run() async throws {
        let config = try AppConfig.load(environment: ProcessInfo.processInfo.environment)
        guard let folder = dataset ?? BenchSupport.sharedDirectory?.appendingPathComponent("datasets/scifact").path,
              FileManager.default.fileExists(atPath: folder) else {
            throw CLIError("no dataset: pass --dataset DIR (a BEIR folder); ../shared/datasets/scifact is absent")
        }
        let clientCounts = clients.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        guard !clientCounts.isEmpty else { throw ValidationError("--clients needs positive numbers") }
        let precisions = try precision.split(separator: ",").map { name in
            guard let value = EmbeddingPrecision(rawValue: String(name)) else { throw ValidationError("--precision takes fp32 and/or int8") }
            return value
        }
        guard let firstPrecision = precisions.first else { throw ValidationError("--precision needs fp32 or int8") }
        func dataDirectory(_ precision: EmbeddingPrecision) -> String {
            BenchSupport.repositoryRoot.appendingPathComponent(".build/bench-ask/\(chunks)\(precision.folderSuffix)").path
        }
        var questions: [String] = []
        for precision in precisions {
            var settings = config
            settings.embedPrecision = precision
            questions = try await BenchAskCollection.prepare(folder: folder, chunks: chunks, dataDirectory: dataDirectory(precision),
                                                             embedder: try model.embedder(config: settings))
        }
        let data = dataDirectory(firstPrecision)
        let llama = llm ? try await BenchChild.llamaPeer() : nil
        defer { llama?.stop() }
        var extra: [String: String] = [:]
        if let llama {
            extra = ["NEX_LLM_BASE_URL": "http://127.0.0.1:\(llama.port)/v1", "NEX_LLM_MODEL": BenchChild.llamaModel,
                     "NEX_QUOTA_GENERATIONS": "100000000"]
        }
        var backends: [(name: String, url: DatabaseURL?, precision: EmbeddingPrecision)] = precisions.map { ("sqlite", nil, $0) }
        // NEX_DATABASE_URL counts as --database-url here; the mirror refuses a database that
        // holds anything but this bench's copy, so a production database is never touched.
        if let databaseURL = databaseURL ?? config.databaseURL?.connectionString {
            let url = try AppConfig.databaseURL(databaseURL)
            _ = try await PostgresMirror.ensure(url, dataDirectory: data, dimension: try model.embedder(config: config).dimension)
            backends.append(("postgres", url, firstPrecision))
        }
        var output: [String: Any] = ["chunks": chunks]
        var table = TextTable(["backend", "precision", "clients", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "answerable", "RSS MiB"])
        var byPrecision: [String: Any] = [:]
        var first: (server: BenchChild, http: HTTPClient, baseURL: String, token: String)?
        defer { first?.server.stop() }
        for backend in backends {
            var environment = extra
            environment["NEX_DATABASE_URL"] = backend.url?.connectionString ?? ""
            environment["NEX_EMBED_PRECISION"] = backend.precision.rawValue
            let server = try await BenchChild.server(dataDirectory: dataDirectory(backend.precision), modelDirectory: model.modelDir ?? config.modelDirectory,
                                                     environment: environment)
            let baseURL = "http://127.0.0.1:\(server.port)"
            let http = try HTTPClient(userAgent: "nextraction-bench", maxConnectionsPerHost: 64, maxConnections: 64)
            let login = try await http.send("POST", baseURL + "/auth/login",
                                            json: try JSONSerialization.data(withJSONObject: ["email": Self.email, "password": Self.password]))
            guard let token = (try? JSONSerialization.jsonObject(with: login.body) as? [String: Any])?["token"] as? String else {
                server.stop()
                throw CLIError("cannot log in to the bench server: \(login.text)")
            }
            // Warm-up: model, index pages and the database's cache.
            _ = try await Self.drive(http: http, base: baseURL, token: token, questions: questions, clients: 2, total: 40)
            var rows: [String: Any] = [:]
            for count in clientCounts {
                let run = try await Self.drive(http: http, base: baseURL, token: token, questions: questions, clients: count,
                                               total: requests * max(1, min(count, 4)))
                table.add([backend.name, backend.precision.rawValue, "\(count)", "\(run.latencies.count)", "\(run.errors)", String(format: "%.1f", run.rate),
                           String(format: "%.1f", BenchSupport.percentile(run.latencies, 0.5)),
                           String(format: "%.1f", BenchSupport.percentile(run.latencies, 0.95)),
                           String(format: "%.1f", BenchSupport.percentile(run.latencies, 0.99)),
                           String(format: "%.0f%%", 100 * run.answerableShare), String(format: "%.0f", server.peakRSSMegabytes())])
                rows[String(count)] = [
                    "requests": run.latencies.count, "errors": run.errors, "req_per_s": BenchSupport.round(run.rate, 2),
                    "p50_ms": BenchSupport.round(BenchSupport.percentile(run.latencies, 0.5), 2),
                    "p95_ms": BenchSupport.round(BenchSupport.percentile(run.latencies, 0.95), 2),
                    "p99_ms": BenchSupport.round(BenchSupport.percentile(run.latencies, 0.99), 2),
                ]
            }
            let rss = server.peakRSSMegabytes()
            if backend.url == nil {
                byPrecision[backend.precision.rawValue] = ["clients": rows, "server_peak_rss_mb": BenchSupport.round(rss, 0)]
            }
            if backend.url == nil, first != nil {
                server.stop()
            } else if backend.url == nil {
                // The SQLite server also serves the LLM comparison below.
                output["clients"] = rows
                output["server_peak_rss_mb"] = BenchSupport.round(rss, 0)
                first = (server, http, baseURL, token)
            } else {
                output["postgres"] = ["clients": rows, "server_peak_rss_mb": BenchSupport.round(rss, 0)]
                server.stop()
            }
        }
        output["precisions"] = byPrecision
        print("Ask benchmark: POST /ask over HTTP, \(chunks)-chunk collection, extractive answers\n")
        print(table.render())
        print("\ntargets: p95 ≤ 50 ms with 1 client, 0 errors, server RSS < 512 MiB; PostgreSQL p95 within 1.5× of SQLite's")
        guard let (_, http, baseURL, token) = first else { return }
        if llm {
            // One client, streamed answers, the same questions in both modes.
            var streamTable = TextTable(["mode", "requests", "errors", "TTFT p50 ms", "TTFT p95 ms", "total p50 ms", "total p95 ms"])
            var modes: [String: Any] = [:]
            for mode in ["extractive", "llm"] {
                let run = try await Self.driveStreaming(http: http, base: baseURL, token: token, questions: questions,
                                                        count: llmRequests, mode: mode == "llm" ? "auto" : "extractive")
                streamTable.add([mode, "\(run.firstToken.count)", "\(run.errors)",
                                 String(format: "%.1f", BenchSupport.percentile(run.firstToken, 0.5)),
                                 String(format: "%.1f", BenchSupport.percentile(run.firstToken, 0.95)),
                                 String(format: "%.1f", BenchSupport.percentile(run.total, 0.5)),
                                 String(format: "%.1f", BenchSupport.percentile(run.total, 0.95))])
                modes[mode] = ["requests": run.firstToken.count, "errors": run.errors,
                               "ttft_p50_ms": BenchSupport.round(BenchSupport.percentile(run.firstToken, 0.5), 2),
                               "ttft_p95_ms": BenchSupport.round(BenchSupport.percentile(run.firstToken, 0.95), 2),
                               "total_p50_ms": BenchSupport.round(BenchSupport.percentile(run.total, 0.5), 2),
                               "total_p95_ms": BenchSupport.round(BenchSupport.percentile(run.total, 0.95), 2)]
            }
            print("\nStreamed answers (SSE), 1 client: extractive vs LLM (llama.cpp, \(BenchChild.llamaModel), 256 tokens max)\n")
            print(streamTable.render())
            output["llm"] = modes
        }
        if json { try BenchSupport.printJSON(output) }
    }

    struct StreamRun {
        var firstToken: [Double] = []
        var total: [Double] = []
        var errors = 0
    }

    /// `count` streamed questions, one at a time: milliseconds to the first `answer` event and to `done`.
    static func driveStreaming(http: HTTPClient, base: String, token: String, questions: [String], count: Int, mode: String) async throws -> StreamRun {
        var run = StreamRun()
        for index in 0..<count {
            let body = try JSONSerialization.data(withJSONObject: ["question": questions[index % questions.count], "collection": "bench",
                                                                   "stream": true, "mode": mode])
            let request = HTTPClient.Request(method: "POST", url: base + "/ask", headers: [
                .init("Authorization", "Bearer \(token)"), .init("Content-Type", "application/json"), .init("Accept", "text/event-stream"),
            ], body: body, timeout: 300)
            let began = Stopwatch.seconds()
            var first: Double?
            var status = 0
            var text = ""
            do {
                for try await event in http.stream(request) {
                    switch event {
                    case .head(let code, _): status = code
                    case .data(let data):
                        text += String(decoding: data, as: UTF8.self)
                        if first == nil, text.contains("event: answer") { first = (Stopwatch.seconds() - began) * 1000 }
                    }
                }
            } catch {
                status = 0
            }
            let total = (Stopwatch.seconds() - began) * 1000
            guard status == 200, text.contains("event: done") else { run.errors += 1; continue }
            // An abstention streams no answer delta: its first token is the done event.
            run.firstToken.append(first ?? total)
            run.total.append(total)
        }
        return run
    }

    struct Run {
        var latencies: [Double]
        var errors: Int
        var rate: Double
        var answerableShare: Double
    }

    static func drive(http: HTTPClient, base: String, token: String, questions: [String], clients: Int, total: Int) async throws -> Run {
        let start = Stopwatch.seconds()
        let outcomes = await withTaskGroup(of: [(Double, Int, Bool)].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var results: [(Double, Int, Bool)] = []
                    var index = client
                    while index < total {
                        let question = questions[index % questions.count]
                        let body = try? JSONSerialization.data(withJSONObject: ["question": question, "collection": "bench", "mode": "extractive"])
                        let began = Stopwatch.seconds()
                        let response = try? await http.send("POST", base + "/ask", json: body, headers: [.init("Authorization", "Bearer \(token)")])
                        let elapsed = (Stopwatch.seconds() - began) * 1000
                        let answerable = (response.flatMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] })?["answerable"] as? Bool ?? false
                        results.append((elapsed, response?.status ?? 0, answerable))
                        index += clients
                    }
                    return results
                }
            }
            var all: [(Double, Int, Bool)] = []
            for await part in group { all += part }
            return all
        }
        let wall = Stopwatch.seconds() - start
        let ok = outcomes.filter { $0.1 == 200 }
        return Run(latencies: ok.map(\.0), errors: outcomes.count - ok.count, rate: Double(outcomes.count) / wall,
                   answerableShare: Double(ok.filter(\.2).count) / Double(max(ok.count, 1)))
    }
}

/// A process a benchmark starts on a random loopback port, waits for, measures and kills.
final class BenchChild: @unchecked Sendable {
    let process = Process()
    let port: Int
    let name: String

    init(_ name: String, executable: String, arguments: (Int) -> [String], environment: [String: String], quiet: Bool) throws {
        self.name = name
        port = Int.random(in: 20_000...60_000)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(port)
        process.environment = environment
        if quiet {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
    }

    /// Waits until `path` on this port answers 200 (at most `seconds`).
    func waitUntilAnswering(_ path: String, seconds: Int) async throws {
        let client = try HTTPClient(userAgent: "bench")
        for _ in 0..<(seconds * 10) {
            if let response = try? await client.get("http://127.0.0.1:\(port)\(path)"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))   // waiting for the process to start
        }
        throw CLIError("the \(name) did not start")
    }

    /// VmHWM of the process.
    func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

extension BenchChild {
    /// The server under test: this binary's `serve`, in its own process (so its resident
    /// memory is measured alone), with the question rate limit lifted.
    static func server(dataDirectory: String, modelDirectory: String, environment extra: [String: String]) async throws -> BenchChild {
        var environment = ProcessInfo.processInfo.environment
        environment["NEX_ASK_RATE"] = "1000000"
        environment["NEX_LOG_LEVEL"] = "warning"
        environment["NEX_MODEL_DIR"] = modelDirectory
        environment["NEX_WEB_DIR"] = ""
        for (key, value) in extra { environment[key] = value }
        let server = try BenchChild("bench server", executable: URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path,
                                    arguments: { ["serve", "--host", "127.0.0.1", "--port", String($0), "--data-dir", dataDirectory] },
                                    environment: environment, quiet: false)
        do { try await server.waitUntilAnswering("/ready", seconds: 60) } catch { server.stop(); throw error }
        return server
    }

    static let llamaModel = "smollm2"

    /// The local OpenAI-compatible peer for `bench ask --llm`: llama.cpp's server
    /// (`llama-cpp-python[server]`) with SmolLM2-135M-Instruct, from the venv `make test` creates.
    static func llamaPeer() async throws -> BenchChild {
        let venv = BenchSupport.repositoryRoot.appendingPathComponent(".build/venv-llm")
        let python = venv.appendingPathComponent("bin/python").path
        let enumerator = FileManager.default.enumerator(atPath: venv.appendingPathComponent("lib").path)
        var gguf: String?
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix("SmolLM2-135M-Instruct.Q4_1.gguf") { gguf = venv.appendingPathComponent("lib/\(path)").path; break }
        }
        guard FileManager.default.isExecutableFile(atPath: python), let gguf else {
            throw CLIError("no llama.cpp venv: run `make llm-server` (it builds .build/venv-llm) first")
        }
        let peer = try BenchChild("llama.cpp server", executable: python, arguments: {
            ["-m", "llama_cpp.server", "--model", gguf, "--model_alias", llamaModel, "--host", "127.0.0.1", "--port", String($0),
             "--n_ctx", "4096", "--verbose", "false"]
        }, environment: ProcessInfo.processInfo.environment, quiet: true)
        do { try await peer.waitUntilAnswering("/v1/models", seconds: 120) } catch { peer.stop(); throw error }
        return peer
    }
}
