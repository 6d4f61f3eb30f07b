import API
import ArgumentParser
import Embedding
import Foundation
import HTTPKit
import IndexStore
import NexNumerics
import Storage
import VectorIndex

#if canImport(Glibc)
import Glibc
#endif

/// `nextraction bench replicas`: several `serve` processes on one PostgreSQL — how fast a
/// replica starts answering (empty folder, and restarted with its index files), how soon a
/// page committed elsewhere is in its index, and what the freshness check costs under load
/// (one replica vs two, same run).
struct BenchReplicasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicas",
        abstract: "Replicas on one PostgreSQL: catch-up at start, staleness after a commit elsewhere, /ask through one vs two replicas.",
        discussion: """
            Needs an empty PostgreSQL database (--database-url or NEX_DATABASE_URL); `make bench-replicas` starts a \
            throwaway cluster for it. Spawns `serve` processes of this executable on loopback ports.
            """
    )

    @Option(name: .customLong("database-url"), help: "An empty PostgreSQL database (default: NEX_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Chunks in the collection (synthetic vectors and rows).")
    var chunks = 100_000

    @Option(help: "Pages committed one by one for the staleness measurement.")
    var pages = 200

    @Option(help: "Seconds of load per /ask measurement.")
    var seconds = 10.0

    @Option(help: "Concurrent clients for the /ask measurement.")
    var clients = 8

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    @OptionGroup var model: ModelOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let text = databaseURL ?? environment["NEX_DATABASE_URL"], !text.isEmpty else {
            throw CLIError("bench replicas needs an empty PostgreSQL database: --database-url or NEX_DATABASE_URL (or `make bench-replicas`)")
        }
        let url = try DatabaseURL(text)
        let config = try AppConfig.load(environment: environment)
        let embedder = try model.embedder(config: config)
        let store = try await PostgresStore.connect(url)
        guard try await store.users().isEmpty else { throw CLIError("\(url) is not empty: bench replicas needs an empty database") }

        // The collection: `chunks` synthetic chunks, owned by a user who can log in.
        let password = "bench replicas password"
        let owner = try await store.createUser(email: "bench@example.com", passwordHash: await PasswordHasher(cost: 4).hash(password))
        guard let userID = owner.id, let collectionID = try await store.ensureCollection(userID: userID, name: "bench").id else {
            throw CLIError("cannot create the bench collection")
        }
        try await SyntheticChunks.fill(chunks, into: store, collectionID: collectionID, dimension: embedder.dimension)

        let folders = FileManager.default.temporaryDirectory.appendingPathComponent("nextraction-bench-replicas-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folders) }
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        var serverEnvironment = environment
        for (key, value) in ["NEX_DATABASE_URL": text, "NEX_JWT_SECRET": secret, "NEX_MODEL_DIR": model.modelDir ?? config.modelDirectory,
                             "NEX_ASK_RATE": "1000000", "NEX_LOG_LEVEL": "warning", "NEX_BCRYPT_COST": "4"] {
            serverEnvironment[key] = value
        }
        let client = try HTTPClient(userAgent: "NexTraction/bench", maxConnectionsPerHost: clients + 2)
        let question = "When do quinces ripen?"

        // 1. Catch-up: A starts with an empty folder (builds the index from PostgreSQL), then
        //    restarts on its files. Time from spawn to the first answer.
        var a = try BenchServer(folder: folders + "/a", environment: serverEnvironment)
        let token = try await a.login(client, email: "bench@example.com", password: password)
        let emptyStart = try await a.secondsToFirstAnswer(client, token: token, question: question)
        a.kill()
        a = try BenchServer(folder: folders + "/a", environment: serverEnvironment)
        let warmStart = try await a.secondsToFirstAnswer(client, token: token, question: question)
        BenchSupport.progress(String(format: "first answer: %.2f s from an empty folder, %.2f s with its index files", emptyStart, warmStart))
        let b = try BenchServer(folder: folders + "/b", environment: serverEnvironment)
        _ = try await b.secondsToFirstAnswer(client, token: token, question: question)
        defer {
            a.kill()
            b.kill()
        }

        // 2. Staleness: pages committed by a writer (as a replica's ingest commits them: one
        //    transaction, NOTIFY); (push) until B's own index files hold the commit, with no
        //    request to B; (pull) until B's /search finds the page by its vector.
        let bIndex = try IndexGenerations(directory: b.indexFolder(collectionID: collectionID))
        _ = try bIndex.reload()   // loaded once here, so each probe below reads only the new delta
        var push: [Double] = []
        var pull: [Double] = []
        for page in 0..<(2 * pages) {
            let text = "Staleness probe \(page): a page committed on another server, about quinces number \(page)."
            let vector = try await embedder.embedQuery(text)
            let document = DocumentRecord(collectionID: collectionID, url: "https://probe.invalid/\(page)", canonicalURL: nil,
                                          title: "Probe \(page)", lang: "en", contentHash: "probe-\(page)", fetchedAt: Date(), etag: nil,
                                          lastModified: nil, links: [], httpStatus: 200, depth: 0, bytes: 0)
            let chunk = NewChunk(ordinal: 0, headingPath: "", text: text, tokenCount: 20, vector: vector, contentHash: "probe-\(page)")
            _ = try await store.storePage(document, chunks: [chunk])
            let committedAt = Stopwatch.seconds()
            guard let sequence = try await store.committedSequence(collectionID: collectionID) else { throw CLIError("the collection vanished") }
            if page < pages {
                while (try? bIndex.reload()?.sequence ?? 0) ?? 0 < sequence {
                    if Stopwatch.seconds() - committedAt > 30 { throw CLIError("replica B did not follow a commit within 30 s") }
                    usleep(200)   // a tight poll of B's folder: the measurement's resolution, not a wait for a condition
                }
                push.append(Stopwatch.seconds() - committedAt)
            } else {
                while true {
                    let reply = try await b.get(client, "/search?collection=bench&k=3&q=" + (text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""), token: token)
                    let results = (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["results"] as? [[String: Any]] ?? []
                    if results.contains(where: { $0["url"] as? String == document.url && $0["dense"] != nil && !($0["dense"] is NSNull) }) { break }
                    if Stopwatch.seconds() - committedAt > 30 { throw CLIError("replica B did not find a committed page by its vector within 30 s") }
                }
                pull.append(Stopwatch.seconds() - committedAt)
            }
        }
        BenchSupport.progress(String(format: "staleness p95: push %.0f ms, pull %.0f ms",
                                     1000 * BenchSupport.percentile(push, 0.95), 1000 * BenchSupport.percentile(pull, 0.95)))

        // 3. /ask under load: every client on A, then clients alternating between A and B.
        let one = try await Self.load(client, servers: [a], token: token, clients: clients, seconds: seconds)
        let two = try await Self.load(client, servers: [a, b], token: token, clients: clients, seconds: seconds)

        var table = TextTable(["measure", "result", "target"])
        table.add(["first answer, replica started with an empty folder (\(chunks) chunks)", String(format: "%.2f s", emptyStart),
                   emptyStart <= 10 ? "≤ 10 s: met" : "≤ 10 s: MISSED"])
        table.add(["first answer, replica restarted with its index files", String(format: "%.2f s", warmStart),
                   warmStart <= 1 ? "≤ 1 s: met" : "≤ 1 s: MISSED"])
        let pushP95 = BenchSupport.percentile(push, 0.95), pullP95 = BenchSupport.percentile(pull, 0.95)
        table.add(["staleness, push (commit → B's index, no request), p50 / p95",
                   String(format: "%.0f / %.0f ms", 1000 * BenchSupport.percentile(push, 0.5), 1000 * pushP95),
                   pushP95 <= 0.5 ? "p95 ≤ 500 ms: met" : "p95 ≤ 500 ms: MISSED"])
        table.add(["staleness, pull (commit → B's /search finds it by vector), p50 / p95",
                   String(format: "%.0f / %.0f ms", 1000 * BenchSupport.percentile(pull, 0.5), 1000 * pullP95),
                   pullP95 <= 0.5 ? "p95 ≤ 500 ms: met" : "p95 ≤ 500 ms: MISSED"])
        var load = TextTable(["/ask, \(clients) clients, \(Int(seconds)) s", "requests/s", "p50 ms", "p95 ms", "errors"])
        for (name, result) in [("one replica", one), ("two replicas (clients alternate)", two)] {
            load.add([name, String(format: "%.1f", result.perSecond), String(format: "%.0f", 1000 * result.p50),
                      String(format: "%.0f", 1000 * result.p95), "\(result.errors)"])
        }
        print("Replicas benchmark: \(chunks)-chunk collection on PostgreSQL (\(url)), \(pages) pages per staleness measure\n")
        print(table.render())
        print("")
        print(load.render())
        print("\nThis machine has 2 cores: two replicas share them, so the second row shows the cost of spreading (freshness")
        print("checks, two processes), not a gain.")
        if json {
            try BenchSupport.printJSON([
                "chunks": chunks,
                "first_answer_empty_s": BenchSupport.round(emptyStart, 3),
                "first_answer_restarted_s": BenchSupport.round(warmStart, 3),
                "staleness_push_p50_ms": BenchSupport.round(1000 * BenchSupport.percentile(push, 0.5), 1),
                "staleness_push_p95_ms": BenchSupport.round(1000 * pushP95, 1),
                "staleness_pull_p50_ms": BenchSupport.round(1000 * BenchSupport.percentile(pull, 0.5), 1),
                "staleness_pull_p95_ms": BenchSupport.round(1000 * pullP95, 1),
                "ask_one_replica_rps": BenchSupport.round(one.perSecond, 1),
                "ask_one_replica_p95_ms": BenchSupport.round(1000 * one.p95, 1),
                "ask_two_replicas_rps": BenchSupport.round(two.perSecond, 1),
                "ask_two_replicas_p95_ms": BenchSupport.round(1000 * two.p95, 1),
            ])
        }
    }

    struct LoadResult {
        var perSecond: Double
        var p50: Double
        var p95: Double
        var errors: Int
    }

    /// `clients` loops asking questions for `seconds`, client i on server i mod count.
    static func load(_ client: HTTPClient, servers: [BenchServer], token: String, clients: Int, seconds: Double) async throws -> LoadResult {
        // Questions in words the filler does not use (a question matching every chunk lexically
        // would measure PostgreSQL scanning 100k postings, not the replicas).
        let questions = ["When do quinces ripen?", "How are tulip bulbs stored over winter?",
                         "What soil do blueberries need?", "Why do fig trees drop their fruit?"]
        let start = Stopwatch.seconds()
        let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for index in 0..<clients {
                let server = servers[index % servers.count]
                group.addTask {
                    var latencies: [Double] = []
                    var errors = 0
                    var n = index
                    while Stopwatch.seconds() - start < seconds {
                        let begin = Stopwatch.seconds()
                        let reply = try await server.post(client, "/ask", json: ["question": questions[n % questions.count], "collection": "bench"],
                                                          token: token)
                        if reply.status == 200 { latencies.append(Stopwatch.seconds() - begin) } else { errors += 1 }
                        n += 1
                    }
                    return (latencies, errors)
                }
            }
            return try await group.reduce(into: ([Double](), 0)) { $0.0 += $1.0; $0.1 += $1.1 }
        }
        let elapsed = Stopwatch.seconds() - start
        return LoadResult(perSecond: Double(results.0.count) / elapsed, p50: BenchSupport.percentile(results.0, 0.5),
                          p95: BenchSupport.percentile(results.0, 0.95), errors: results.1)
    }
}

