import Foundation
import HTTPKit

#if canImport(Glibc)
import Glibc
#endif

/// A real `nextraction serve` process on a loopback port, for tests that need a restart or a
/// kill. Spawned with `posix_spawn` and an empty signal mask (a child started by
/// `Foundation.Process` can inherit a blocked SIGTERM), stopped by PID.
public final class ServerProcess: @unchecked Sendable {
    public let pid: pid_t
    public let port: Int
    public let logPath: String
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server with `environment` added to this process's and waits until `/health`
    /// answers (at most `timeout` seconds).
    public init(dataDirectory: String, environment: [String: String] = [:], timeout: Double = 300) async throws {
        let port = try Self.freePort()
        let logPath = (dataDirectory as NSString).appendingPathComponent("server-\(port).log")
        var env = ProcessInfo.processInfo.environment
        env["NEX_LOG_LEVEL"] = env["NEX_LOG_LEVEL"] ?? "debug"
        env["NEX_BCRYPT_COST"] = env["NEX_BCRYPT_COST"] ?? "4"
        for (key, value) in environment { env[key] = value }
        let arguments = [BuildProducts.nextraction, "serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDirectory]
        self.pid = try Self.spawn(arguments: arguments, environment: env, logPath: logPath)
        self.port = port
        self.logPath = logPath
        try await waitUntilHealthy(timeout: timeout)
    }

    /// Starts `arguments` (a server command line as a deployment file writes it) with exactly
    /// `environment`, from `workingDirectory`, and waits until `/health` answers on `port`.
    public init(arguments: [String], environment: [String: String], port: Int, workingDirectory: String, logPath: String,
                timeout: Double = 300) async throws {
        // env(1) changes directory and execs the server, so the PID is the server's.
        self.pid = try Self.spawn(arguments: ["/usr/bin/env", "--chdir=\(workingDirectory)"] + arguments, environment: environment,
                                  logPath: logPath)
        self.port = port
        self.logPath = logPath
        try await waitUntilHealthy(timeout: timeout)
    }

    deinit { _ = stop(signal: SIGKILL) }

    /// Sends `signal` and waits for the process to exit; returns its wait status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard kill(pid, 0) == 0 else { return 0 }
        kill(pid, signal)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    /// The server's log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    private func waitUntilHealthy(timeout: Double) async throws {
        let client = try HTTPClient(userAgent: "nextraction-tests")
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw ServerProcessError.exited(status: status, log: log)
            }
            if let response = try? await client.execute(.init(url: "\(baseURL)/health", timeout: 2)), response.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))   // polling a condition, not timing
        }
        throw ServerProcessError.notReady(log: log)
    }

    static func spawn(arguments: [String], environment: [String: String], logPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // Nothing else of the test process: a server (a postmaster above all, which outlives
        // its pg_ctl) that inherited another test's pipe would hold it open, and that test's
        // read to end of file would never return (seen on a fresh clone: a hang).
        // (glibc's closefrom action is not visible to Swift: close each descriptor open now;
        // one closed meanwhile is ignored by posix_spawn.)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? []
        for descriptor in open where descriptor > 2 { posix_spawn_file_actions_addclose(&actions, descriptor) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else { throw ServerProcessError.spawnFailed(errno: result, path: arguments[0]) }
        return pid
    }

    /// A port that was free a moment ago (bind to 0, read it back, close).
    public static func freePort() throws -> Int {
        let (fd, port) = try bindLoopback()
        close(fd)
        return port
    }

    /// A TCP socket bound to 127.0.0.1 on a port the OS picked, and that port; the caller
    /// listens on it or closes it.
    public static func bindLoopback() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerProcessError.noPort }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(fd)
            throw ServerProcessError.noPort
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}

public enum ServerProcessError: Error, CustomStringConvertible {
    case spawnFailed(errno: Int32, path: String)
    case exited(status: Int32, log: String)
    case notReady(log: String)
    case noPort

    public var description: String {
        switch self {
        case .spawnFailed(let errno, let path): return "posix_spawn \(path) failed: errno \(errno)"
        case .exited(let status, let log): return "server exited with status \(status):\n\(log)"
        case .notReady(let log): return "server did not become healthy:\n\(log)"
        case .noPort: return "no free port"
        }
    }
}
