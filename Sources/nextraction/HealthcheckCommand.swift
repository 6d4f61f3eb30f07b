import API
import ArgumentParser
import Foundation
import HTTPKit

/// `nextraction healthcheck`: asks a running server's `/ready` (a container's HEALTHCHECK, a
/// systemd or load-balancer probe). Exit 0 when the server is ready (database reachable,
/// model loaded) and, if it is meant to serve the web UI, has its folder; 1 otherwise, with
/// the reason.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Check that the server answers /ready (exit 0) or say why not (exit 1).",
        discussion: "By default asks http://127.0.0.1:$NEX_PORT/ready (NEX_HOST when it is a specific address)."
    )

    @Option(help: ArgumentHelp("The readiness URL (default from NEX_HOST and NEX_PORT).", valueName: "url"))
    var url: String?

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 5

    func run() async throws {
        let target = try url ?? Self.defaultURL(config: AppConfig.load(environment: ProcessInfo.processInfo.environment))
        let client = try HTTPClient(userAgent: "nextraction-healthcheck")
        let response: HTTPClient.Response
        do {
            response = try await client.execute(.init(url: target, timeout: timeout))
        } catch {
            print("not ready: \(target) cannot be reached (\(error))")
            throw ExitCode(1)
        }
        let body = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        let database = body["database"] as? String ?? "?", web = body["web"] as? String ?? "?"
        guard response.status == 200 else {
            print("not ready: HTTP \(response.status) (database \(database), model \(body["model"] as? String ?? "?"))"
                  + ((body["error"] as? String).map { ": \($0)" } ?? ""))
            throw ExitCode(1)
        }
        guard web != "missing" else {
            print("not ready: the web UI folder is missing (NEX_WEB_DIR), so / answers 404")
            throw ExitCode(1)
        }
        print("ready (database \(database), web UI \(web))")
    }

    /// Loopback when the server listens on every interface.
    static func defaultURL(config: AppConfig) -> String {
        let host = ["0.0.0.0", "::", "[::]", ""].contains(config.host) ? "127.0.0.1" : config.host
        return "http://\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(config.port)/ready"
    }
}
