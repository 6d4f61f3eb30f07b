import Embedding
import Foundation
import Logging
import PlanFormat
import Storage
import TextKit

/// Server configuration, from environment variables (`NEX_*`) with command-line overrides.
/// Every variable is listed in README.md § Configuration and `deployment/.env.example`.
public struct AppConfig: Sendable {
    /// Interface to listen on (`NEX_HOST`).
    public var host = "127.0.0.1"
    /// Port to listen on (`NEX_PORT`); 0 picks a free one.
    public var port = 8000
    /// Where the database, secret, models and indexes live (`NEX_DATA_DIR`).
    public var dataDirectory = "Data"
    /// A PostgreSQL database instead of SQLite in the data directory (`NEX_DATABASE_URL`).
    public var databaseURL: DatabaseURL?
    /// How long one database operation may wait before it fails as unavailable (PostgreSQL;
    /// `NEX_DATABASE_TIMEOUT`).
    public var databaseTimeout: TimeInterval = 10
    /// Static web UI folder served at `/` (`NEX_WEB_DIR`); nil serves no UI.
    public var webDirectory: String? = "Web"
    /// A relative folder as found: from the working directory, else beside the installed
    /// binary (`<bin>/Web`, `<bin>/../share/nextraction/Web`) or in the source tree it was
    /// built in (`.build/<config>/nextraction`), so a server started from another directory
    /// still serves its UI. Unchanged when found nowhere (then `webStatus` says `missing`).
    static func locate(relativeFolder folder: String) -> String {
        guard !folder.hasPrefix("/"), !FileManager.default.fileExists(atPath: folder) else { return folder }
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [binary.appendingPathComponent(folder), binary.appendingPathComponent("../share/nextraction/\(folder)")]
        var ancestor = binary
        for _ in 0..<4 {
            ancestor = ancestor.deletingLastPathComponent()
            candidates.append(ancestor.appendingPathComponent(folder))
        }
        let found = candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
        return found?.standardizedFileURL.path ?? folder
    }

