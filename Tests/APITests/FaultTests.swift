import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Failures a server meets in production, against the real `nextraction serve` process:
/// killed mid-plan, stopped mid-stream, backed up while it ingests.
@Suite("Faults and backups", .serialized)
struct FaultTests {
    static let environment = [
        "NEX_MODEL_DIR": TestModel.directory, "NEX_ALLOW_PRIVATE_HOSTS": "1", "NEX_CRAWL_DELAY": "0", "NEX_FETCH_TIMEOUT": "900",
    ]

    @Test("a backup made while an ingest runs is consistent: a server on it (and on a restore of it) answers the same, with the same tokens")
    func backupWhileIngesting() async throws {
        let site = try await FixtureSite()
        defer { site.stop() }
        let data = try TemporaryDirectory(prefix: "backup-live")
        let server = try await ServerProcess(dataDirectory: data.path, environment: Self.environment)
        defer { server.stop() }
        let api = try await APIClient(baseURL: server.baseURL).registered(email: "backup@example.com")
        let first = try #require(try await api.post("/ingest", json: ["url": site.baseURL + "/", "collection": "garden", "max_pages": 30,
                                                                      "max_depth": 2]).string("job_id"))
        #expect(try await waitForJob(api, first).string("status") == "completed")
        let question: [String: any Sendable] = ["question": "When should roses be pruned?", "collection": "garden"]
        let before = try await api.post("/ask", json: question)
        #expect(before.status == 200)

        // A second ingest is mid-way (the site holds its pages) while the backup runs.
        try await site.control("/__reset")
        try await site.hold(prefix: "/topics/", after: 3)
        let second = try #require(try await api.post("/ingest", json: ["url": site.baseURL + "/", "collection": "more", "max_pages": 30,
                                                                       "max_depth": 2]).string("job_id"))
        try await site.waitUntilHolding()
        let backup = try TemporaryDirectory(prefix: "backup-copy")
        let destination = backup.appending("copy")
        let made = try runCLI(["backup", destination, "--data-dir", data.path], environment: Self.environment)
        #expect(made.status == 0, "\(made.output)")
        #expect(made.output.contains("integrity ok"), "\(made.output)")
        #expect(try runCLI(["backup", destination, "--data-dir", data.path], environment: Self.environment).status != 0)  // not empty
        try await site.release()
        #expect(try await waitForJob(api, second).string("status") == "completed")

        // The copy is self-consistent and answers as the original did, to the same token.
        let status = try runCLI(["index", "status", "--data-dir", destination], environment: Self.environment)
        #expect(status.status == 0 && status.output.contains("garden") && !status.output.contains("NO"), "\(status.output)")
        try await expectSameAnswer(dataDirectory: destination, token: api.token, question: question, as: before)

        // Restore into a new folder; a second restore without --force is refused.
        let restored = backup.appending("restored")
        let restore = try runCLI(["restore", destination, "--data-dir", restored], environment: Self.environment)
        #expect(restore.status == 0, "\(restore.output)")
        #expect(try runCLI(["restore", destination, "--data-dir", restored], environment: Self.environment).status != 0)
        try await expectSameAnswer(dataDirectory: restored, token: api.token, question: question, as: before)
    }

    func expectSameAnswer(dataDirectory: String, token: String?, question: [String: any Sendable], as before: APIClient.Reply) async throws {
        let server = try await ServerProcess(dataDirectory: dataDirectory, environment: Self.environment)
        defer { server.stop() }
        let api = try APIClient(baseURL: server.baseURL, token: token)
        #expect(try await api.get("/auth/me").string("email") == "backup@example.com")
        let after = try await api.post("/ask", json: question)
        #expect(after.string("answer") == before.string("answer"), "\(after.text)")
        #expect(after.value("sources.0.url") as? String == before.value("sources.0.url") as? String)
    }

    @Test("a server killed with SIGKILL mid-plan: the restarted server resumes the execution (its step asked again), the reservation stays with it")
    func killMidPlan() async throws {
        let silent = try SilentListener()
        let data = try TemporaryDirectory(prefix: "kill-plan")
        var environment = Self.environment
        environment["NEX_LLM_BASE_URL"] = "http://127.0.0.1:\(silent.port)/v1"
        environment["NEX_LLM_MODEL"] = "never-answers"
        environment["NEX_JOB_STALE_AFTER"] = "2s"
        var server = try await ServerProcess(dataDirectory: data.path, environment: environment)
        var api = try await APIClient(baseURL: server.baseURL).registered(email: "plan-kill@example.com")
        let plan: [String: any Sendable] = ["title": "Stuck", "steps": [["id": "a", "prompt": "Say hello."]]]
        let id = try #require(try await api.post("/execute", json: ["plan": plan, "workflow": "proto"]).string("execution_id"))
        // The step is running: its request reached the provider, which never answers.
        let deadline = Date().addingTimeInterval(120)
        while silent.connections == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }   // polling a condition
        #expect(try await api.get("/executions/\(id)").string("status") == "running")
        server.stop(signal: SIGKILL)
        let before = silent.connections

        server = try await ServerProcess(dataDirectory: data.path, environment: environment)
        defer { server.stop() }
        api = try APIClient(baseURL: server.baseURL, token: api.token)
        // Once the dead server's heartbeat is stale, the new one claims the execution and runs its step again.
        while silent.connections == before, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }   // polling a condition
        #expect(silent.connections > before)
        #expect(server.log.contains("resuming an execution its server left"), "\(server.log)")
        #expect(try await api.get("/executions/\(id)").string("status") == "running")
        #expect(try await api.get("/quota").value("used") as? Int == 1)   // still reserved: the execution may yet succeed
    }

    @Test("SIGTERM during a streaming LLM /ask ends the stream properly and the server exits cleanly at once")
    func sigtermDuringStream() async throws {
        let site = try await FixtureSite()
        defer { site.stop() }
        let silent = try SilentListener()
        let data = try TemporaryDirectory(prefix: "sigterm-stream")
        var environment = Self.environment
        environment["NEX_LLM_BASE_URL"] = "http://127.0.0.1:\(silent.port)/v1"
        environment["NEX_LLM_MODEL"] = "never-answers"
        environment["NEX_SHUTDOWN_GRACE"] = "3s"
        let server = try await ServerProcess(dataDirectory: data.path, environment: environment)
        let api = try await APIClient(baseURL: server.baseURL).registered(email: "stream@example.com")
        let job = try #require(try await api.post("/ingest", json: ["url": site.baseURL + "/", "collection": "garden", "max_pages": 10,
                                                                    "max_depth": 1]).string("job_id"))
        #expect(try await waitForJob(api, job).string("status") == "completed")

        // The stream starts (its sources come first), then waits for an LLM that never answers.
        let stream = Task { try await api.post("/ask", json: ["question": "When should roses be pruned?", "collection": "garden", "stream": true]) }
        let deadline = Date().addingTimeInterval(120)
        while silent.connections == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }   // polling a condition
        let stopped = Date()
        let status = server.stop(signal: SIGTERM)
        let reply = try await stream.value
        #expect(status == 0, "exit status \(status)\n\(server.log.suffix(3000))")
        #expect(Date().timeIntervalSince(stopped) < 60, "shutdown took \(Date().timeIntervalSince(stopped)) s")
        #expect(reply.status == 200)
        // The LLM call is cancelled at once; the stream still ends properly: with the
        // extractive answer (the usual fallback when the model fails) or an error event.
        let ended = reply.text.contains("event: done") && reply.text.contains("\"mode\":\"extractive\"") || reply.text.contains("event: error")
        #expect(ended, "the stream ends with an event: \(reply.text)")
    }
}

