import API
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `nextraction serve`: runs the HTTP server until SIGTERM or SIGINT (graceful shutdown).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server (API and web UI).",
        discussion: "Defaults: 127.0.0.1:8000, data in ./Data. NEX_HOST, NEX_PORT and NEX_DATA_DIR set them too."
    )

    @Option(help: ArgumentHelp("Interface to listen on (default 127.0.0.1, or NEX_HOST).", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Port to listen on (default 8000, or NEX_PORT; 0 picks a free port).", valueName: "port"))
    var port: Int?

    @OptionGroup var data: DataOptions

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        var config = try data.config()
        if let host { config.host = host }
        if let port { config.port = port }

        let format = StructuredLogHandler.Format(rawValue: ProcessInfo.processInfo.environment["NEX_LOG_FORMAT"] ?? "text") ?? .text
        let level = config.logLevel
        LoggingSystem.bootstrap { label in StructuredLogHandler.standardError(label: label, level: level, format: format) }
        let logger = Logger(label: "nextraction")

        let metrics = AppMetrics()
        MetricsSystem.bootstrap(metrics.metricsFactory)
        let dependencies = try await AppDependencies.make(config: config, metrics: metrics, version: NexTraction.version)
        let (host, dataDirectory) = (config.host, config.dataDirectory)
        let app = buildApplication(dependencies, logger: logger) { port in
            logger.notice("listening", metadata: ["url": "http://\(host):\(port)", "data_dir": "\(dataDirectory)"])
        }
        // SIGTERM/SIGINT: stop accepting, let requests in flight finish for the grace period,
        // then cancel what is left (an LLM stream ends with an `error` event) and exit.
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(config.shutdownGrace * 1000))
        configuration.maximumCancellationDuration = .seconds(10)
        try await ServiceGroup(configuration: configuration).run()
    }
}
