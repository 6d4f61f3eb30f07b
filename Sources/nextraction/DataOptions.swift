import API
import ArgumentParser
import Foundation

/// Options shared by the commands that open the data directory.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Data directory (database, secret, models, indexes).", valueName: "path"))
    var dataDir: String?

    @Option(name: .long, help: ArgumentHelp("PostgreSQL instead of SQLite in the data directory (or NEX_DATABASE_URL), "
                                            + "as postgres://user:password@host:port/db.", valueName: "url"))
    var databaseURL: String?

    /// The configuration from the environment, with `--data-dir` and `--database-url` applied.
    func config() throws -> AppConfig {
        var config = try AppConfig.load(environment: ProcessInfo.processInfo.environment)
        if let dataDir { config.dataDirectory = dataDir }
        if let databaseURL { config.databaseURL = databaseURL.isEmpty ? nil : try AppConfig.databaseURL(databaseURL) }
        return config
    }

    /// The configuration of a data folder that must exist already (commands that read it):
    /// run elsewhere, they say where they looked instead of creating an empty database there.
    func existingConfig() throws -> AppConfig {
        let config = try config()
        if config.databaseURL == nil, !FileManager.default.fileExists(atPath: config.databasePath) {
            let folder = URL(fileURLWithPath: config.dataDirectory).standardizedFileURL.path
            throw CLIError("no database in \(folder): pass --data-dir (or set NEX_DATA_DIR) to your data folder")
        }
        return config
    }
}
