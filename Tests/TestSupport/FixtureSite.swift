import Foundation
import HTTPKit

#if canImport(Glibc)
import Glibc
#endif

/// The fixture website (`Tests/Fixtures/fixture_site.py`) served by a real Python HTTP
/// server process on a loopback port, stopped by PID when released.
public final class FixtureSite: @unchecked Sendable {
    public let pid: pid_t
    public let port: Int
    private let directory: TemporaryDirectory
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `script`: a file of `Tests/Fixtures` that takes `--port-file PATH` and serves on loopback.
    public init(script name: String = "fixture_site.py") async throws {
        directory = try TemporaryDirectory(prefix: "fixture-site")
        let portFile = directory.appending("port")
        let script = BuildProducts.repositoryRoot.appendingPathComponent("Tests/Fixtures/\(name)").path
        pid = try ServerProcess.spawn(arguments: ["/usr/bin/env", "python3", script, "--port-file", portFile],
                                      environment: ProcessInfo.processInfo.environment, logPath: directory.appending("site.log"))
        let deadline = Date().addingTimeInterval(120)
        var found: Int?
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let value = Int(text) {
                found = value
                break
            }
            try await Task.sleep(for: .milliseconds(20))   // waiting for the server to bind
        }
        guard let found else {
            kill(pid, SIGKILL)
            throw ServerProcessError.notReady(log: (try? String(contentsOfFile: directory.appending("site.log"), encoding: .utf8)) ?? "")
        }
        port = found
    }

    deinit { stop() }

    /// Kills the server and waits for it (again: a no-op).
    public func stop() {
        guard kill(pid, 0) == 0 else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// One request the server saw.
    public struct LoggedRequest: Sendable {
        public var path: String
        public var time: Double
        public var userAgent: String
        public var ifNoneMatch: String?
        /// The server is holding this request unanswered (see `hold(prefix:after:)`).
        public var held: Bool
    }

    /// Every request so far, in arrival order.
    public func requests() async throws -> [LoggedRequest] {
        let client = try HTTPClient(userAgent: "fixture-control")
        let response = try await client.get("\(baseURL)/__log")
        let entries = (try JSONSerialization.jsonObject(with: response.body) as? [[String: Any]]) ?? []
        return entries.compactMap { entry in
            guard let path = entry["path"] as? String, !path.hasPrefix("/__"), let time = entry["t"] as? Double else { return nil }
            return LoggedRequest(path: path, time: time, userAgent: entry["ua"] as? String ?? "", ifNoneMatch: entry["inm"] as? String,
                                 held: entry["held"] as? Bool ?? false)
        }
    }

    /// Serves the first `after` requests for paths under `prefix`, then holds every later one
    /// unanswered until `release()`: while a request is held, a crawl of the site cannot end,
    /// however fast or slow the machine is.
    public func hold(prefix: String, after: Int) async throws {
        let escaped = prefix.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? prefix
        try await control("/__hold?prefix=\(escaped)&after=\(after)")
    }

    /// Answers the held requests and stops holding.
    public func release() async throws {
        try await control("/__release")
    }

    /// Waits until at least one request is being held (polling the server's log).
    public func waitUntilHolding(timeout: Double = 120) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try await !requests().contains(where: \.held) {
            guard Date() < deadline else { throw ServerProcessError.notReady(log: "no request reached the hold within \(timeout) s") }
            try await Task.sleep(for: .milliseconds(50))   // polling a condition, not timing
        }
    }

    /// Calls a control endpoint (`/__mutate?path=…`, `/__gone?path=…`, `/__reset`).
    public func control(_ pathAndQuery: String) async throws {
        let client = try HTTPClient(userAgent: "fixture-control")
        _ = try await client.get(baseURL + pathAndQuery)
    }
}