/// One `nextraction serve` of this executable on a free loopback port, with its own folder.
/// Started with Foundation's `Process` and stopped with SIGKILL (a crash is what a replica
/// must survive; a signal a child may have inherited blocked cannot stop it half-way).
struct BenchServer: Sendable {
    let port: Int
    let folder: String
    private let process: Process
    let startedAt: Double

    init(folder: String, environment: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        port = try Self.freePort()
        self.folder = folder
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", folder]
        process.environment = environment
        FileManager.default.createFile(atPath: folder + ".log", contents: nil)
        guard let log = FileHandle(forWritingAtPath: folder + ".log") else { throw CLIError("cannot write \(folder).log") }
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        startedAt = Stopwatch.seconds()
        try process.run()
        self.process = process
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// The folder of a collection's index (the server names it after the database).
    func indexFolder(collectionID: Int64) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        guard let index = names.first(where: { $0.hasPrefix("index-pg-") }) else { throw CLIError("no index folder in \(folder)") }
        return "\(folder)/\(index)/\(collectionID)"
    }

    func get(_ client: HTTPClient, _ path: String, token: String?) async throws -> HTTPClient.Response {
        try await client.execute(.init(url: baseURL + path, headers: token.map { [.init("Authorization", "Bearer \($0)")] } ?? [], timeout: 120))
    }