    /// `ok` (the UI folder exists), `missing` (configured, not there: `/` answers 404) or `off`.
    public var webStatus: String {
        guard let webDirectory else { return "off" }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: webDirectory, isDirectory: &isDirectory) && isDirectory.boolValue ? "ok" : "missing"
    }
    /// HS256 signing secret (`NEX_JWT_SECRET`, ≥ 32 bytes); nil generates one into the data dir.
    public var jwtSecret: String?
    /// Token lifetime (`NEX_TOKEN_TTL`: seconds, or with a unit: `90m`, `24h`, `7d`).
    public var tokenTTL: TimeInterval = 24 * 3600
    /// Largest accepted request body in bytes (`NEX_MAX_BODY`, e.g. `1048576` or `1MiB`).
    public var maxBodyBytes = 1 << 20
    /// Largest uploaded file in bytes (`NEX_MAX_UPLOAD`, e.g. `20MiB`).
    public var maxUploadBytes = 20 << 20
    /// Largest upload request (all its files) in bytes (`NEX_MAX_UPLOAD_TOTAL`).
    public var maxUploadRequestBytes = 50 << 20
    /// Origins allowed to call the API from a browser (`NEX_CORS_ORIGINS`, comma-separated;
    /// `*` for any). Empty: same-origin only, no CORS headers are sent.
    public var corsOrigins: [String] = []
    /// Seconds between checks for collections due for a scheduled re-sync (`NEX_SYNC_CHECK_INTERVAL`).
    public var syncCheckInterval: Double = 60
    /// Browser origins allowed to call `/mcp` besides loopback ones (`NEX_MCP_ALLOWED_ORIGINS`,
    /// comma-separated, e.g. `https://rag.example.com`; `*` for any).
    public var mcpAllowedOrigins: [String] = []
    /// Host names `/mcp` answers to besides loopback ones when the server listens on loopback
    /// only, e.g. behind a proxy that passes the public name (`NEX_MCP_ALLOWED_HOSTS`; `*` for any).
    public var mcpAllowedHosts: [String] = []
    /// bcrypt cost factor (`NEX_BCRYPT_COST`, 4–31; each step doubles the work).
    public var bcryptCost = 12
    /// Failed logins allowed per email and client address within `loginWindow` (`NEX_LOGIN_MAX_FAILURES`).
    public var loginMaxFailures = 10
    /// The login-throttling window in seconds (`NEX_LOGIN_WINDOW`).
    public var loginWindow: TimeInterval = 300
    /// Failed logins allowed per client address within `loginWindow`, whatever the email
    /// (`NEX_LOGIN_ADDRESS_MAX_FAILURES`).
    public var loginAddressMaxFailures = 20
    /// Registrations allowed per client address within `registrationWindow` (`NEX_REGISTER_MAX_PER_ADDRESS`).
    public var registrationsPerAddress = 10
    /// The registration-throttling window in seconds (`NEX_REGISTER_WINDOW`).
    public var registrationWindow: TimeInterval = 3600
    /// Seconds a stopping server (SIGTERM, SIGINT) lets requests in flight finish before it
    /// cancels them (`NEX_SHUTDOWN_GRACE`).
    public var shutdownGrace: TimeInterval = 30
    /// Take the client address from `X-Forwarded-For` (`NEX_TRUST_PROXY=1`; only behind a proxy).
    public var trustProxyHeaders = false
    /// The embedding model folder (`NEX_MODEL_DIR`); nil: `<data dir>/models/all-MiniLM-L6-v2`.
    public var modelDirectoryOverride: String?
    /// Most tokens per embedding forward pass (`NEX_EMBED_BATCH_TOKENS`).
    public var embedBatchTokens = 4096
    /// Threads an embedding pass uses (`NEX_EMBED_THREADS`; default: every core).
    public var embedThreads: Int?
    /// Number format of the encoder's dense layers (`NEX_EMBED_PRECISION`). A collection is
    /// searched in the precision it was embedded in; another one needs `index rebuild --reembed`.
    /// nil (unset): the precision of the collections the database holds (fp32 if any is), so an
    /// upgrade never locks collections out; with none, `EmbeddingPrecision.preferred` (int8
    /// on a CPU with VNNI) — see `embedPrecision(for:)`.
    public var embedPrecision: EmbeddingPrecision?
    /// Let the crawler fetch loopback, private and link-local addresses (`NEX_ALLOW_PRIVATE_HOSTS=1`).
    public var allowPrivateHosts = false
    /// Upper bound for an ingest's `max_pages` (`NEX_MAX_PAGES_LIMIT`).
    public var maxPagesLimit = 5000
    /// Ingest jobs run at once by this server (`NEX_INGEST_CONCURRENCY`).
    public var ingestConcurrency = 1
    /// Default seconds between requests to one host (`NEX_CRAWL_DELAY`; robots.txt may ask for more).
    public var crawlDelay: Double = 0.5
    /// Seconds one page fetch may take, transfer included (`NEX_FETCH_TIMEOUT`).
    public var fetchTimeout: Double = 30
    /// Largest page the crawler downloads (`NEX_MAX_PAGE_BYTES`).
    public var maxPageBytes = 5 << 20
    /// A running job whose server sent no heartbeat for this long is resumed by another (`NEX_JOB_STALE_AFTER`).
    public var jobStaleAfter: TimeInterval = 15
    /// Questions (`/ask`, `/search`) per user per minute (`NEX_ASK_RATE`).
    public var askRate = 60
    /// Providers file (`NEX_PROVIDERS_FILE`, default `<data dir>/providers.json`).
    public var providersFileOverride: String?
    /// Generations (plan executions, LLM answers) per user (`NEX_QUOTA_GENERATIONS`).
    public var quotaGenerations = 500
    /// How long LLM results stay cached (`NEX_LLM_CACHE_TTL`).
    public var llmCacheTTL: TimeInterval = 7 * 86_400
    /// Cosine similarity from which a cached result is reused for a similar prompt (`NEX_SEMANTIC_CACHE_THRESHOLD`).
    public var semanticCacheThreshold: Float = 0.97
    /// Plan steps run at once per execution (`NEX_PLAN_CONCURRENCY`).
    public var planConcurrency = 4
    /// The whole environment, for the LLM settings read with the providers file.
    public var environment: [String: String] = [:]
    /// Minimum log level (`NEX_LOG_LEVEL`: trace, debug, info, notice, warning, error, critical).
    public var logLevel: Logger.Level = .info

    public init() {}

    /// The path of the SQLite database inside the data dir.
    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("nextraction.sqlite") }

    public var providersFile: String { providersFileOverride ?? (dataDirectory as NSString).appendingPathComponent("providers.json") }

    /// Where vector index generations live. An index is derived from one database: a
    /// PostgreSQL database gets its own folder (named by a hash of its host, port and name), so
    /// switching backends never mixes chunk ids.
    public var indexDirectory: String {
        guard let url = databaseURL else { return (dataDirectory as NSString).appendingPathComponent("index") }
        let name = "index-pg-" + ContentHash.sha256("\(url.endpoint)/\(url.database)").prefix(12)
        return (dataDirectory as NSString).appendingPathComponent(name)
    }

    /// Opens the configured database: PostgreSQL when `databaseURL` is set, else SQLite in
    /// the data directory.
    public func openDatabase(logger: Logger = Logger(label: "nextraction.storage")) async throws -> any DataStore {
        if let databaseURL {
            return try await PostgresStore.connect(databaseURL, timeout: .milliseconds(Int64(databaseTimeout * 1000)), logger: logger)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        return try AppDatabase.open(path: databasePath)
    }

    /// The embedding model folder.
    public var modelDirectory: String {
        modelDirectoryOverride ?? (dataDirectory as NSString).appendingPathComponent("models/all-MiniLM-L6-v2")
    }

    /// The embedder these settings describe: model folder, batch size, threads, precision
    /// (`modelDirectory` and `threads` override the configured ones).
    public func embedderConfiguration(modelDirectory: String? = nil, threads: Int? = nil,
                                      precision: EmbeddingPrecision? = nil) -> EmbedderConfiguration {
        var configuration = EmbedderConfiguration(modelDirectory: modelDirectory ?? self.modelDirectory)
        configuration.maxBatchTokens = embedBatchTokens
        if let threads = threads ?? embedThreads { configuration.threads = threads }
        configuration.precision = precision ?? embedPrecision ?? .preferred
        return configuration
    }

    /// The precision to run on `database`: `NEX_EMBED_PRECISION` when set; otherwise that of
    /// the collections holding vectors — fp32 if any was embedded in fp32 (recorded, or from
    /// before precisions were recorded), which keeps an existing installation working, else
    /// int8 if any is — and with none, `EmbeddingPrecision.preferred` for this CPU.
    public func embedPrecision(for database: any DataStore) async throws -> EmbeddingPrecision {
        if let embedPrecision { return embedPrecision }
        var found: EmbeddingPrecision?
        for (collection, _) in try await database.allCollections() {
            guard let id = collection.id else { continue }
            let recorded = try await database.embedPrecision(collectionID: id)
            if recorded == EmbeddingPrecision.fp32.rawValue { return .fp32 }
            if recorded == nil, try await database.counts(collectionID: id).chunks > 0 { return .fp32 }
            if recorded == EmbeddingPrecision.int8.rawValue { found = .int8 }
        }
        return found ?? .preferred
    }

    /// Reads every `NEX_*` variable present in `environment`, keeping defaults for the rest.
    public static func load(environment: [String: String]) throws -> AppConfig {
        var config = AppConfig()
        let env = EnvironmentReader(environment)
        config.host = env.string("NEX_HOST") ?? config.host
        config.port = try env.int("NEX_PORT", in: 0...65535) ?? config.port
        config.dataDirectory = env.string("NEX_DATA_DIR") ?? config.dataDirectory
        if let url = env.string("NEX_DATABASE_URL"), !url.isEmpty { config.databaseURL = try Self.databaseURL(url) }
        config.databaseTimeout = try env.duration("NEX_DATABASE_TIMEOUT") ?? config.databaseTimeout
        if let web = env.string("NEX_WEB_DIR") { config.webDirectory = web.isEmpty ? nil : web }
        config.webDirectory = config.webDirectory.map { Self.locate(relativeFolder: $0) }
        config.jwtSecret = env.string("NEX_JWT_SECRET")
        config.tokenTTL = try env.duration("NEX_TOKEN_TTL") ?? config.tokenTTL
        config.maxBodyBytes = try env.byteCount("NEX_MAX_BODY") ?? config.maxBodyBytes
        config.maxUploadBytes = try env.byteCount("NEX_MAX_UPLOAD") ?? config.maxUploadBytes
        config.maxUploadRequestBytes = try env.byteCount("NEX_MAX_UPLOAD_TOTAL") ?? max(config.maxUploadRequestBytes, config.maxUploadBytes)
        config.corsOrigins = env.list("NEX_CORS_ORIGINS") ?? config.corsOrigins
        config.mcpAllowedOrigins = env.list("NEX_MCP_ALLOWED_ORIGINS") ?? config.mcpAllowedOrigins
        config.syncCheckInterval = try env.duration("NEX_SYNC_CHECK_INTERVAL") ?? config.syncCheckInterval
        config.mcpAllowedHosts = env.list("NEX_MCP_ALLOWED_HOSTS") ?? config.mcpAllowedHosts
        config.bcryptCost = try env.int("NEX_BCRYPT_COST", in: 4...31) ?? config.bcryptCost
        config.loginMaxFailures = try env.int("NEX_LOGIN_MAX_FAILURES", in: 1...10_000) ?? config.loginMaxFailures
        config.loginWindow = try env.duration("NEX_LOGIN_WINDOW") ?? config.loginWindow
        config.loginAddressMaxFailures = try env.int("NEX_LOGIN_ADDRESS_MAX_FAILURES", in: 1...100_000) ?? config.loginAddressMaxFailures
        config.registrationsPerAddress = try env.int("NEX_REGISTER_MAX_PER_ADDRESS", in: 1...100_000) ?? config.registrationsPerAddress
        config.registrationWindow = try env.duration("NEX_REGISTER_WINDOW") ?? config.registrationWindow
        config.trustProxyHeaders = try env.bool("NEX_TRUST_PROXY") ?? config.trustProxyHeaders
        config.shutdownGrace = try env.duration("NEX_SHUTDOWN_GRACE") ?? config.shutdownGrace
        config.modelDirectoryOverride = env.string("NEX_MODEL_DIR")
        config.allowPrivateHosts = try env.bool("NEX_ALLOW_PRIVATE_HOSTS") ?? config.allowPrivateHosts
        config.maxPagesLimit = try env.int("NEX_MAX_PAGES_LIMIT", in: 1...1_000_000) ?? config.maxPagesLimit
        config.ingestConcurrency = try env.int("NEX_INGEST_CONCURRENCY", in: 1...64) ?? config.ingestConcurrency
        config.crawlDelay = try env.duration("NEX_CRAWL_DELAY") ?? config.crawlDelay
        config.fetchTimeout = try env.duration("NEX_FETCH_TIMEOUT") ?? config.fetchTimeout
        config.maxPageBytes = try env.byteCount("NEX_MAX_PAGE_BYTES") ?? config.maxPageBytes
        config.jobStaleAfter = try env.duration("NEX_JOB_STALE_AFTER") ?? config.jobStaleAfter
        config.askRate = try env.int("NEX_ASK_RATE", in: 1...1_000_000) ?? config.askRate
        config.providersFileOverride = env.string("NEX_PROVIDERS_FILE")
        config.quotaGenerations = try env.int("NEX_QUOTA_GENERATIONS", in: 0...100_000_000) ?? config.quotaGenerations
        config.llmCacheTTL = try env.duration("NEX_LLM_CACHE_TTL") ?? config.llmCacheTTL
        if let threshold = env.string("NEX_SEMANTIC_CACHE_THRESHOLD") {
            guard let value = Float(threshold), (0...1).contains(value) else {
                throw ConfigError.invalid(name: "NEX_SEMANTIC_CACHE_THRESHOLD", value: threshold, expected: "a number from 0 to 1")
            }
            config.semanticCacheThreshold = value
        }
        config.planConcurrency = try env.int("NEX_PLAN_CONCURRENCY", in: 1...64) ?? config.planConcurrency
        config.environment = environment
        config.embedBatchTokens = try env.int("NEX_EMBED_BATCH_TOKENS", in: 256...1_000_000) ?? config.embedBatchTokens
        config.embedThreads = try env.int("NEX_EMBED_THREADS", in: 1...256)
        if let precision = env.string("NEX_EMBED_PRECISION") {
            guard let parsed = EmbeddingPrecision(rawValue: precision.lowercased()) else {
                throw ConfigError.invalid(name: "NEX_EMBED_PRECISION", value: precision, expected: "fp32 or int8")
            }
            config.embedPrecision = parsed
        }
        if let level = env.string("NEX_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigError.invalid(name: "NEX_LOG_LEVEL", value: level, expected: "trace, debug, info, notice, warning, error or critical")
            }
            config.logLevel = parsed
        }
        try config.validate()
        return config
    }

    /// Checks values that must hold whatever their source.
    public func validate() throws {
        if let jwtSecret, jwtSecret.utf8.count < 32 {
            throw ConfigError.invalid(name: "NEX_JWT_SECRET", value: "(\(jwtSecret.utf8.count) bytes)", expected: "at least 32 bytes")
        }
        guard tokenTTL >= 60 else {
            throw ConfigError.invalid(name: "NEX_TOKEN_TTL", value: "\(Int(tokenTTL))s", expected: "at least 60 seconds")
        }
        guard maxBodyBytes >= 1024 else {
            throw ConfigError.invalid(name: "NEX_MAX_BODY", value: "\(maxBodyBytes)", expected: "at least 1024 bytes")
        }
        guard maxUploadBytes >= 1024, maxUploadBytes <= 1 << 30 else {
            throw ConfigError.invalid(name: "NEX_MAX_UPLOAD", value: "\(maxUploadBytes)", expected: "between 1 KiB and 1 GiB")
        }
        guard maxUploadRequestBytes >= maxUploadBytes, maxUploadRequestBytes <= 2 << 30 else {
            throw ConfigError.invalid(name: "NEX_MAX_UPLOAD_TOTAL", value: "\(maxUploadRequestBytes)",
                                      expected: "at least NEX_MAX_UPLOAD (\(maxUploadBytes)) and at most 2 GiB")
        }
    }
}

/// A configuration value that cannot be used; the message names the variable.
extension AppConfig {
    /// Parses a database URL; the error names what is wrong, never the password.
    public static func databaseURL(_ text: String) throws -> DatabaseURL {
        do {
            return try DatabaseURL(text)
        } catch let error as StorageError {
            let masked = (try? NSRegularExpression(pattern: "://([^:/@]*):[^@]*@"))
                .map { $0.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "://$1:***@") } ?? "…"
            throw ConfigError.invalid(name: "NEX_DATABASE_URL", value: masked, expected: error.detail)
        }
    }
}

public enum ConfigError: Error, CustomStringConvertible {
    case invalid(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .invalid(let name, let value, let expected): return "\(name)=\(value) is invalid: expected \(expected)"
        }
    }
}
