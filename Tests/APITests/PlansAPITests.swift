import Foundation
import TestSupport
import Testing

/// Plans, executions, LLM answers, caches, fallback and quota over HTTP, against a real server
/// process and two real llama.cpp servers (SmolLM2-135M): `primary` and `fallback`.
@Suite("Plans and LLM answers over HTTP", .enabled(if: LLMServer.available, "needs .build/venv-llm (run `make test`)"), .serialized)
struct PlansAPITests {
    static let key = "sk-primary-secret-0123456789"

    func waitForExecution(_ api: APIClient, _ id: String, timeout: Double = 300) async throws -> APIClient.Reply {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try await api.get("/executions/\(id)")
            if ["completed", "failed"].contains(reply.string("status") ?? "") || Date() > deadline { return reply }
            try await Task.sleep(for: .milliseconds(200))   // polling a condition, as the web page does
        }
    }

    func steps(_ reply: APIClient.Reply) -> [String: [String: Any]] {
        let list = (reply.value("state.steps") as? [[String: Any]]) ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as? String ?? "", $0) })
    }

    static let garden: [String: any Sendable] = ["collection": "garden", "top_k": 2]

    static func plan(_ title: String, _ steps: [[String: any Sendable]]) -> [String: any Sendable] {
        ["title": title, "steps": steps]
    }

    @Test("validation, a PROD diamond with overlap and context, cache re-run, SSE, isolation, fallback, quota, masked keys",
          arguments: Backend.allCases)
    func lifecycle(_ backend: Backend) async throws {
        let site = try await FixtureSite()
        defer { site.stop() }
        let data = try TemporaryDirectory(prefix: "plans")
        let primary = try await LLMServer(logDirectory: data.path)
        let fallback = try await LLMServer(logDirectory: data.path)
        let providers = """
            {"providers": [
              {"name": "primary", "base_url": "\(primary.baseURL)", "model": "\(LLMServer.model)", "api_key_env": "PRIMARY_KEY",
               "retries": 0, "breaker_threshold": 1, "breaker_cooldown": 600, "price_input_per_1k": 0.01, "price_output_per_1k": 0.02},
              {"name": "fallback", "base_url": "\(fallback.baseURL)", "model": "\(LLMServer.model)", "retries": 0}
            ]}
            """
        try providers.write(toFile: data.appending("providers.json"), atomically: true, encoding: .utf8)
        let server = try await ServerProcess(dataDirectory: data.path, environment: [
            "NEX_MODEL_DIR": TestModel.directory, "NEX_ALLOW_PRIVATE_HOSTS": "1", "NEX_CRAWL_DELAY": "0",
            "NEX_QUOTA_GENERATIONS": "5", "PRIMARY_KEY": Self.key, "NEX_LOG_LEVEL": "trace",
            "NEX_DATABASE_URL": try await backend.serverDatabaseURL() ?? "", "NEX_DATABASE_TIMEOUT": "120s",
        ])
        defer { server.stop() }
        let alice = try await APIClient(baseURL: server.baseURL).registered(email: "alice@example.com")
        let bob = try await APIClient(baseURL: server.baseURL).registered(email: "bob@example.com")
        let job = try #require(try await alice.post("/ingest", json: ["url": site.baseURL + "/", "collection": "garden", "max_pages": 30,
                                                                      "max_depth": 2]).string("job_id"))
        #expect(try await waitForJob(alice, job).string("status") == "completed")

        // Validation: cycles are named, unknown dependencies refused.
        let cycle = try await alice.post("/plans", json: Self.plan("loop", [
            ["id": "a", "prompt": "x", "depends_on": ["b"]], ["id": "b", "prompt": "y", "depends_on": ["a"]],
        ]))
        #expect(cycle.status == 422)
        #expect(cycle.text.contains("a → b → a") || cycle.text.contains("b → a → b"), "\(cycle.text)")
        let unknown = try await alice.post("/plans", json: Self.plan("dangling", [["id": "a", "prompt": "x", "depends_on": ["zzz"]]]))
        #expect(unknown.status == 422 && unknown.text.contains("unknown step zzz"))
        #expect(try await alice.request("POST", "/plans", rawBody: Data("{not json".utf8)).status == 400)

        // An LLM-written answer: every citation left has passed the check.
        let answer = try await alice.post("/ask", json: ["question": "When should roses be pruned?", "collection": "garden"])
        #expect(answer.status == 200 && answer.string("mode") == "llm", "\(answer.text)")
        let threshold = try #require(answer.value("citation_check.threshold") as? Double)
        let kept = (answer.value("citation_check.kept") as? [[String: Any]]) ?? []
        #expect(kept.allSatisfy { ($0["score"] as? Double ?? 0) >= threshold })
        let cited = ((answer.value("citations") as? [[String: Any]]) ?? []).compactMap { $0["n"] as? Int }
        #expect(Set(cited).isSubset(of: Set(kept.compactMap { $0["n"] as? Int })))
        #expect(answer.value("usage.provider") as? String == "primary")

        // A PROD plan with a diamond (roses, tomatoes → merge; merge, compost → final).
        let diamond = Self.plan("Garden guide", [
            ["id": "roses", "title": "Roses", "prompt": "When are roses pruned?", "context": Self.garden, "max_tokens": 24],
            ["id": "tomatoes", "title": "Tomatoes", "prompt": "What causes blossom end rot?", "context": Self.garden,
             "max_tokens": 24],
            ["id": "compost", "title": "Compost", "prompt": "Give one composting tip.", "max_tokens": 24],
            ["id": "merge", "title": "Merge", "prompt": "Combine the two notes.", "depends_on": ["roses", "tomatoes"], "max_tokens": 24],
            ["id": "final", "title": "Final", "prompt": "Write a two-line guide.", "depends_on": ["merge", "compost"], "max_tokens": 24],
        ])
        let created = try await alice.post("/plans", json: diamond)
        #expect(created.status == 201)
        let planID = try #require(created.string("plan_id"))
        #expect((created.value("steps") as? [[String: Any]])?.count == 5)
        let started = try await alice.post("/execute", json: ["plan_id": planID, "workflow": "prod"])
        #expect(started.status == 202)
        let executionID = try #require(started.string("execution_id"))
        let done = try await waitForExecution(alice, executionID)
        #expect(done.string("status") == "completed", "\(done.text)")
        let byID = steps(done)
        for (id, step) in byID {
            let stages = (step["stages"] as? [[String: Any]])?.compactMap { $0["stage"] as? String }
            #expect(stages == ["fast", "build", "check"], "step \(id)")
        }
        let roses = try #require(byID["roses"]), tomatoes = try #require(byID["tomatoes"]), merge = try #require(byID["merge"])
        // Independent steps ran at the same time; dependants started after their inputs ended.
        let (rs, rf) = (roses["started_at"] as? Double ?? 0, roses["finished_at"] as? Double ?? 0)
        let (ts, tf) = (tomatoes["started_at"] as? Double ?? 0, tomatoes["finished_at"] as? Double ?? 0)
        #expect(rs < tf && ts < rf, "roses \(rs)–\(rf), tomatoes \(ts)–\(tf)")
        #expect((merge["started_at"] as? Double ?? 0) >= max(rf, tf))
        // The dependants saw their dependencies' outputs; context came from the collection.
        let mergePrompt = merge["prompt"] as? String ?? ""
        #expect(mergePrompt.contains(roses["output"] as? String ?? "<none>") && mergePrompt.contains(tomatoes["output"] as? String ?? "<none>"))
        #expect((roses["prompt"] as? String ?? "").contains("Context from your documents"))
        let sources = (roses["sources"] as? [[String: Any]]) ?? []
        #expect(sources.contains { ($0["url"] as? String ?? "").hasSuffix("/topics/roses") }, "\(sources)")
        #expect(done.value("state.metrics.provider_calls") as? Int == 15)
        #expect((done.value("state.metrics.cost") as? Double ?? 0) > 0)

        // The same plan again: every stage from the prompt cache, no provider call.
        let again = try #require(try await alice.post("/execute", json: ["plan_id": planID, "workflow": "prod"]).string("execution_id"))
        let cached = try await waitForExecution(alice, again)
        #expect(cached.string("status") == "completed")
        #expect(cached.value("state.metrics.provider_calls") as? Int == 0)
        #expect(cached.value("state.metrics.cache_hits") as? Int == 15)
        #expect(steps(cached)["final"]?["output"] as? String == byID["final"]?["output"] as? String)

        // Alice runs a long prompt with her private context; bob runs the same prompt without
        // context. Nothing of alice's cached answers reaches him, exactly or by meaning (the
        // prompt is longer than the embedding model's input, so only its head was compared).
        let longPrompt = "When are roses pruned? " + String(repeating: "Answer as a careful gardener who writes short notes. ", count: 30)
        let alicesLong = try #require(try await alice.post("/execute", json: ["plan": Self.plan("Long", [
            ["id": "notes", "title": "Notes", "prompt": longPrompt, "context": Self.garden, "max_tokens": 8],
        ]), "workflow": "proto"]).string("execution_id"))
        #expect(try await waitForExecution(alice, alicesLong).string("status") == "completed")
        let bobsRun = try #require(try await bob.post("/execute", json: ["plan": Self.plan("Mine", [
            ["id": "notes", "title": "Notes", "prompt": longPrompt, "max_tokens": 8],
        ]), "workflow": "proto"]).string("execution_id"))
        let bobsDone = try await waitForExecution(bob, bobsRun)
        #expect(bobsDone.string("status") == "completed", "\(bobsDone.text)")
        #expect(bobsDone.value("state.metrics.cache_hits") as? Int == 0)
        #expect(bobsDone.value("state.metrics.provider_calls") as? Int == 2)
        let bobsPrompt = steps(bobsDone)["notes"]?["prompt"] as? String ?? ""
        #expect(bobsPrompt.hasPrefix("Task: Notes") && !bobsPrompt.contains("Context from your documents"))

        // Progress as server-sent events.
        let events = try await alice.get("/executions/\(again)/events")
        #expect(events.text.contains("event: state") && events.text.contains("event: done"))

        // Other users see nothing.
        #expect(try await bob.get("/plans/\(planID)").status == 404)
        #expect(try await bob.get("/executions/\(executionID)").status == 404)
        #expect(try await bob.post("/execute", json: ["plan_id": planID]).status == 404)
        #expect(try await bob.request("DELETE", "/plans/\(planID)").status == 404)
        #expect(try await bob.get("/plans").jsonArray?.isEmpty == true)

        // The primary dies: its circuit opens and the fallback finishes the run.
        primary.stop()
        let small = Self.plan("After the outage", [
            ["id": "one", "prompt": "Name a vegetable.", "max_tokens": 8],
            ["id": "two", "prompt": "Name a fruit.", "depends_on": ["one"], "max_tokens": 8],
        ])
        let rescue = try #require(try await alice.post("/execute", json: ["plan": small, "workflow": "proto"]).string("execution_id"))
        let rescued = try await waitForExecution(alice, rescue)
        #expect(rescued.string("status") == "completed", "\(rescued.text)")
        let providersUsed = steps(rescued).values.flatMap { ($0["stages"] as? [[String: Any]]) ?? [] }.compactMap { $0["provider"] as? String }
        #expect(Set(providersUsed) == ["fallback"])
        let listed = try await alice.get("/providers")
        let primaryState = listed.jsonArray?.first { $0["name"] as? String == "primary" }
        #expect(primaryState?["circuit"] as? String == "open")
        // Users see no base URL and no key, not even masked; the operator's log has the masked key.
        #expect(primaryState?["key"] == nil && primaryState?["base_url"] == nil && !listed.text.contains(primary.baseURL))
        #expect(server.log.contains("sk-p…6789"))

        // Quota: 1 answer + 4 executions = 5 = the limit.
        let quota = try await alice.get("/quota")
        #expect(quota.value("limit") as? Int == 5 && quota.value("used") as? Int == 5 && quota.value("remaining") as? Int == 0)
        let refused = try await alice.post("/execute", json: ["plan_id": planID, "workflow": "proto"])
        #expect(refused.status == 429 && refused.errorCode == "quota_exhausted")
        #expect(try await alice.post("/ask", json: ["question": "When should roses be pruned?", "collection": "garden"]).errorCode == "quota_exhausted")
        #expect(try await bob.get("/quota").value("used") as? Int == 1)

        // Plans can be deleted by their owner.
        #expect(try await alice.request("DELETE", "/plans/\(planID)").status == 204)
        #expect(try await alice.get("/plans/\(planID)").status == 404)

        // The key never reached the logs (trace level), nor any response.
        #expect(!server.log.contains(Self.key))
        #expect(!listed.text.contains(Self.key))
    }
}
