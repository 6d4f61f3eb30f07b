import Foundation

/// The throwaway PostgreSQL cluster most tests share, started on first use (see
/// `PostgresCluster`). `NEX_TEST_POSTGRES_URL` (`postgres://user@host:port`) uses an existing
/// server instead.
public enum TestPostgres {
    /// `postgres://user@127.0.0.1:port` of the shared cluster.
    public static func serverURL() async throws -> String {
        if let existing = ProcessInfo.processInfo.environment["NEX_TEST_POSTGRES_URL"], !existing.isEmpty { return existing }
        return try await shared.get().serverURL
    }

    /// A new, empty database on the shared cluster, as a `NEX_DATABASE_URL`.
    public static func freshDatabaseURL() async throws -> String {
        try PostgresCluster.createDatabase(on: try await serverURL())
    }

    static let shared = OnceAsync { () throws -> PostgresCluster in
        let cluster = try PostgresCluster()
        atexit { TestPostgres.stopSharedAtExit() }
        sharedCluster.withLock { $0 = cluster }
        return cluster
    }
    static let sharedCluster = Locked<PostgresCluster?>(nil)

    static func stopSharedAtExit() {
        sharedCluster.withLock { $0 }?.shutdown()
    }
}

/// A PostgreSQL cluster of the tests' own: `initdb` in a temporary folder (as the `postgres`
/// system user when the tests run as root, which PostgreSQL refuses), started on a free
/// loopback port with durability off (a test cluster holds nothing worth an fsync), stopped by
/// its PID. `make test` also stops any cluster a crashed run left (`nex-pg-*` folders).
public final class PostgresCluster: @unchecked Sendable {
    public let directory: String
    public let port: Int
    private let state = Locked<pid_t?>(nil)

    /// `postgres://nex@127.0.0.1:port` (trust authentication on loopback).
    public var serverURL: String { "postgres://nex@127.0.0.1:\(port)" }

    /// `requireTLS`: the cluster gets a self-signed certificate and accepts TCP connections
    /// over TLS only (`hostssl` in pg_hba.conf).
    public let requireTLS: Bool

    public init(requireTLS: Bool = false) throws {
        self.requireTLS = requireTLS
        guard Self.binary("initdb") != nil, Self.binary("pg_ctl") != nil else { throw TestPostgresError.notInstalled }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try Self.run(["/usr/bin/chown", "postgres:", directory], asPostgres: false) }
        try Self.run([Self.binary("initdb")!, "-D", directory + "/data", "-A", "trust", "-U", "nex", "--no-sync", "-E", "UTF8",
                      "--locale=C"], asPostgres: true)
        if requireTLS {
            let data = directory + "/data"
            try Self.run(["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                          "-keyout", data + "/server.key", "-out", data + "/server.crt"], asPostgres: true)
            try Self.run(["/bin/chmod", "600", data + "/server.key"], asPostgres: true)
            let hba = "local all all trust\nhostssl all all 127.0.0.1/32 trust\n"
            try Self.run(["/bin/sh", "-c", "printf '\(hba)' > \(data)/pg_hba.conf"], asPostgres: true)
        }
        port = try ServerProcess.freePort()
        try start()
    }

    deinit { shutdown() }

    /// Starts (or restarts) the postmaster on the same port and data.
    public func start() throws {
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            + "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB" + (requireTLS ? " -c ssl=on" : "")
        try Self.run([Self.binary("pg_ctl")!, "-D", directory + "/data", "-o", options, "-l", directory + "/server.log", "-w", "-t", "120",
                      "start"], asPostgres: true)
        let pidFile = (try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)) ?? ""
        guard let pid = pidFile.split(separator: "\n").first.flatMap({ pid_t($0) }) else {
            throw TestPostgresError.command("pg_ctl start", "no postmaster.pid")
        }
        state.withLock { $0 = pid }
    }

    /// Stops the postmaster by PID (fast shutdown: connections are cut) and waits until it is gone.
    public func stop() throws {
        guard let pid = state.withLock({ current -> pid_t? in defer { current = nil }; return current }) else { return }
        kill(pid, SIGINT)
        guard Self.waitUntilGone(pid, seconds: 60) else { throw TestPostgresError.command("stop", "postmaster \(pid) did not exit") }
    }

    /// Stops the cluster (immediately) and removes its folder.
    public func shutdown() {
        if let pid = state.withLock({ current -> pid_t? in defer { current = nil }; return current }) {
            kill(pid, SIGQUIT)
            _ = Self.waitUntilGone(pid, seconds: 20)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A new, empty database on the server at `server`, as a `NEX_DATABASE_URL`.
    public static func createDatabase(on server: String) throws -> String {
        let name = "nex_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        guard let psql = binary("psql") else { throw TestPostgresError.notInstalled }
        let (status, output) = try runProgram(psql, ["\(server)/postgres", "-v", "ON_ERROR_STOP=1", "-X", "-q", "-c", "CREATE DATABASE \(name)"])
        guard status == 0 else { throw TestPostgresError.command("CREATE DATABASE", output) }
        return "\(server)/\(name)"
    }

    /// The output of `sql` run with psql on `url` (unaligned, tuples only).
    public static func psql(_ url: String, _ sql: String) throws -> String {
        guard let psql = binary("psql") else { throw TestPostgresError.notInstalled }
        let (status, output) = try runProgram(psql, [url, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-t", "-A", "-c", sql])
        guard status == 0 else { throw TestPostgresError.command("psql -c \(sql)", output) }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func waitUntilGone(_ pid: pid_t, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if kill(pid, 0) != 0 && errno == ESRCH { return true }
            usleep(50_000)
        }
        return false
    }

    /// Runs a command to completion with its output in a file. posix_spawn with a reset
    /// signal mask (`ServerProcess.spawn`), not Foundation's Process: the postmaster that
    /// `pg_ctl start` leaves behind must not inherit the test process's blocked signals (it
    /// would ignore the stop), nor hold a pipe a reader waits on.
    static func run(_ arguments: [String], asPostgres: Bool) throws {
        let command = asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("nex-pg-command-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let pid = try ServerProcess.spawn(arguments: command, environment: ProcessInfo.processInfo.environment, logPath: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TestPostgresError.command(arguments.joined(separator: " "), text)
        }
    }

    /// A PostgreSQL program: on PATH, or in Debian's versioned folder.
    static func binary(_ name: String) -> String? {
        var candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin/\(name)" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A value computed once, by the first caller; the others wait for it (a failure is kept too).
final class OnceAsync<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Value, any Error>?
    private let make: @Sendable () throws -> Value

    init(_ make: @escaping @Sendable () throws -> Value) { self.make = make }

    func get() async throws -> Value {
        // Starting a cluster blocks for seconds: on a thread of its own, not the test pool's.
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                self.lock.lock()
                defer { self.lock.unlock() }
                if self.result == nil { self.result = Result { try self.make() } }
                if let result = self.result { continuation.resume(with: result) }
            }
        }
    }
}

public enum TestPostgresError: Error, CustomStringConvertible {
    case notInstalled
    case command(String, String)

    public var description: String {
        switch self {
        case .notInstalled: return "PostgreSQL is not installed (`make test` installs Debian's postgresql-15)"
        case .command(let command, let output): return "\(command) failed: \(output)"
        }
    }
}
