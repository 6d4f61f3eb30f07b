import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Storage

/// Everything the routes need, built once at start and passed in (no singletons).
public struct AppDependencies: Sendable {
    public var config: AppConfig
    public var database: AppDatabase
    public var tokens: TokenService
    public var passwords: PasswordHasher
    public var loginThrottle: LoginThrottle
    public var metrics: AppMetrics
    public var version: String

    public init(
        config: AppConfig, database: AppDatabase, tokens: TokenService, passwords: PasswordHasher,
        loginThrottle: LoginThrottle, metrics: AppMetrics, version: String
    ) {
        self.config = config
        self.database = database
        self.tokens = tokens
        self.passwords = passwords
        self.loginThrottle = loginThrottle
        self.metrics = metrics
        self.version = version
    }

    /// Opens the database in the data directory, loads (or creates) the token secret and
    /// builds the services from `config`.
    public static func make(config: AppConfig, metrics: AppMetrics = AppMetrics(), version: String) async throws -> AppDependencies {
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        let database = try AppDatabase.open(path: config.databasePath)
        let secret = try TokenService.loadSecret(explicit: config.jwtSecret, dataDirectory: config.dataDirectory)
        return AppDependencies(
            config: config,
            database: database,
            tokens: await TokenService(secret: secret, lifetime: config.tokenTTL),
            passwords: PasswordHasher(cost: config.bcryptCost),
            loginThrottle: LoginThrottle(maxFailures: config.loginMaxFailures, window: config.loginWindow),
            metrics: metrics,
            version: version
        )
    }
}

/// Builds the router: middleware first (Hummingbird applies middleware to routes added after
/// it), then public routes, then the authenticated group.
public func buildRouter(_ dependencies: AppDependencies) -> Router<AppRequestContext> {
    let config = dependencies.config
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestObserverMiddleware(metrics: dependencies.metrics))
    router.add(middleware: ErrorMiddleware())
    if !config.corsOrigins.isEmpty {
        router.add(middleware: CORSPolicyMiddleware(allowedOrigins: Set(config.corsOrigins)))
    }
    router.add(middleware: BodyLimitMiddleware(limit: config.maxBodyBytes))
    if let web = config.webDirectory, FileManager.default.fileExists(atPath: web) {
        router.add(middleware: FileMiddleware(web, searchForIndexHtml: true))
    }

    SystemController(database: dependencies.database, metrics: dependencies.metrics, version: dependencies.version)
        .addRoutes(to: router)

    let auth = AuthController(
        database: dependencies.database, tokens: dependencies.tokens, passwords: dependencies.passwords,
        throttle: dependencies.loginThrottle, maxBodyBytes: config.maxBodyBytes,
        trustProxyHeaders: config.trustProxyHeaders
    )
    auth.addPublicRoutes(to: router.group("auth"))

    let protected = router.group()
        .add(middleware: JWTAuthenticator(tokens: dependencies.tokens, database: dependencies.database))
    auth.addProtectedRoutes(to: protected.group("auth"))
    return router
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
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) },
        logger: logger
    )
}
