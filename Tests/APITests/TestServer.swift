import API
import Embedding
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Storage
import TestSupport

/// Runs the real application in-process on a loopback port (port 0: the OS picks one), with a
/// fresh SQLite file in a temp dir (or a fresh PostgreSQL database on the test cluster), for the
/// duration of `body`. Requests go over real HTTP.
///
/// bcrypt runs at cost 4 here (its minimum) so tests stay fast; production defaults to 12.
func withTestServer<T>(
    backend: Backend = .sqlite,
    configure: (inout AppConfig) -> Void = { _ in },
    embedder: (any Embedder)? = nil,
    logHandler: (@Sendable (String) -> Void)? = nil,
    _ body: (APIClient, AppDependencies) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory()
    var config = AppConfig()
    config.host = "127.0.0.1"
    config.port = 0
    config.dataDirectory = directory.path
    config.webDirectory = BuildProducts.repositoryRoot.appendingPathComponent("Web").path
    config.bcryptCost = 4
    if let url = try await backend.serverDatabaseURL() {
        config.databaseURL = try DatabaseURL(url)
        config.databaseTimeout = 120   // bounds failures only (a loaded machine is slow, not wrong)
    }
    configure(&config)
    var logger = Logger(label: "test") { label in
        if let logHandler {
            return StructuredLogHandler(label: label, level: .trace, format: .text, sink: logHandler)
        }
        return SwiftLogNoOpLogHandler()
    }
    logger.logLevel = logHandler == nil ? .critical : .trace
    let dependencies = try await AppDependencies.make(config: config, version: "test", embedder: embedder, logger: logger)

    let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = buildApplication(dependencies, logger: logger) { port in portContinuation.yield(port) }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
        group.addTask { try await serviceGroup.run() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw APIClientError.unexpected(status: 0, body: "server did not start") }
        let client = try APIClient(baseURL: "http://127.0.0.1:\(port)")
        do {
            let result = try await body(client, dependencies)
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        } catch {
            await serviceGroup.triggerGracefulShutdown()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// Collects log lines from a handler, thread-safely.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var sink: @Sendable (String) -> Void { { [self] line in lock.lock(); lines.append(line); lock.unlock() } }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.joined(separator: "\n")
    }
}
