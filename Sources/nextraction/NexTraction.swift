import ArgumentParser
import Foundation
import NexNumerics

#if canImport(Glibc)
import Glibc
#endif

/// The `nextraction` command: server, ingestion, questions, index maintenance, evaluation
/// and benchmarks. One subcommand per file.
@main
struct NexTraction: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "nextraction",
        abstract: "Self-hosted retrieval-augmented question answering over your websites.",
        discussion: "Start the server with `nextraction serve` (or `make run`), open the address it prints, register, "
            + "and point it at a site. Every option can also be set through the NEX_* environment variables listed in README.md. "
            + "Exit codes: 0 done, 1 failed, 3 `ask` found no answer in the pages, 64 invalid arguments.",
        version: version,
        subcommands: [ServeCommand.self, HealthcheckCommand.self, UserCommand.self, KeyCommand.self, IngestCommand.self, UploadCommand.self, AskCommand.self, PlanCommand.self, ProvidersCommand.self, IndexCommand.self, BackupCommand.self, RestoreCommand.self, MigrateCommand.self, EmbedCommand.self, EvalCommand.self, BenchCommand.self]
    )

    static func main() async {
        // Everything this program creates (database, WAL, index files, backups, data
        // folders) is readable by its own user only.
        umask(0o077)
        restartWithBetterBLASKernels()
        // Parsing errors print the failing subcommand's usage; a value found invalid while a
        // command runs prints its one line (ArgumentParser would add the root usage to it).
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let invalid as ValidationError {
            FileHandle.standardError.write(Data("Error: \(invalid.message)\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// Runs this program again with `OPENBLAS_CORETYPE` set when OpenBLAS picked its slow
    /// fallback kernels on a CPU that has better ones (`BLASRuntime.betterCoreType`); the
    /// variable only takes effect when the library is loaded. An explicit setting is kept.
    static func restartWithBetterBLASKernels() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, let core = BLASRuntime.betterCoreType else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // Only reached when exec failed: carry on with the kernels we have.
    }
}
