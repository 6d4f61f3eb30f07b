import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Tests against the real `nextraction serve` binary, started and stopped as a process.
@Suite("Server process")
struct ServerProcessTests {
    @Test("a revoked token stays revoked after the server restarts; the secret, the database and its folders are private (0600/0700)")
    func revocationSurvivesRestart() async throws {
        let data = try TemporaryDirectory()
        let first = try await ServerProcess(dataDirectory: data.path)
        let api = try APIClient(baseURL: first.baseURL)
        let session = try await api.registered(email: "restart@example.com")
        let keep = try await api.post("/auth/login", json: ["email": "restart@example.com", "password": "correct horse battery"])
        let kept = try #require(keep.string("token"))
        #expect(try await session.post("/auth/logout").status == 204)
        let status = first.stop(signal: SIGTERM)
        #expect(status == 0, "graceful shutdown on SIGTERM exits cleanly:\n\(first.log)")

        let attributes = try FileManager.default.attributesOfItem(atPath: data.appending("jwt_secret"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // Nothing the server wrote is readable by group or others: database, WAL, folders
        // (the folder itself and the log are the test's).
        func exposed() throws -> [String] {
            let paths = (FileManager.default.enumerator(atPath: data.path)?.compactMap { $0 as? String } ?? []).map(data.appending)
            return try paths.filter { path in
                let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? 0o777
                return mode & 0o077 != 0 && !path.hasSuffix(".log")
            }
        }
        #expect(FileManager.default.fileExists(atPath: data.appending("nextraction.sqlite")))
        let leaks = try exposed()
        #expect(leaks.isEmpty, "\(leaks)")
        // A database left readable by an older version is made private on open.
        chmod(data.appending("nextraction.sqlite"), 0o644)

        let second = try await ServerProcess(dataDirectory: data.path)
        defer { second.stop() }
        let leaksAfter = try exposed()
        #expect(leaksAfter.isEmpty, "\(leaksAfter)")
        let again = try APIClient(baseURL: second.baseURL)
        #expect(try await again.get("/auth/me", token: session.token).status == 401)
        // The other token was signed with the persisted secret and is still valid.
        #expect(try await again.get("/auth/me", token: kept).string("email") == "restart@example.com")
    }

    @Test("`user create` reads the password from stdin and the account can log in; `user list` shows it")
    func cliUsers() async throws {
        let data = try TemporaryDirectory()
        let created = try runCLI(["user", "create", "--email", "cli@example.com", "--data-dir", data.path], stdin: "cli password 1\n")
        #expect(created.status == 0, "\(created.output)")
        #expect(created.output.contains("cli@example.com"))
        let duplicate = try runCLI(["user", "create", "--email", "CLI@example.com", "--data-dir", data.path], stdin: "cli password 1\n")
        #expect(duplicate.status != 0)
        let short = try runCLI(["user", "create", "--email", "x@example.com", "--data-dir", data.path], stdin: "short\n")
        #expect(short.status != 0)
        #expect(short.output.contains("at least 8"))
        let list = try runCLI(["user", "list", "--data-dir", data.path])
        #expect(list.output.contains("cli@example.com"))
        #expect(!list.output.contains("x@example.com"))

        let server = try await ServerProcess(dataDirectory: data.path)
        defer { server.stop() }
        let api = try APIClient(baseURL: server.baseURL)
        #expect(try await api.post("/auth/login", json: ["email": "cli@example.com", "password": "cli password 1"]).status == 200)
    }

    @Test("--version and --help describe the tool")
    func help() throws {
        #expect(try runCLI(["--version"]).output.contains("0."))
        let help = try runCLI(["--help"]).output
        #expect(help.contains("serve") && help.contains("user"))
    }
}

