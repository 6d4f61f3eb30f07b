import Embedding
import HTTPKit
import IndexStore
import Ingest
import Logging
import Storage

/// The ingest services a configuration describes, built the same way for the server and the CLI.
extension AppConfig {
    /// Crawl politeness, page limits and timeouts of this configuration.
    public func ingestEnvironment(database: any DataStore, embedder: any Embedder, indexes: IndexRegistry, version: String,
                                  logger: Logger) throws -> IngestEnvironment {
        var environment = IngestEnvironment(
            database: database, embedder: embedder, indexes: indexes,
            client: try HTTPClient(userAgent: "NexTraction/\(version)"),
            userAgent: "NexTraction/\(version)", politenessDelay: crawlDelay, maxBodyBytes: maxPageBytes, logger: logger
        )
        environment.fetchTimeout = fetchTimeout
        return environment
    }
}
