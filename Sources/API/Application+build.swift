import Embedding
import Foundation
import HTTPKit
import IndexStore
import Hummingbird
import Ingest
import LLM
import Orchestrator
import PlanFormat
import Retrieval
import Logging
import ServiceLifecycle
import Storage

/// Everything the routes need, built once at start and passed in (no singletons).
public struct AppDependencies: Sendable {
    public var config: AppConfig
    public var database: any DataStore
    public var tokens: TokenService
    public var passwords: PasswordHasher
    public var throttles: AuthThrottles
    public var metrics: AppMetrics
    public var version: String
    /// The embedding model, or nil with `embedderError` saying why it could not be loaded.
    public var embedder: (any Embedder)?
    public var embedderError: String?
    public var indexes: IndexRegistry
    public var jobRunner: JobRunner?
    public var ingest: IngestEnvironment?
    public var ask: AskService?
    /// LLM providers (empty when none is configured).
    public var router: LLMRouter
    public var quota: Quota
    /// Plan executions (nil without the embedding model, which their caches and retrieval need).
    public var executions: ExecutionService?
    /// Scheduled and requested re-syncs of collections' sources (nil without the model).
    public var syncs: SyncScheduler?

    /// Opens the database in the data directory, loads (or creates) the token secret, loads
    /// the embedding model (unless one is given) and builds the services from `config`.
    public static func make(
        config: AppConfig, metrics: AppMetrics = AppMetrics(), version: String,
        embedder injected: (any Embedder)? = nil, logger: Logger = Logger(label: "nextraction")
    ) async throws -> AppDependencies {
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        let database = try await config.openDatabase(logger: logger)
        let secret = try TokenService.loadSecret(explicit: config.jwtSecret, dataDirectory: config.dataDirectory)
        var embedder = injected
        var embedderError: String?
        if embedder == nil {
            do {
                let precision = try await config.embedPrecision(for: database)
                embedder = try MiniLMEmbedder(configuration: config.embedderConfiguration(precision: precision))
                logger.notice("embedding model loaded", metadata: [
                    "precision": "\(precision.rawValue)", "int8_kernel": "\(precision == .int8 ? EmbeddingPrecision.int8Kernel : "-")",
                ])
                if config.embedPrecision == nil, precision == .fp32, EmbeddingPrecision.preferred == .int8 {
                    logger.notice("collections embedded in fp32: encoding in fp32 (int8 encodes 2–3× faster here; set NEX_EMBED_PRECISION=int8 and run `nextraction index rebuild --reembed` to switch)")
                }
            } catch {
                embedderError = "\(error)"
                logger.error("embedding model unavailable: ingest and questions are disabled", metadata: ["error": "\(error)"])
            }
        }
        let indexes = IndexRegistry(directory: config.indexDirectory, dimension: embedder?.dimension ?? MiniLMEmbedder.standardDimension,
                                    database: database)
        var ingest: IngestEnvironment?
        var runner: JobRunner?
        if let embedder {
            var environment = try config.ingestEnvironment(database: database, embedder: embedder, indexes: indexes, version: version,
                                                           logger: logger)
            environment.publishInterval = 2
            environment.metrics = metrics.metricsFactory
            ingest = environment
            runner = JobRunner(environment: environment, concurrency: config.ingestConcurrency, staleAfter: config.jobStaleAfter)
        }
        if config.webStatus == "missing" {
            logger.warning("web UI folder not found: / answers 404 until NEX_WEB_DIR names the Web folder (or is empty for no UI)",
                           metadata: ["NEX_WEB_DIR": "\(config.webDirectory ?? "")"])
        }
        let router = try config.llmRouter(version: version)
        for provider in router.describe() {
            logger.info("LLM provider", metadata: provider.mapValues { .string($0) })
        }
        // Executions a stopped server left running are resumed by `ExecutionService` (here or
        // on another server); answers in flight when a server died gave their generation back
        // after ten minutes (no answer takes that long), here at start and hourly after.
        try await database.releasePendingGenerations(before: Date().addingTimeInterval(-600))
        let retriever = embedder.map { Retriever(database: database, embedder: $0, indexes: indexes) }
        let executions = config.executionService(database: database, router: router, retriever: retriever, embedder: embedder,
                                                 logger: logger)
        return AppDependencies(
            config: config, database: database,
            tokens: await TokenService(secret: secret, lifetime: config.tokenTTL),
            passwords: PasswordHasher(cost: config.bcryptCost),
            throttles: AuthThrottles(database: database, config: config),
            metrics: metrics, version: version, embedder: embedder, embedderError: embedderError,
            indexes: indexes, jobRunner: runner, ingest: ingest,
            ask: retriever.map { AskService(retriever: $0, router: router) },
            router: router, quota: executions.quota, executions: executions,
            syncs: runner.map { SyncScheduler(database: database, runner: $0, interval: .seconds(config.syncCheckInterval), logger: logger) }
        )
    }
}

