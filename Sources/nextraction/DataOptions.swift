import API
import ArgumentParser
import Foundation

/// Options shared by the commands that open the data directory.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Data directory (database, secret, models, indexes).", valueName: "path"))
    var dataDir: String?

    @Option(name: .long, help: ArgumentHelp("PostgreSQL database instead of SQLite in the data directory (or NEX_DATABASE_URL).",
                                            valueName: "postgres://user:password@host:port/db"))
    var databaseURL: String?

    /// The configuration from the environment, with `--data-dir` and `--database-url` applied.
    func config() throws -> AppConfig {
        var config = try AppConfig.load(environment: ProcessInfo.processInfo.environment)
        if let dataDir { config.dataDirectory = dataDir }
        if let databaseURL { config.databaseURL = databaseURL.isEmpty ? nil : try AppConfig.databaseURL(databaseURL) }
        return config
    }
}
