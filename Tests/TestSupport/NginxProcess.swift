import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// nginx with the repository's `deployment/nginx/nextraction.conf`, its two upstream
/// replicas pointed at loopback ports and its listener on a free one; started with
/// `posix_spawn` in the foreground, stopped by PID. The access log records which replica
/// served each request.
public final class NginxProcess: @unchecked Sendable {
    public static let binary = "/usr/sbin/nginx"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: binary) }
    public static let unavailableMessage = "needs nginx (Debian nginx; `make test` installs it)"

    public let pid: pid_t
    public let port: Int
    public let directory: TemporaryDirectory
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init(replicaPorts: [Int]) async throws {
        let directory = try TemporaryDirectory(prefix: "nginx")
        let port = try ServerProcess.freePort()
        var site = try String(contentsOfFile: BuildProducts.repositoryRoot.appendingPathComponent("deployment/nginx/nextraction.conf").path,
                              encoding: .utf8)
        for (index, replica) in replicaPorts.enumerated() {
            site = site.replacingOccurrences(of: "server replica-\(index + 1):8000", with: "server 127.0.0.1:\(replica)")
        }
        site = site.replacingOccurrences(of: "listen 80;", with: "listen 127.0.0.1:\(port);")
        try site.write(toFile: directory.appending("site.conf"), atomically: true, encoding: .utf8)
        let main = """
            worker_processes 1;
            pid \(directory.appending("nginx.pid"));
            error_log \(directory.appending("error.log"));
            events { worker_connections 256; }
            http {
                log_format upstream '$request_method $uri $status $upstream_addr';
                access_log \(directory.appending("access.log")) upstream;
                client_body_temp_path \(directory.path);
                proxy_temp_path \(directory.path);
                include \(directory.appending("site.conf"));
            }
            """
        try main.write(toFile: directory.appending("nginx.conf"), atomically: true, encoding: .utf8)
        pid = try ServerProcess.spawn(arguments: [Self.binary, "-c", directory.appending("nginx.conf"), "-p", directory.path, "-g", "daemon off;"],
                                      environment: ProcessInfo.processInfo.environment, logPath: directory.appending("stderr.log"))
        self.port = port
        self.directory = directory
        // Until it accepts connections (polling a condition while it starts).
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? Self.connects(port: port)) == true { return }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw ServerProcessError.exited(status: status, log: (try? String(contentsOfFile: directory.appending("stderr.log"), encoding: .utf8)) ?? "")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ServerProcessError.notReady(log: (try? String(contentsOfFile: directory.appending("error.log"), encoding: .utf8)) ?? "")
    }

    deinit { stop() }

    public func stop() {
        guard kill(pid, 0) == 0 else { return }
        kill(pid, SIGQUIT)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The access log: one line per request, `METHOD URI STATUS UPSTREAM(S)`.
    public var accessLog: [String] {
        ((try? String(contentsOfFile: directory.appending("access.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static func connects(port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
