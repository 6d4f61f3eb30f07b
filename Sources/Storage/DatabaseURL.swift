import Foundation

/// A PostgreSQL connection URL (`postgres://user:password@host:port/database?sslmode=require`),
/// parsed once. `description` masks the password: it is what logs and errors show.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS (libpq's `sslmode` names).
    public enum TLSMode: String, Sendable {
        /// No TLS (the default for loopback hosts and Unix sockets).
        case disable
        /// TLS when the server offers it (libpq's default elsewhere).
        case prefer
        /// TLS or no connection; the certificate is not verified (libpq's `require`).
        case require
        /// TLS with the certificate verified against the system's CAs and the host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Connections in the pool (`?pool=N`).
    public var poolSize: Int
    /// The URL as given, password included: for a child process's environment only, never
    /// for a log or a message (`description` masks it).
    public let connectionString: String

    /// Parses `text`; throws `StorageError.invalidURL` naming what is wrong (never the password).
    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw StorageError.invalidURL("a postgres://user:password@host:port/database URL")
        }
        guard let host = components.host, !host.isEmpty else { throw StorageError.invalidURL("the URL names no host") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw StorageError.invalidURL("the URL names no database (…/NAME)") }
        guard let user = components.user, !user.isEmpty else { throw StorageError.invalidURL("the URL names no user (postgres://USER@…)") }
        self.connectionString = text
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        if let mode = query["sslmode"] {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw StorageError.invalidURL("sslmode must be disable, prefer, require or verify-full")
            }
            tls = parsed
        } else {
            tls = ["localhost", "127.0.0.1", "::1"].contains(host) ? .disable : .prefer
        }
        if let pool = query["pool"] {
            guard let size = Int(pool), (1...200).contains(size) else { throw StorageError.invalidURL("pool must be 1 to 200") }
            poolSize = size
        } else {
            poolSize = 10
        }
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(endpoint)/\(database)"
    }

    /// `host:port`, as errors name the server.
    public var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
