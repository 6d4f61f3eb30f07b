import API
import ArgumentParser
import Foundation

/// Options shared by the commands that open the data directory.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Data directory (database, secret, models, indexes).", valueName: "path"))
    var dataDir: String?

    /// The configuration from the environment, with `--data-dir` applied.
    func config() throws -> AppConfig {
        var config = try AppConfig.load(environment: ProcessInfo.processInfo.environment)
        if let dataDir { config.dataDirectory = dataDir }
        return config
    }
}
