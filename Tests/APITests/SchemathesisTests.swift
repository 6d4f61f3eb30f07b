import Foundation
import TestSupport
import Testing

/// Schemathesis (property-based API testing from `/openapi.json`) against the real server
/// process with a real token: every documented operation, generated valid and invalid
/// inputs; no 5xx, every status, content type, header and body as documented, invalid input
/// refused, protected routes refusing no or bad tokens. `make api-check` installs it;
/// `make schemathesis` runs the long pass.
@Suite("OpenAPI conformance (schemathesis)", .enabled(if: Schemathesis.available, "needs .build/venv-api (run `make test`)"))
struct SchemathesisTests {
    @Test("generated requests to every operation: no server error, every answer as documented")
    func conformance() async throws {
        let data = try TemporaryDirectory(prefix: "schemathesis")
        let server = try await ServerProcess(dataDirectory: data.path, environment: Schemathesis.serverEnvironment)
        defer { server.stop() }
        let token = try #require(try await APIClient(baseURL: server.baseURL).registered(email: "st@example.com").token)
        let examples = ProcessInfo.processInfo.environment["NEX_SCHEMATHESIS_EXAMPLES"] ?? "25"
        let run = try await runProgramAsync(Schemathesis.executable, Schemathesis.arguments(server.baseURL, token: token, examples: examples))
        #expect(run.status == 0, "\(run.output.suffix(6000))")
        #expect(run.output.contains("not_a_server_error") && run.output.contains("response_schema_conformance"), "\(run.output.suffix(2000))")
    }
}

enum Schemathesis {
    static var executable: String { BuildProducts.repositoryRoot.appendingPathComponent(".build/venv-api/bin/schemathesis").path }
    static var available: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// Limits raised so the generator is not throttled; an LLM provider that is not running, so
    /// `/execute` accepts plans (they fail later, as they would with a provider down) instead
    /// of answering 503 for a server without one.
    static let serverEnvironment = [
        "NEX_MODEL_DIR": TestModel.directory, "NEX_ASK_RATE": "1000000", "NEX_LOGIN_MAX_FAILURES": "10000",
        "NEX_LOGIN_ADDRESS_MAX_FAILURES": "100000", "NEX_REGISTER_MAX_PER_ADDRESS": "100000", "NEX_QUOTA_GENERATIONS": "1000000",
        "NEX_LLM_BASE_URL": "http://127.0.0.1:9/v1", "NEX_LLM_MODEL": "not-running",
    ]

    /// `/auth/logout` would revoke the token the run uses: it is tested in AuthTests.
    static func arguments(_ baseURL: String, token: String, examples: String) -> [String] {
        ["run", baseURL + "/openapi.json", "--experimental=openapi-3.1", "--checks", "all", "--hypothesis-max-examples", examples,
         "--hypothesis-seed", "20261130", "--hypothesis-derandomize", "--exclude-path", "/auth/logout", "-H", "Authorization: Bearer \(token)"]
    }
}
