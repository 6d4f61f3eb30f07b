import Foundation
import TestSupport
import Testing

/// `nextraction plan validate`, `plan run` and `providers check` as a user runs them.
@Suite("Plan commands")
struct PlanCLITests {
    static let plan = #"{"title": "CLI plan", "steps": [{"id": "one", "prompt": "Name a vegetable.", "max_tokens": 8}, {"id": "two", "prompt": "Name a fruit.", "depends_on": ["one"], "max_tokens": 8}]}"#

    @Test("validate lists a good plan and names a cycle with a non-zero exit")
    func validate() throws {
        let directory = try TemporaryDirectory()
        let good = directory.appending("good.json"), bad = directory.appending("bad.json")
        try Self.plan.write(toFile: good, atomically: true, encoding: .utf8)
        try #"{"title": "loop", "steps": [{"id": "a", "prompt": "x", "depends_on": ["b"]}, {"id": "b", "prompt": "y", "depends_on": ["a"]}]}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let ok = try runCLI(["plan", "validate", good])
        #expect(ok.status == 0 && ok.output.contains("valid — \"CLI plan\", 2 steps") && ok.output.contains("two: two ← one"), "\(ok.output)")
        let refused = try runCLI(["plan", "validate", bad])
        #expect(refused.status != 0 && refused.output.contains("the plan has a cycle: a → b → a"), "\(refused.output)")
    }

    @Test("plan run executes against a real llama.cpp server with per-step progress; providers check pings it",
          .enabled(if: LLMServer.available, "needs .build/venv-llm (run `make test`)"))
    func run() async throws {
        let directory = try TemporaryDirectory()
        let server = try await LLMServer(logDirectory: directory.path)
        let data = directory.appending("data")
        let file = directory.appending("plan.json")
        try Self.plan.write(toFile: file, atomically: true, encoding: .utf8)
        let environment = ["NEX_BCRYPT_COST": "4", "NEX_LLM_BASE_URL": server.baseURL, "NEX_LLM_MODEL": LLMServer.model,
                           "NEX_LLM_API_KEY": "sk-cli-secret-0123456789", "NEX_MODEL_DIR": TestModel.directory]
        #expect(try runCLI(["user", "create", "--email", "cli@example.com", "--data-dir", data], stdin: "cli password 1\n",
                           environment: environment).status == 0)
        let run = try runCLI(["plan", "run", file, "--workflow", "prod", "--data-dir", data], environment: environment)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("[one] running") && run.output.contains("[two] completed"), "\(run.output)")
        #expect(run.output.contains("completed in") && run.output.contains("6 provider calls"), "\(run.output)")
        let check = try runCLI(["providers", "check", "--data-dir", data], environment: environment)
        #expect(check.status == 0 && check.output.contains("default") && check.output.contains("sk-c…6789") && check.output.contains("closed"),
                "\(check.output)")
        #expect(!check.output.contains("sk-cli-secret-0123456789"))
    }
}
