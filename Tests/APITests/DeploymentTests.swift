import Foundation
import TestSupport
import Testing

/// What the deployment files promise, checked with what a shell can run here (no Docker
/// daemon, no systemd running): the image's entry and HEALTHCHECK commands run as written,
/// with the image's environment and the example env file, from another working directory;
/// the systemd unit through `systemd-analyze verify`; and the files' own rules.
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

    /// The runtime stage of the Dockerfile: its ENV, and its ENTRYPOINT + CMD and HEALTHCHECK
    /// commands (exec form, JSON arrays).
    struct Image {
        var environment: [String: String] = [:]
        var command: [String] = []
        var healthcheck: [String] = []
    }

    static func image() throws -> Image {
        let text = try read("deployment/Dockerfile").replacingOccurrences(of: "\\\n", with: " ")
        let stage = text.components(separatedBy: "\nFROM ").last ?? ""
        var image = Image()
        var entrypoint: [String] = [], cmd: [String] = []
        func array(_ json: Substring) throws -> [String] {
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String] ?? []
        }
        for line in stage.split(separator: "\n") {
            if line.hasPrefix("ENV ") {
                for pair in line.dropFirst(4).split(separator: " ") where pair.contains("=") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    image.environment[String(parts[0])] = String(parts[1])
                }
            } else if line.hasPrefix("ENTRYPOINT ") {
                entrypoint = try array(line.dropFirst(11))
            } else if line.hasPrefix("CMD ") {
                cmd = try array(line.dropFirst(4))
            } else if line.hasPrefix("HEALTHCHECK "), let start = line.range(of: " CMD ") {
                image.healthcheck = try array(line[start.upperBound...])
            }
        }
        image.command = entrypoint + cmd
        return image
    }

    @Test("the image's entry command, with its environment and a copied .env.example, from another directory: UI served, HEALTHCHECK passes")
    func imageCommands() async throws {
        let image = try Self.image()
        #expect(image.command == ["/usr/local/bin/nextraction", "serve"])
        #expect(image.healthcheck == ["/usr/local/bin/nextraction", "healthcheck"], "HEALTHCHECK must not need a shell: \(image.healthcheck)")
        let example = Self.assignments(try Self.read("deployment/.env.example"))
        #expect(example.isEmpty, "a copied .env.example must not override the image's settings: \(example)")
        #expect(image.environment["NEX_HOST"] == "0.0.0.0")

        // The image's folders, mapped onto this machine; env_file entries win, as in compose.
        let data = try TemporaryDirectory(prefix: "image")
        let elsewhere = try TemporaryDirectory(prefix: "cwd")
        let port = try ServerProcess.freePort()
        var environment = image.environment
        environment["NEX_PORT"] = String(port)
        environment["NEX_DATA_DIR"] = data.path
        environment["NEX_WEB_DIR"] = Self.root.appendingPathComponent("Web").path
        environment["NEX_MODEL_DIR"] = TestModel.directory
        environment["NEX_BCRYPT_COST"] = "4"
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        environment.merge(example) { _, file in file }
        func local(_ command: [String]) -> [String] { [BuildProducts.nextraction] + command.dropFirst() }
        let server = try await ServerProcess(arguments: local(image.command), environment: environment, port: port,
                                             workingDirectory: elsewhere.path, logPath: data.appending("server.log"))
        defer { server.stop() }
        let check = try runProgram(BuildProducts.nextraction, Array(local(image.healthcheck).dropFirst()), environment: environment)
        #expect(check.status == 0 && check.output.contains("ready (database ok, web UI ok)"), "\(check.output)\n\(server.log.suffix(2000))")
        let page = try runProgram("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", server.baseURL + "/"])
        #expect(page.output == "200")
    }

    @Test("started from another working directory with the default NEX_WEB_DIR, the server still finds and serves its UI")
    func otherWorkingDirectory() async throws {
        let data = try TemporaryDirectory(prefix: "cwd-data")
        let elsewhere = try TemporaryDirectory(prefix: "cwd")
        let port = try ServerProcess.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["NEX_WEB_DIR"] = nil
        environment["NEX_MODEL_DIR"] = TestModel.directory
        let server = try await ServerProcess(
            arguments: [BuildProducts.nextraction, "serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", data.path],
            environment: environment, port: port, workingDirectory: elsewhere.path, logPath: data.appending("server.log"))
        defer { server.stop() }
        let page = try runProgram("/usr/bin/curl", ["-s", server.baseURL + "/"])
        #expect(page.output.contains("<title>NexTraction</title>"), "\(server.log.suffix(2000))")
        #expect(!server.log.contains("web UI folder not found"))
    }

    @Test("healthcheck fails with the reason: a missing web UI folder (the server warns at start), a missing model, no server")
    func healthcheckFailures() async throws {
        let data = try TemporaryDirectory(prefix: "noweb")
        let server = try await ServerProcess(dataDirectory: data.path, environment: ["NEX_WEB_DIR": "/nonexistent/Web",
                                                                                    "NEX_MODEL_DIR": TestModel.directory])
        defer { server.stop() }
        let missing = try runCLI(["healthcheck", "--url", server.baseURL + "/ready"])
        #expect(missing.status == 1 && missing.output.contains("web UI folder is missing"), "\(missing.output)")
        #expect(server.log.contains("web UI folder not found"), "\(server.log.suffix(2000))")

        let noModel = try TemporaryDirectory(prefix: "nomodel")
        let modelless = try await ServerProcess(dataDirectory: noModel.path, environment: ["NEX_MODEL_DIR": noModel.appending("none")])
        defer { modelless.stop() }
        let unready = try runCLI(["healthcheck", "--url", modelless.baseURL + "/ready"])
        #expect(unready.status == 1 && unready.output.contains("HTTP 503") && unready.output.contains("model missing"), "\(unready.output)")

        let port = try ServerProcess.freePort()
        let down = try runCLI(["healthcheck", "--url", "http://127.0.0.1:\(port)/ready", "--timeout", "2"])
        #expect(down.status == 1 && down.output.contains("cannot be reached"), "\(down.output)")
    }

    @Test("the image owns its data volume and keeps the build context small; compose reads the optional env file")
    func imageFiles() throws {
        let dockerfile = try Self.read("deployment/Dockerfile")
        #expect(dockerfile.contains("--create-home --home-dir /var/lib/nextraction")
                && dockerfile.contains("chown nextraction:nextraction /var/lib/nextraction"))
        let ignore = try Self.read("deployment/Dockerfile.dockerignore").split(separator: "\n").map(String.init)
        for entry in [".build", ".git", "Data/*"] { #expect(ignore.contains(entry), "\(entry) is not ignored") }
        let compose = try Self.read("deployment/docker-compose.yml")
        #expect(compose.contains("path: .env") && compose.contains("required: false"))
        for setting in ["NEX_HOST", "NEX_DATA_DIR", "NEX_WEB_DIR", "NEX_MODEL_DIR"] {
            #expect(!compose.contains("\(setting):"), "compose overrides the image's \(setting)")
        }
    }

    @Test("the systemd unit passes systemd-analyze verify, sets the model folder, and reads its env file after its own settings",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze (Debian systemd)"))
    func systemdUnit() throws {
        let unit = try Self.read("deployment/nextraction.service")
        #expect(unit.contains("Environment=NEX_MODEL_DIR=") && unit.contains("useradd --system"))
        let lines = unit.split(separator: "\n")
        let own = try #require(lines.firstIndex { $0.hasPrefix("Environment=") })
        let file = try #require(lines.firstIndex { $0.hasPrefix("EnvironmentFile=") })
        #expect(own < file)
        // The binary is the only thing this machine lacks; the rest is verified as written.
        let directory = try TemporaryDirectory(prefix: "unit")
        let copy = directory.appending("nextraction.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/nextraction", with: BuildProducts.nextraction)
            .write(toFile: copy, atomically: true, encoding: .utf8)
        let verify = try runProgram("/usr/bin/systemd-analyze", ["verify", copy])
        #expect(verify.status == 0 && verify.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(verify.output)")
    }
}
