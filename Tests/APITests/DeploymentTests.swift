import Foundation
import TestSupport
import Testing

/// What the deployment files promise, checked with what a shell can run here (no Docker
/// daemon, no systemd): the healthcheck command the image uses, the server started the way
/// the image and the example env file start it, and the files' own rules.
@Suite("Deployment")
struct DeploymentTests {
    static let root = BuildProducts.repositoryRoot

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The assignments an env file makes, as docker compose's `env_file` and systemd's
    /// `EnvironmentFile` read them (comments and blank lines skipped).
    static func assignments(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "="), trimmed.first?.isLetter == true else { continue }
            result[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        return result
    }

    @Test("the server as the image starts it, with the example env file copied as is: / serves the UI and healthcheck passes")
    func imageEnvironment() async throws {
        let example = Self.assignments(try Self.read("deployment/.env.example"))
        #expect(example.isEmpty, "a copied .env.example must not override the image's settings: \(example)")
        let data = try TemporaryDirectory(prefix: "image")
        var environment = example
        environment["NEX_WEB_DIR"] = Self.root.appendingPathComponent("Web").path
        environment["NEX_MODEL_DIR"] = data.appending("no-model")   // the UI and readiness do not need it
        let server = try await ServerProcess(dataDirectory: data.path, environment: environment)
        defer { server.stop() }
        let check = try runCLI(["healthcheck", "--url", server.baseURL + "/ready"])
        #expect(check.status == 0 && check.output.contains("ready (database ok, web UI ok)"), "\(check.output)")
        let page = try runProgram("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", server.baseURL + "/"])
        #expect(page.output == "200")
    }

    @Test("healthcheck fails with the reason: a missing web UI folder (the server warns at start), a server that is not there")
    func healthcheckFailures() async throws {
        let data = try TemporaryDirectory(prefix: "noweb")
        let server = try await ServerProcess(dataDirectory: data.path, environment: ["NEX_WEB_DIR": "/nonexistent/Web",
                                                                                    "NEX_MODEL_DIR": data.appending("no-model")])
        defer { server.stop() }
        let missing = try runCLI(["healthcheck", "--url", server.baseURL + "/ready"])
        #expect(missing.status == 1 && missing.output.contains("web UI folder is missing"), "\(missing.output)")
        #expect(server.log.contains("web UI folder not found"), "\(server.log.suffix(2000))")
        let port = try ServerProcess.freePort()
        let down = try runCLI(["healthcheck", "--url", "http://127.0.0.1:\(port)/ready", "--timeout", "2"])
        #expect(down.status == 1 && down.output.contains("cannot be reached"), "\(down.output)")
    }

    @Test("the image checks health with the binary, owns its data volume, and keeps the build context small")
    func dockerfile() throws {
        let dockerfile = try Self.read("deployment/Dockerfile")
        let healthcheck = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("HEALTHCHECK") })
        #expect(healthcheck.contains("\"/usr/local/bin/nextraction\", \"healthcheck\"") && !healthcheck.contains("/dev/tcp"))
        #expect(dockerfile.contains("--create-home --home-dir /var/lib/nextraction")
                && dockerfile.contains("chown nextraction:nextraction /var/lib/nextraction"))
        let ignore = try Self.read("deployment/Dockerfile.dockerignore").split(separator: "\n").map(String.init)
        for entry in [".build", ".git", "Data/*"] { #expect(ignore.contains(entry), "\(entry) is not ignored") }
        let unit = try Self.read("deployment/nextraction.service")
        #expect(unit.contains("Environment=NEX_MODEL_DIR=") && unit.contains("useradd --system"))
        // The unit's own settings come first, so the env file may add to them.
        let lines = unit.split(separator: "\n")
        #expect(lines.firstIndex { $0.hasPrefix("Environment=") }! < lines.firstIndex { $0.hasPrefix("EnvironmentFile=") }!)
    }
}
