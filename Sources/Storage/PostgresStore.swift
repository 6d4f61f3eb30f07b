import Foundation
import Logging
import PostgresNIO

/// The shared backend: every store protocol on PostgreSQL through postgres-nio's pooled
/// `PostgresClient`, for several servers on one database (`NEX_DATABASE_URL`).
///
/// The client runs in a task this type owns (`close()` or deinit ends it). Every operation
/// runs within `timeout`: a database that went away fails requests with
/// `StorageError.unavailable` (503 `database_unavailable` at the API) instead of hanging them
/// — within about a second once a connection of its own is refused (`PostgresReachability`) —
/// and the pool reconnects by itself when it returns. Schema migrations run in `connect`,
/// under an advisory lock. Thread-safe; methods split by concern in `PostgresStore+*.swift`.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    public let url: DatabaseURL
    let logger: Logger
    /// How long one operation may wait for a connection and its answer.
    let timeout: Duration
    /// Fails operations within about a second when the server is gone, not at `timeout`.
    let reachability: PostgresReachability
    private let runner: Task<Void, Never>

    private init(client: PostgresClient, url: DatabaseURL, logger: Logger, timeout: Duration) {
        self.client = client
        self.url = url
        self.logger = logger
        self.timeout = timeout
        reachability = PostgresReachability { [url] in
            do {
                try await PostgresStore.probe(url, timeout: timeout)
                return nil
            } catch {
                return error as? StorageError ?? .unavailable("cannot reach PostgreSQL at \(url.endpoint)")
            }
        }
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Connects, checks the server answers, and migrates the schema. Throws
    /// `StorageError.unavailable` naming host and port when it cannot.
    public static func connect(_ url: DatabaseURL, timeout: Duration = .seconds(10),
                               logger: Logger = Logger(label: "nextraction.postgres")) async throws -> PostgresStore {
        try await probe(url, timeout: timeout)
        var configuration = PostgresClient.Configuration(host: url.host, port: url.port, username: url.user, password: url.password,
                                                         database: url.database, tls: try tls(for: url))
        configuration.options.maximumConnections = url.poolSize
        configuration.options.connectTimeout = timeout
        // The deadline holds on the server too: a statement or lock wait past it is cancelled
        // there (a query in flight cannot be cancelled from here), and a connection left idle
        // inside a transaction is closed, so no lock outlives its request.
        // (Idle in a transaction: at least a minute, so a starved client is not cut off.)
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(milliseconds)"), ("lock_timeout", "\(milliseconds)"),
            ("idle_in_transaction_session_timeout", "\(max(2 * milliseconds, 60_000))"),
        ]
        let store = PostgresStore(client: PostgresClient(configuration: configuration, backgroundLogger: logger), url: url,
                                  logger: logger, timeout: timeout)
        do {
            try await store.migrate()
        } catch {
            store.close()
            throw error
        }
        return store
    }

    /// Opens one connection and closes it: a wrong URL fails at once with the server's own
    /// reason ("database … does not exist", "password authentication failed", "connection
    /// refused") instead of a pool that keeps retrying.
    static func probe(_ url: DatabaseURL, timeout: Duration) async throws {
        var configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: url.password,
                                                             database: url.database, tls: .disable)
        if let tls = tlsConfiguration(for: url) {
            let context = try NIOSSLContext(configuration: tls)
            configuration.tls = url.tls == .prefer ? .prefer(context) : .require(context)
        }
        configuration.options.connectTimeout = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: quiet)
            try await connection.close()
        } catch let error as PSQLError {
            if let message = error.serverInfo?[.message] {
                throw StorageError.unavailable("PostgreSQL at \(url.endpoint) refused the connection: \(message)")
            }
            let detail = String(describing: error.underlying ?? error)
            let reason = detail.contains("Connection refused") ? "connection refused"
                : detail.contains("timed out") || detail.contains("Timeout") ? "timed out" : detail
            throw StorageError.unavailable("cannot connect to PostgreSQL at \(url.endpoint): \(reason)")
        } catch {
            throw StorageError.unavailable("cannot connect to PostgreSQL at \(url.endpoint): \(error)")
        }
    }

    /// Ends the connection pool; later calls fail.
    public func close() { runner.cancel() }

    /// The TLS settings `sslmode` asks for (nil: no TLS). libpq's prefer and require encrypt
    /// without verifying the certificate; verify-full checks it against the system's CAs.
    static func tlsConfiguration(for url: DatabaseURL) -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch url.tls {
        case .disable: return nil
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyFull: break
        }
        return configuration
    }

    static func tls(for url: DatabaseURL) throws -> PostgresClient.Configuration.TLS {
        guard let configuration = tlsConfiguration(for: url) else { return .disable }
        return url.tls == .prefer ? .prefer(configuration) : .require(configuration)
    }

    // MARK: - Running queries

    /// Runs `body` within `limit` (default: `timeout`), mapping errors to `StorageError`; at
    /// once or after about a second when the server is known or found to be gone.
    ///
    /// A race, not a task group: a group waits for its cancelled child, and a query already
    /// sent (or a connection the server closed mid-transaction) may not answer cancellation,
    /// which would turn the deadline into a hang. The losing side is cancelled and left to
    /// finish on its own; the server-side timeouts (`connect`) end its statement there.
    func run<T: Sendable>(within limit: Duration? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = limit ?? self.timeout
        let endpoint = url.endpoint
        if let gone = reachability.knownUnreachable { throw gone }
        do {
            return try await Deadline.race(timeout, body, early: reachability.earlyCheck) {
                StorageError.unavailable("PostgreSQL at \(endpoint) did not answer within \(timeout)")
            }
        } catch {
            throw wrap(error)
        }
    }

    /// Rows of `query`.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await run { [client] in try await client.query(query).collect() }
    }

    /// Runs `query` for its effect.
    func execute(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }

    /// Runs `body` in a transaction (committed when it returns, rolled back when it throws).
    func transaction<T: Sendable>(within limit: Duration? = nil,
                                  _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await run(within: limit) { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Maps a postgres-nio error to a `StorageError` (the one place this happens for PostgreSQL).
    func wrap(_ error: any Error) -> StorageError {
        if let storage = error as? StorageError { return storage }
        if let transaction = error as? PostgresTransactionError {
            return wrap(transaction.closureError ?? transaction.beginError ?? transaction.commitError
                        ?? transaction.rollbackError ?? StorageError.database("transaction failed"))
        }
        if let psql = error as? PSQLError {
            if let state = psql.serverInfo?[.sqlState] {
                let message = psql.serverInfo?[.message] ?? state
                switch state {
                case "23505": return .duplicate(psql.serverInfo?[.constraintName] ?? "row")
                case "53100": return .full
                // statement_timeout and lock_timeout (see `connect`): too slow or too busy now.
                case "57014", "55P03": return .unavailable("PostgreSQL at \(url.endpoint) did not answer within \(timeout): \(message)")
                // Shutting down, too many connections, cannot connect now.
                case "57P01", "57P02", "57P03", "53300": return .unavailable("PostgreSQL at \(url.endpoint): \(message)")
                default: return .database(message)
                }
            }
            // No answer from the server: the connection failed or was closed.
            return .unavailable("cannot reach PostgreSQL at \(url.endpoint) (\(psql.code))")
        }
        if error is PostgresDecodingError { return .database("unexpected column type: \(error)") }
        if error is CancellationError { return .unavailable("the request was cancelled") }
        // The pool's own errors (circuit breaker open, shut down) are not public types.
        if String(reflecting: type(of: error)).contains("ConnectionPoolError") {
            return .unavailable("cannot reach PostgreSQL at \(url.endpoint)")
        }
        return .database(String(describing: error))
    }
}

extension PostgresStore: StoreHealth {
    /// Within 3 seconds: a readiness probe must answer before the load balancer gives up.
    public func ping() async -> Bool {
        let rows = try? await run(within: .seconds(3)) { [client] in try await client.query("SELECT 1").collect() }
        return (try? rows?.first?.decode(Int.self)) == 1
    }

    public func operationalCounts() async throws -> (queuedJobs: Int, runningJobs: Int, chunks: Int) {
        let row = try await rows("""
            SELECT (SELECT count(*) FROM job WHERE status = 'queued'), (SELECT count(*) FROM job WHERE status = 'running'),
                   (SELECT chunks FROM lexical_stat WHERE id = 1)
            """).first
        let (queued, running, chunks) = try row?.decode((Int, Int, Int).self) ?? (0, 0, 0)
        return (queued, running, chunks)
    }
}

extension PostgresRow {
    /// The row's cells by column name.
    var named: PostgresRandomAccessRow { makeRandomAccess() }
}

extension PostgresRandomAccessRow {
    /// The value of `column`, decoded.
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}
