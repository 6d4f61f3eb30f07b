import Foundation

/// A throwaway PostgreSQL cluster for the tests that run on both backends.
///
/// Started on first use: `initdb` in a temporary folder (as the `postgres` system user when
/// the tests run as root, which PostgreSQL refuses), `pg_ctl start` on a free loopback port
/// with durability off (a test cluster holds nothing worth an fsync), and stopped by its PID
/// when the test process exits (`make test` also stops any cluster a crashed run left). Each
/// test gets a database of its own (`freshDatabaseURL`). `NEX_TEST_POSTGRES_URL`
/// (`postgres://user@host:port`) uses an existing server instead.
public enum TestPostgres {
    /// `postgres://user@127.0.0.1:port` of the running cluster.
    public static func serverURL() async throws -> String { try await cluster.get() }

    /// A new, empty database on the test cluster, as a `NEX_DATABASE_URL`.
    public static func freshDatabaseURL() async throws -> String {
        let server = try await serverURL()
        let name = "nex_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        try psql(server, database: "postgres", "CREATE DATABASE \(name)")
        return "\(server)/\(name)"
    }

    /// Runs `sql` with psql against `database`.
    @discardableResult
    public static func psql(_ server: String, database: String, _ sql: String) throws -> String {
        guard let psql = binary("psql") else { throw TestPostgresError.notInstalled }
        let (status, output) = try runProgram(psql, ["\(server)/\(database)", "-v", "ON_ERROR_STOP=1", "-X", "-q", "-t", "-A", "-c", sql])
        guard status == 0 else { throw TestPostgresError.command("psql -c \(sql)", output) }
        return output
    }

    /// The running cluster's postmaster PID (to stop and restart it in outage tests).
    public static var postmasterPID: pid_t? { lock.withLock { state?.pid } }

    /// Stops the cluster (fast shutdown) and waits until it is gone; `restart` brings it back
    /// on the same port and data.
    public static func stop() throws {
        guard let state = lock.withLock({ state }) else { return }
        kill(state.pid, SIGINT)
        guard waitUntilGone(state.pid, seconds: 60) else { throw TestPostgresError.command("stop", "postmaster \(state.pid) did not exit") }
    }

    public static func restart() throws {
        guard var state = lock.withLock({ state }) else { return }
        state.pid = try start(directory: state.directory, port: state.port)
        lock.withLock { Self.state = state }
    }

    // MARK: - The cluster

    struct State {
        var directory: String
        var port: Int
        var pid: pid_t
    }

    nonisolated(unsafe) static var state: State?
    static let lock = NSLock()
    static let cluster = OnceAsync { try launch() }

    static func launch() throws -> String {
        if let existing = ProcessInfo.processInfo.environment["NEX_TEST_POSTGRES_URL"], !existing.isEmpty { return existing }
        guard binary("initdb") != nil, binary("pg_ctl") != nil else { throw TestPostgresError.notInstalled }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try run(["/usr/bin/chown", "postgres:", directory], asPostgres: false) }
        try run([binary("initdb")!, "-D", directory + "/data", "-A", "trust", "-U", "nex", "--no-sync", "-E", "UTF8", "--locale=C"], asPostgres: true)
        let port = try ServerProcess.freePort()
        let pid = try start(directory: directory, port: port)
        lock.withLock { state = State(directory: directory, port: port, pid: pid) }
        atexit { TestPostgres.shutdownAtExit() }
        return "postgres://nex@127.0.0.1:\(port)"
    }

    static func start(directory: String, port: Int) throws -> pid_t {
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            + "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB"
        try run([binary("pg_ctl")!, "-D", directory + "/data", "-o", options, "-l", directory + "/server.log", "-w", "-t", "120", "start"],
                asPostgres: true)
        let pidFile = (try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)) ?? ""
        guard let pid = pidFile.split(separator: "\n").first.flatMap({ pid_t($0) }) else {
            throw TestPostgresError.command("pg_ctl start", "no postmaster.pid")
        }
        return pid
    }

    /// Stops the cluster by PID and removes its folder (registered with `atexit`).
    static func shutdownAtExit() {
        guard let state = lock.withLock({ state }) else { return }
        kill(state.pid, SIGQUIT)
        _ = waitUntilGone(state.pid, seconds: 20)
        try? FileManager.default.removeItem(atPath: state.directory)
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
                continuation.resume(with: self.result!)
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