    func post(_ client: HTTPClient, _ path: String, json: [String: String], token: String?) async throws -> HTTPClient.Response {
        var headers = [HTTPClient.Header("Content-Type", "application/json")]
        if let token { headers.append(.init("Authorization", "Bearer \(token)")) }
        return try await client.execute(.init(method: "POST", url: baseURL + path, headers: headers,
                                              body: try JSONSerialization.data(withJSONObject: json), timeout: 120))
    }

    /// Waits until the server answers (polling a condition while it starts), then logs in.
    func login(_ client: HTTPClient, email: String, password: String) async throws -> String {
        let deadline = Stopwatch.seconds() + 120
        while Stopwatch.seconds() < deadline {
            if let reply = try? await post(client, "/auth/login", json: ["email": email, "password": password], token: nil), reply.status == 200,
               let token = (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["token"] as? String {
                return token
            }
            guard process.isRunning else { throw CLIError("the server in \(folder) exited; see \(folder).log") }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw CLIError("the server in \(folder) did not start; see \(folder).log")
    }

    /// Seconds from spawning the process to its first answer to `question` (not stale).
    func secondsToFirstAnswer(_ client: HTTPClient, token: String, question: String) async throws -> Double {
        let deadline = startedAt + 300
        while Stopwatch.seconds() < deadline {
            // An answer searched in an index that is caught up (a stale one would not count).
            if let reply = try? await post(client, "/ask", json: ["question": question, "collection": "bench"], token: token),
               reply.status == 200, (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["stale"] as? Bool == false {
                return Stopwatch.seconds() - startedAt
            }
            guard process.isRunning else { throw CLIError("the server in \(folder) exited; see \(folder).log") }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw CLIError("the server in \(folder) gave no answer within 300 s; see \(folder).log")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("cannot open a socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CLIError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
