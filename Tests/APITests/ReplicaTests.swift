import Foundation
import Storage
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Two real `nextraction serve` processes, each with its own data folder (its own derived
/// index files), on one PostgreSQL database, as behind a load balancer.
@Suite("Several servers on one PostgreSQL", .serialized)
struct ReplicaTests {
    struct Pair {
        let a: ServerProcess
        let b: ServerProcess
        let dataA: TemporaryDirectory
        let dataB: TemporaryDirectory
        let environment: [String: String]

        init(_ extra: [String: String] = [:]) async throws {
            var environment = [
                "NEX_DATABASE_URL": try await TestPostgres.freshDatabaseURL(), "NEX_DATABASE_TIMEOUT": "120s",
                // The one thing replicas must share besides the database.
                "NEX_JWT_SECRET": (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined(),
                "NEX_MODEL_DIR": TestModel.directory, "NEX_ALLOW_PRIVATE_HOSTS": "1", "NEX_CRAWL_DELAY": "0", "NEX_LOG_LEVEL": "info",
            ]
            for (key, value) in extra { environment[key] = value }
            dataA = try TemporaryDirectory(prefix: "replica-a")
            dataB = try TemporaryDirectory(prefix: "replica-b")
            a = try await ServerProcess(dataDirectory: dataA.path, environment: environment)
            b = try await ServerProcess(dataDirectory: dataB.path, environment: environment)
            self.environment = environment
        }

        /// The folder holding a server's index of collection `id`.
        static func indexFolder(in data: TemporaryDirectory, collectionID id: Int) -> String? {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: data.path)) ?? []
            guard let folder = names.first(where: { $0.hasPrefix("index-pg-") }) else { return nil }
            return data.appending("\(folder)/\(id)")
        }
    }

    static func ask(_ api: APIClient, _ question: String) async throws -> APIClient.Reply {
        try await api.post("/ask", json: ["question": question, "collection": "garden"])
    }

    static func cites(_ reply: APIClient.Reply, _ path: String) -> Bool {
        ((reply.json?["citations"] as? [[String: Any]]) ?? []).contains { ($0["url"] as? String)?.hasSuffix(path) == true }
    }

    @Test("what one server writes the other serves at once: a completed ingest is cited there, a deleted collection is a 404 and its files go; logouts, failed logins and the question rate count across both")
    func consistency() async throws {
        let site = try await FixtureSite()
        let pair = try await Pair(["NEX_ASK_RATE": "6"])
        let onA = try await APIClient(baseURL: pair.a.baseURL).registered(email: "replica@example.com")
        let onB = try APIClient(baseURL: pair.b.baseURL, token: onA.token)

        // A crawls a page; the moment A says completed, B answers from it (no wait between).
        let roses = try #require(try await onA.post("/ingest", json: ["url": site.baseURL + "/topics/roses", "collection": "garden",
                                                                       "max_pages": 1]).string("job_id"))
        #expect(try await waitForJob(onA, roses).string("status") == "completed")
        let first = try await Self.ask(onB, "When should roses be pruned?")
        #expect(first.status == 200 && Self.cites(first, "/topics/roses") && first.value("stale") as? Bool == false, "\(first.text)")

        // B now holds an index of its own; the next page must reach it through the change log.
        let tomatoes = try #require(try await onA.post("/ingest", json: ["url": site.baseURL + "/topics/tomatoes", "collection": "garden",
                                                                          "max_pages": 1]).string("job_id"))
        #expect(try await waitForJob(onA, tomatoes).string("status") == "completed")
        let second = try await Self.ask(onB, "What causes blossom end rot on tomatoes?")
        #expect(second.status == 200 && Self.cites(second, "/topics/tomatoes") && second.value("stale") as? Bool == false, "\(second.text)")

        // A job running on one server is cancelled through the other.
        try await site.hold(prefix: "/topics/", after: 0)
        let long = try #require(try await onA.post("/ingest", json: ["url": site.baseURL + "/", "collection": "garden",
                                                                      "max_pages": 30, "max_depth": 2]).string("job_id"))
        try await site.waitUntilHolding()
        let runsOnA = pair.a.log.split(separator: "\n").contains { $0.contains("ingest started") && $0.contains(long) }
        #expect(try await (runsOnA ? onB : onA).post("/jobs/\(long)/cancel").status == 202)
        try await site.release()
        #expect(try await waitForJob(onA, long).string("status") == "cancelled")

        // The question rate is one budget over both servers (6 a minute; 2 used above).
        var limited = 0
        for index in 0..<8 {
            let reply = try await (index.isMultiple(of: 2) ? onA : onB).get("/search?collection=garden&q=roses")
            if reply.status == 429 {
                #expect(reply.errorCode == "rate_limited")
                limited += 1
            } else {
                #expect(reply.status == 200)
            }
        }
        #expect(limited >= 4, "each server alone would have allowed all eight")

        // A deletes the collection: B answers 404 and drops its index files (told by NOTIFY).
        let collections = try await onB.get("/collections")
        #expect(collections.jsonArray?.count == 1)
        let folderOnB = try #require(Pair.indexFolder(in: pair.dataB, collectionID: 1))
        #expect(FileManager.default.fileExists(atPath: folderOnB))
        #expect(try await onA.request("DELETE", "/collections/garden").status == 204)
        // (Questions are rate-limited by now, so the collection's absence is checked where no limit applies.)
        #expect(try await onB.get("/collections").jsonArray?.isEmpty == true)
        #expect(try await onB.request("DELETE", "/collections/garden").status == 404)
        let deadline = Date().addingTimeInterval(60)
        while FileManager.default.fileExists(atPath: folderOnB) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))   // polling a condition (the notification), not timing
        }
        #expect(!FileManager.default.fileExists(atPath: folderOnB))

        // Log out on A: the token is refused on B.
        #expect(try await onB.get("/collections").status == 200)
        #expect(try await onA.post("/auth/logout").status == 204)
        #expect(try await onB.get("/collections").status == 401)

        // Wrong passwords spread over both servers: the eleventh is refused (10 allowed per account).
        let anonymousA = try APIClient(baseURL: pair.a.baseURL), anonymousB = try APIClient(baseURL: pair.b.baseURL)
        var statuses: [Int] = []
        for index in 0..<12 {
            let reply = try await (index.isMultiple(of: 2) ? anonymousA : anonymousB)
                .post("/auth/login", json: ["email": "replica@example.com", "password": "wrong password \(index)"])
            statuses.append(reply.status)
        }
        #expect(statuses == Array(repeating: 401, count: 10) + [429, 429], "\(statuses)")
    }

    @Test("a server killed mid-crawl: the other resumes the job and ends like an uninterrupted run; both indexes agree with PostgreSQL")
    func failover() async throws {
        let site = try await FixtureSite()
        let pair = try await Pair(["NEX_CRAWL_DELAY": "0.15", "NEX_JOB_STALE_AFTER": "2s", "NEX_FETCH_TIMEOUT": "900"])
        let onA = try await APIClient(baseURL: pair.a.baseURL).registered(email: "failover@example.com")
        let onB = try APIClient(baseURL: pair.b.baseURL, token: onA.token)
        try await site.hold(prefix: "/topics/", after: 6)
        let body: [String: any Sendable] = ["url": site.baseURL + "/", "collection": "crashy", "max_pages": 60, "max_depth": 3]
        let id = try #require(try await onA.post("/ingest", json: body).string("job_id"))
        try await site.waitUntilHolding()
        let midway = try await waitForJob(onA, id, timeout: 300) { ($0.value("progress.indexed") as? Int ?? 0) >= 5 }
        #expect(midway.string("status") == "running")
        // Whichever server claimed the job is killed; the other must take it over.
        let runsOnA = pair.a.log.split(separator: "\n").contains { $0.contains("ingest started") && $0.contains(id) }
        let (victim, survivor) = runsOnA ? (pair.a, onB) : (pair.b, onA)
        victim.stop(signal: SIGKILL)
        try await site.release()

        let resumed = try await waitForJob(survivor, id, timeout: 600)
        #expect(resumed.string("status") == "completed", "\(resumed.text)\n\(pair.a.log)\n\(pair.b.log)")
        #expect(resumed.value("attempts") as? Int == 2)
        let reference = try #require(try await survivor.post("/ingest", json: ["url": site.baseURL + "/", "collection": "reference",
                                                                                "max_pages": 60, "max_depth": 3]).string("job_id"))
        #expect(try await waitForJob(survivor, reference, timeout: 600).string("status") == "completed")
        let summaries = try #require(try await survivor.get("/collections").jsonArray)
        func counts(_ name: String) -> [Int] {
            let entry = summaries.first { $0["name"] as? String == name }
            return [entry?["documents"] as? Int ?? -1, entry?["chunks"] as? Int ?? -1]
        }
        #expect(counts("crashy") == counts("reference") && counts("crashy")[0] >= 30, "\(summaries)")

        // Each server's folder, brought up to the change log, holds exactly the stored chunks.
        for data in [pair.dataA, pair.dataB] {
            let (status, output) = try await runProgramAsync(BuildProducts.nextraction, ["index", "status", "--data-dir", data.path],
                                                             environment: pair.environment)
            #expect(status == 0 && output.contains("crashy") && output.contains("reference") && !output.contains("NO"), "\(output)")
        }
    }

    @Test("a server killed mid-execution of a PROD plan: the other resumes it from its last finished stage; the generation quota holds over both",
          .enabled(if: LLMServer.available, "needs .build/venv-llm (run `make test`)"))
    func executionsAndQuota() async throws {
        let site = try await FixtureSite()
        let llmLogs = try TemporaryDirectory(prefix: "replica-llm")
        let llm = try await LLMServer(logDirectory: llmLogs.path)
        defer { llm.stop() }
        let pair = try await Pair(["NEX_LLM_BASE_URL": llm.baseURL, "NEX_LLM_MODEL": LLMServer.model, "NEX_JOB_STALE_AFTER": "2s",
                                   "NEX_QUOTA_GENERATIONS": "6"])
        let onA = try await APIClient(baseURL: pair.a.baseURL).registered(email: "plans@example.com")
        let onB = try APIClient(baseURL: pair.b.baseURL, token: onA.token)
        let roses = try #require(try await onA.post("/ingest", json: ["url": site.baseURL + "/topics/roses", "collection": "garden",
                                                                       "max_pages": 1]).string("job_id"))
        #expect(try await waitForJob(onA, roses).string("status") == "completed")

        // A three-step PROD plan started on A (so claimed by A); A dies after the first finished stage.
        let plan: [String: any Sendable] = ["title": "Roses", "steps": [
            ["id": "when", "prompt": "When are roses pruned? One sentence.", "max_tokens": 48],
            ["id": "how", "prompt": "How is a rose cut made? One sentence.", "depends_on": ["when"], "max_tokens": 48],
            ["id": "sum", "prompt": "Summarise both in one sentence.", "depends_on": ["how"], "max_tokens": 48],
        ] as [[String: any Sendable]]]
        let id = try #require(try await onA.post("/execute", json: ["plan": plan, "workflow": "prod"]).string("execution_id"))
        let deadline = Date().addingTimeInterval(300)
        func finishedStages(_ reply: APIClient.Reply) -> Int {
            ((reply.value("state.steps") as? [[String: Any]]) ?? []).reduce(0) { $0 + (($1["stages"] as? [Any])?.count ?? 0) }
        }
        var before = try await onA.get("/executions/\(id)")
        while finishedStages(before) < 1 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))   // polling a condition: the first stage stored
            before = try await onA.get("/executions/\(id)")
        }
        pair.a.stop(signal: SIGKILL)
        let kept = (before.value("state.steps") as? [[String: Any]]) ?? []
        #expect(finishedStages(before) >= 1 && before.string("status") == "running", "\(before.text)")

        var after = try await onB.get("/executions/\(id)")
        while !["completed", "failed"].contains(after.string("status") ?? "") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))   // polling a condition, as the web page does
            after = try await onB.get("/executions/\(id)")
        }
        #expect(after.string("status") == "completed", "\(after.text)\n\(pair.b.log)")
        #expect(pair.b.log.contains("resuming an execution its server left"))
        // Every step ran each stage once; stages finished before the kill were kept as they were.
        let steps = (after.value("state.steps") as? [[String: Any]]) ?? []
        for step in steps {
            let stages = (step["stages"] as? [[String: Any]]) ?? []
            #expect(stages.compactMap { $0["stage"] as? String } == ["fast", "build", "check"], "\(step)")
        }
        for old in kept {
            let oldStages = (old["stages"] as? [[String: Any]]) ?? []
            let new = steps.first { $0["id"] as? String == old["id"] as? String }
            let newStages = (new?["stages"] as? [[String: Any]]) ?? []
            for (index, stage) in oldStages.enumerated() {
                #expect(newStages.count > index && newStages[index]["output"] as? String == stage["output"] as? String)
            }
        }

        // The quota: 6 generations, one used by the plan; 20 LLM answers at once spread over
        // both servers (A restarted on its folder) → exactly 5.
        let restarted = try await ServerProcess(dataDirectory: pair.dataA.path, environment: pair.environment)
        let onA2 = try APIClient(baseURL: restarted.baseURL, token: onA.token)
        let replies = try await withThrowingTaskGroup(of: APIClient.Reply.self) { group in
            for index in 0..<20 {
                let api = index.isMultiple(of: 2) ? onA2 : onB
                group.addTask {
                    try await api.post("/ask", json: ["question": "When should roses be pruned, question \(index)?", "collection": "garden"])
                }
            }
            return try await group.reduce(into: [APIClient.Reply]()) { $0.append($1) }
        }
        let written = replies.filter { $0.status == 200 && $0.string("mode") == "llm" }.count
        let refused = replies.filter { $0.status == 429 && $0.errorCode == "quota_exhausted" }.count
        #expect(written == 5 && refused == 15, "\(replies.map { "\($0.status) \($0.string("mode") ?? $0.errorCode ?? "")" })")
    }

    @Test("deployment/nginx in front of two replicas: requests reach both, /ask streams through it, and a dead replica is routed around",
          .enabled(if: NginxProcess.available, "needs nginx (Debian nginx; `make test` installs it)"))
    func nginxInFront() async throws {
        let site = try await FixtureSite()
        let pair = try await Pair()
        let nginx = try await NginxProcess(replicaPorts: [pair.a.port, pair.b.port])
        defer { nginx.stop() }
        let proxy = try await APIClient(baseURL: nginx.baseURL).registered(email: "proxied@example.com")
        let roses = try #require(try await proxy.post("/ingest", json: ["url": site.baseURL + "/topics/roses", "collection": "garden",
                                                                         "max_pages": 1]).string("job_id"))
        #expect(try await waitForJob(proxy, roses).string("status") == "completed")
        for _ in 0..<6 {
            let answer = try await Self.ask(proxy, "When should roses be pruned?")
            #expect(answer.status == 200 && Self.cites(answer, "/topics/roses"), "\(answer.text)")
        }
        // Least connections over two idle replicas: both served questions.
        let askedOn = Set(nginx.accessLog.filter { $0.hasPrefix("POST /ask 200") }.compactMap { $0.split(separator: " ").last.map(String.init) })
        #expect(askedOn.count == 2, "\(nginx.accessLog)")

        // Server-sent events come through the proxy as events.
        let stream = try await proxy.post("/ask", json: ["question": "When should roses be pruned?", "collection": "garden", "stream": true])
        #expect(stream.status == 200 && stream.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        #expect(stream.text.contains("event: citations") && stream.text.contains("event: done"), "\(stream.text)")

        // One replica dies: requests keep being answered by the other.
        pair.a.stop(signal: SIGKILL)
        for _ in 0..<4 {
            #expect(try await proxy.get("/collections").status == 200)
            #expect(try await Self.ask(proxy, "When should roses be pruned?").status == 200)
        }
    }
}
