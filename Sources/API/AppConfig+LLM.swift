import Embedding
import HTTPKit
import LLM
import Logging
import Orchestrator
import PlanFormat
import Retrieval
import Storage

/// The language-model services a configuration describes, built the same way for the server
/// and the CLI.
extension AppConfig {
    /// The providers of `providers.json` and `NEX_LLM_*` (none when neither is set).
    public func llmRouter(version: String) throws -> LLMRouter {
        LLMRouter(configurations: try ProviderConfiguration.load(file: providersFile, environment: environment),
                  http: try HTTPClient(userAgent: "NexTraction/\(version)", maxConnectionsPerHost: 16))
    }

    /// Plan executions with this configuration's caches, concurrency and quota.
    public func executionService(database: any DataStore, router: LLMRouter, retriever: Retriever?, embedder: (any Embedder)?,
                                 logger: Logger) -> ExecutionService {
        let cache = CompletionCache(database: database, embedder: embedder, ttl: llmCacheTTL, semanticThreshold: semanticCacheThreshold)
        let executor = PlanExecutor(database: database, router: router, retriever: retriever, cache: cache,
                                    maxConcurrentSteps: planConcurrency, logger: logger)
        return ExecutionService(executor: executor, quota: Quota(database: database, limit: quotaGenerations), staleAfter: jobStaleAfter,
                                logger: logger)
    }
}
