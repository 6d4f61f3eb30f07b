import Foundation
import TestSupport
import Testing

/// The web UI in real headless Chromium, driven by Selenium (`Tests/Browser/browser_test.py`)
/// against a real server process and the fixture site: register, sign in, ingest with a live
/// progress bar, ask with a cited answer, hostile page text shown as text, collections,
/// logout. Screenshots go to `.build/screenshots/`.
///
/// Needs Debian's `chromium` and `chromium-driver` and the Selenium venv that `make test`
/// creates (`.build/venv-browser`); without them the test is skipped with that message.
@Suite("Web UI in a real browser")
struct BrowserUITests {
    static let python = BuildProducts.repositoryRoot.appendingPathComponent(".build/venv-browser/bin/python").path
    static let available = FileManager.default.isExecutableFile(atPath: python)
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")

    @Test("register, ingest with live progress, ask with citations, XSS stays text, delete, log out",
          .enabled(if: available, "needs chromium, chromium-driver and .build/venv-browser (run `make test`)"))
    func browserFlow() async throws {
        let site = try await FixtureSite()
        let data = try TemporaryDirectory(prefix: "browser")
        let server = try await ServerProcess(dataDirectory: data.path, environment: [
            "NEX_MODEL_DIR": TestModel.directory, "NEX_ALLOW_PRIVATE_HOSTS": "1", "NEX_CRAWL_DELAY": "0",
            "NEX_WEB_DIR": BuildProducts.repositoryRoot.appendingPathComponent("Web").path, "NEX_LOG_LEVEL": "info",
        ])
        defer { server.stop() }
        let script = BuildProducts.repositoryRoot.appendingPathComponent("Tests/Browser/browser_test.py").path
        let shots = BuildProducts.repositoryRoot.appendingPathComponent(".build/screenshots").path
        let run = try runProgram(Self.python, [script, "--base", server.baseURL, "--site", site.baseURL, "--shots", shots])
        #expect(run.status == 0, "\(run.output)\n--- server log ---\n\(server.log.suffix(4000))")
        #expect(run.output.contains("all steps passed"), "\(run.output)")
        for name in ["ask-1280x800.png", "ask-375x800.png"] {
            #expect(FileManager.default.fileExists(atPath: (shots as NSString).appendingPathComponent(name)))
        }
    }
}
