import Foundation
import Storage
import TestSupport
import Testing

/// The command line as a user meets it: its messages, exit codes and output in a log file.
@Suite("Command line")
struct CommandLineTests {
    static let environment = ["NEX_BCRYPT_COST": "4", "NEX_MODEL_DIR": TestModel.directory]

    @Test("an invalid value found while a command runs is one line with exit 64, without the root usage")
    func validation() throws {
        let data = try TemporaryDirectory(prefix: "cli-validation")
        let bad = try runCLI(["user", "create", "--email", "not-an-email", "--data-dir", data.path], stdin: "a password 1\n")
        #expect(bad.status == 64 && bad.output.contains("Error: email is not a valid address"), "\(bad.output)")
        #expect(!bad.output.contains("Usage: nextraction <subcommand>"), "\(bad.output)")
        // A parse error still shows the usage of the subcommand it concerns.
        let unknown = try runCLI(["key", "create", "--no-such-flag"])
        #expect(unknown.status == 64 && unknown.output.contains("Usage: nextraction key create"), "\(unknown.output)")
    }

    @Test("reading commands run away from a data folder say where they looked and create nothing; index status needs no model")
    func missingData() throws {
        let parent = try TemporaryDirectory(prefix: "cli-elsewhere")
        let nowhere = parent.appending("Data")
        let status = try runCLI(["index", "status", "--data-dir", nowhere], environment: ["NEX_MODEL_DIR": parent.appending("no-model")])
        #expect(status.status == 1 && status.output.contains("no database in \(nowhere)"), "\(status.output)")
        #expect(!FileManager.default.fileExists(atPath: nowhere))
        let asked = try runCLI(["ask", "anything", "--data-dir", nowhere], environment: Self.environment)
        #expect(asked.status == 1 && asked.output.contains("no database in"), "\(asked.output)")
    }

    @Test("ask: a missing collection names the existing ones; not found in the pages exits 3; --set applies; index status works without the model")
    func ask() async throws {
        let built = try await CrawledSite.garden.build()
        let data = built.directory
        let owner = ["--user", "alice@example.com", "--data-dir", data]
        let missing = try runCLI(["ask", "When should roses be pruned?", "--collection", "gardn"] + owner, environment: Self.environment)
        #expect(missing.status == 1 && missing.output.contains("its collections are garden"), "\(missing.output)")
        let answered = try runCLI(["ask", "When is the best time of year to cut back rose bushes?", "--collection", "garden"] + owner,
                                  environment: Self.environment)
        #expect(answered.status == 0 && answered.output.contains("late winter"), "\(answered.output)")
        // --set applies to this run: no passage can be that similar, so the same question is not answered.
        let strict = try runCLI(["ask", "When is the best time of year to cut back rose bushes?", "--collection", "garden",
                                 "--set", "min_passage_similarity=2"] + owner, environment: Self.environment)
        #expect(strict.status == 3 && strict.output.contains("Not found"), "\(strict.output)")
        let notFound = try runCLI(["ask", "What is the capital city of Peru?", "--collection", "garden", "--json"] + owner,
                                  environment: Self.environment)
        #expect(notFound.status == 3 && notFound.output.contains("\"answerable\":false"), "\(notFound.output)")
        let status = try runCLI(["index", "status", "--data-dir", data], environment: ["NEX_MODEL_DIR": "/nonexistent"])
        #expect(status.status == 0 && status.output.contains("garden") && status.output.contains("yes"), "\(status.output)")
    }

    @Test("ingest into a log file: a line per update, never past the page limit, the summary last")
    func ingestLog() async throws {
        let site = try await FixtureSite()
        defer { site.stop() }
        let data = try TemporaryDirectory(prefix: "cli-ingest")
        #expect(try runCLI(["user", "create", "--email", "log@example.com", "--data-dir", data.path], stdin: "a password 1\n").status == 0)
        let run = try runCLI(["ingest", site.baseURL + "/", "--collection", "garden", "--max-pages", "6", "--delay", "0",
                              "--allow-private", "--data-dir", data.path], environment: Self.environment)
        #expect(run.status == 0, "\(run.output)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(!run.output.contains("\r") && !run.output.contains("\u{1B}["), "a log file gets plain lines")
        let progress = lines.compactMap { line -> (Int, Int)? in
            guard let match = line.firstMatch(of: /\] (\d+)\/(\d+) pages/) else { return nil }
            return (Int(match.1)!, Int(match.2)!)
        }
        #expect(!progress.isEmpty, "\(run.output)")
        #expect(progress.allSatisfy { $0.0 <= $0.1 && $0.1 <= 6 }, "\(progress)")
        #expect(lines.last?.hasPrefix("job ") == true && lines.dropLast().allSatisfy { !$0.hasPrefix("job ") }, "\(run.output)")
        // The collection remembers its source, so the server can re-sync it.
        let database = try AppDatabase.open(path: data.appending("nextraction.sqlite"))
        let owner = try #require(try database.user(email: "log@example.com")?.id)
        let collection = try #require(try database.collection(userID: owner, name: "garden")?.id)
        #expect(try database.sources(collectionID: collection).map(\.url) == [site.baseURL + "/"])
    }

    @Test("upload: unreadable files are named on stderr and left out, the others go in once; ask cites the file without repeating its title")
    func upload() throws {
        let data = try TemporaryDirectory(prefix: "cli-upload")
        #expect(try runCLI(["user", "create", "--email", "files@example.com", "--data-dir", data.path], stdin: "a password 1\n").status == 0)
        let image = data.appending("photo.md")
        try Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 1]).write(to: URL(fileURLWithPath: image))
        let notes = DocumentFixtures.directory.appendingPathComponent("pump-notes.md").path
        let first = try runCLI(["upload", notes, image, data.appending("missing.pdf"), "--collection", "plant", "--data-dir", data.path],
                               environment: Self.environment)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("photo.md: binary content of an unsupported type"), "\(first.output)")
        #expect(first.output.contains("missing.pdf: no such file"), "\(first.output)")
        #expect(first.output.contains("1 of 1 files read, 1 pages indexed"), "\(first.output)")
        let again = try runCLI(["upload", notes, "--collection", "plant", "--data-dir", data.path], environment: Self.environment)
        #expect(again.output.contains("0 pages indexed, 1 unchanged") && again.output.contains("0 chunks embedded"), "\(again.output)")
        let none = try runCLI(["upload", image, "--collection", "plant", "--data-dir", data.path], environment: Self.environment)
        #expect(none.status != 0 && none.output.contains("no file could be read"), "\(none.output)")
        let asked = try runCLI(["ask", "What is the flow rate of pump B?", "--collection", "plant", "--data-dir", data.path],
                               environment: Self.environment)
        #expect(asked.status == 0 && asked.output.contains("310 litres per second"), "\(asked.output)")
        #expect(asked.output.contains("[1] Tidewater Pump Station Notes › Tidewater Pump Station › Pump ratings\n    upload:pump-notes.md"),
                "\(asked.output)")
    }
}