extension FaultTests {
    /// Whether a small tmpfs can be mounted here (root with the right to mount: CI runs as
    /// root; a container without that right, or a user account, skips the test). Probed once.
    static let canMount: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/mount"),
              let probe = try? TemporaryDirectory(prefix: "mount-probe"),
              let mounted = try? runProgram("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path]),
              mounted.status == 0 else { return false }
        _ = try? runProgram("/usr/bin/umount", [probe.path])
        return true
    }()

    @Test("a full disk fails the ingest with a clear error, the server keeps answering, and nothing is corrupt once space returns",
          .enabled(if: FaultTests.canMount, "needs the right to mount a small tmpfs (root outside a restricted container)"))
    func diskFull() async throws {
        let site = try await FixtureSite()
        defer { site.stop() }
        let mountPoint = try TemporaryDirectory(prefix: "disk-full")
        let mounted = try runProgram("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", mountPoint.path])
        try #require(mounted.status == 0, "\(mounted.output)")
        defer { _ = try? runProgram("/usr/bin/umount", ["-l", mountPoint.path]) }
        let data = mountPoint.appending("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let server = try await ServerProcess(dataDirectory: data, environment: Self.environment)
        defer { server.stop() }
        let api = try await APIClient(baseURL: server.baseURL).registered(email: "full@example.com")
        let first = try #require(try await api.post("/ingest", json: ["url": site.baseURL + "/topics/roses", "collection": "garden",
                                                                      "max_pages": 3, "max_depth": 0]).string("job_id"))
        #expect(try await waitForJob(api, first).string("status") == "completed")
        let question: [String: any Sendable] = ["question": "When should roses be pruned?", "collection": "garden"]
        let before = try await api.post("/ask", json: question)

        // Fill the disk but for a few KiB, then ingest more.
        let filler = mountPoint.appending("filler")
        _ = try runProgram("/usr/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=64k"])   // runs until the disk is full
        _ = try runProgram("/usr/bin/truncate", ["-s", "-16K", filler])
        // Either the job cannot even be queued (507), or it runs and fails saying why.
        let submitted = try await api.post("/ingest", json: ["url": site.baseURL + "/", "collection": "more", "max_pages": 30, "max_depth": 2])
        if let second = submitted.string("job_id") {
            let failed = try await waitForJob(api, second)
            #expect(failed.string("status") == "failed", "\(failed.text)")
            let reason = failed.string("error") ?? ""
            #expect(reason.contains("full") || reason.contains("space"), "\(failed.text)")
        } else {
            #expect(submitted.status == 507 && submitted.errorCode == "storage_full", "\(submitted.text)")
        }
        // The server still answers from what it has, the same as before.
        let during = try await api.post("/ask", json: question)
        #expect(during.status == 200 && during.string("answer") == before.string("answer"), "\(during.text)")

        // Space comes back: the database is sound, the index matches it, ingests work again.
        try FileManager.default.removeItem(atPath: filler)
        let again = try #require(try await api.post("/ingest", json: ["url": site.baseURL + "/", "collection": "more", "max_pages": 30,
                                                                      "max_depth": 2]).string("job_id"))
        #expect(try await waitForJob(api, again).string("status") == "completed")
        server.stop()
        let status = try runCLI(["index", "status", "--data-dir", data], environment: Self.environment)
        #expect(status.status == 0 && status.output.contains("more") && !status.output.contains("NO"), "\(status.output)")
        let check = try runProgram("/usr/bin/sqlite3", [data + "/nextraction.sqlite", "PRAGMA integrity_check"])
        #expect(check.output.trimmingCharacters(in: .whitespacesAndNewlines) == "ok" || check.status != 0, "\(check.output)")
    }
}

/// A TCP port that accepts connections and never answers: an LLM provider that hangs (a
/// real server cannot be made to hang on demand). Counts the connections it holds.
final class SilentListener: @unchecked Sendable {
    let port: Int
    private let socketFD: Int32
    private let lock = NSLock()
    private var held: [Int32] = []

    init() throws {
        let (fd, port) = try ServerProcess.bindLoopback()
        guard listen(fd, 64) == 0 else {
            close(fd)
            throw ServerProcessError.notReady(log: "cannot listen on a loopback port")
        }
        socketFD = fd
        self.port = port
        Thread.detachNewThread { [weak self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0, let self else { return }
                self.lock.withLock { self.held.append(client) }
            }
        }
    }

    /// Connections accepted so far (each is a request that will never be answered).
    var connections: Int { lock.withLock { held.count } }

    deinit {
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
        for client in held { close(client) }
    }
}