/// Builds the router: middleware first (Hummingbird applies middleware to routes added after
/// it), then public routes, then the authenticated group.
public func buildRouter(_ dependencies: AppDependencies) -> Router<AppRequestContext> {
    let config = dependencies.config
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestObserverMiddleware(metrics: dependencies.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ErrorMiddleware())
    if !config.corsOrigins.isEmpty {
        router.add(middleware: CORSPolicyMiddleware(allowedOrigins: Set(config.corsOrigins)))
    }
    router.add(middleware: BodyLimitMiddleware(limit: config.maxBodyBytes, uploadLimit: config.maxUploadRequestBytes))
    router.add(middleware: PathGuardMiddleware())
    if let web = config.webDirectory, config.webStatus == "ok" {
        router.add(middleware: FileMiddleware(web, searchForIndexHtml: true))
    }

    SystemController(database: dependencies.database, metrics: dependencies.metrics, version: dependencies.version, web: config.webStatus,
                     modelError: dependencies.embedder == nil ? dependencies.embedderError ?? "not loaded" : nil)
        .addRoutes(to: router)

    let auth = AuthController(
        database: dependencies.database, tokens: dependencies.tokens, passwords: dependencies.passwords,
        throttles: dependencies.throttles, maxBodyBytes: config.maxBodyBytes,
        trustProxyHeaders: config.trustProxyHeaders
    )
    auth.addPublicRoutes(to: router.group("auth"))

    // Every route below needs a session or an API key; an API key also needs the scope of
    // its route group (`read`: questions and listings, `write`: everything that changes data).
    let protected = router.group()
        .add(middleware: BearerAuthenticator(tokens: dependencies.tokens, database: dependencies.database))
    auth.addProtectedRoutes(to: protected.group("auth"))
    let routes = ScopedRoutes(read: protected.group().add(middleware: RequireScope(.read)),
                              write: protected.group().add(middleware: RequireScope(.write)))
    IngestController(dependencies: dependencies).addRoutes(to: routes)
    CollectionsController(dependencies: dependencies).addRoutes(to: routes)
    DocumentsController(dependencies: dependencies).addRoutes(to: routes)
    ConversationsController(dependencies: dependencies).addRoutes(to: routes)
    // One server on its SQLite file counts in memory; servers sharing PostgreSQL count there.
    let askLimiter: any RequestLimiter = config.databaseURL == nil ? RateLimiter(perMinute: config.askRate)
        : SharedRateLimiter(database: dependencies.database, scope: "ask", perMinute: config.askRate)
    let gate = AskGate(dependencies: dependencies, limiter: askLimiter)
    let asking = AskController(dependencies: dependencies, gate: gate)
    asking.addRoutes(to: routes)
    // MCP for agents: every authenticated caller; tools check the write scope themselves.
    MCPController(dependencies: dependencies, gate: gate, asking: asking, ingesting: IngestController(dependencies: dependencies),
                  originPolicy: MCPOriginPolicy(config: config)).addRoutes(to: protected)
    // OpenAI-compatible chat: OpenAI's error shape (authentication failures included), read scope.
    let openAI = router.group("v1")
        .add(middleware: OpenAIErrorMiddleware())
        .add(middleware: BearerAuthenticator(tokens: dependencies.tokens, database: dependencies.database))
        .add(middleware: RequireScope(.read))
    ChatCompletionsController(dependencies: dependencies, gate: gate).addRoutes(to: openAI)
    PlansController(dependencies: dependencies).addRoutes(to: routes)
    return router
}

/// The authenticated route groups by the scope an API key needs for them.
struct ScopedRoutes {
    var read: RouterGroup<AppRequestContext>
    var write: RouterGroup<AppRequestContext>
}

/// Builds the HTTP application for `dependencies`.
///
/// - Parameter onServerRunning: called with the bound port once listening (tests bind port 0).
public func buildApplication(
    _ dependencies: AppDependencies,
    logger: Logger,
    services: [any Service] = [],
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let config = dependencies.config
    return Application(
        router: buildRouter(dependencies),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "NexTraction"),
        services: services + (dependencies.jobRunner.map { [$0] } ?? []) + (dependencies.executions.map { [$0] } ?? [])
            + (dependencies.syncs.map { [$0] } ?? [])
            + [IndexFollower(indexes: dependencies.indexes, database: dependencies.database, logger: logger)],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) },
        logger: logger
    )
}
