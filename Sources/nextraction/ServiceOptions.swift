import API
import ArgumentParser
import Embedding
import Foundation
import LLM
import HTTPKit
import IndexStore
import Ingest
import Logging
import Storage

/// Opens what the offline commands (ingest, index, ask, eval) need from the data directory.
struct LocalServices {
    let config: AppConfig
    let database: any DataStore
    let embedder: MiniLMEmbedder
    let indexes: IndexRegistry

    /// `existing`: the data folder must hold a database already (commands that only read it).
    init(data: DataOptions, model: ModelOptions, existing: Bool = true) async throws {
        config = try existing ? data.existingConfig() : data.config()
        database = try await config.openDatabase()
        embedder = try model.embedder(config: config, precision: try await config.embedPrecision(for: database))
        indexes = IndexRegistry(directory: config.indexDirectory, dimension: embedder.dimension, database: database)
    }

    func ingestEnvironment(logger: Logger) throws -> IngestEnvironment {
        try config.ingestEnvironment(database: database, embedder: embedder, indexes: indexes, version: NexTraction.version,
                                     logger: logger)
    }

    /// The configured LLM providers (`providers.json` and `NEX_LLM_*`).
    func router() throws -> LLMRouter {
        try config.llmRouter(version: NexTraction.version)
    }

    /// The id of `name`, a collection of the account `email` (or of the only account).
    func collectionID(named name: String, owner email: String?) async throws -> Int64 {
        let owner = try await user(email: email)
        guard let ownerID = owner.id, let id = try await database.collection(userID: ownerID, name: name)?.id else {
            let names = try await database.collections(userID: owner.id ?? 0).map(\.name).sorted()
            throw CLIError("no collection \"\(name)\" for \(owner.email): "
                + (names.isEmpty ? "it has none yet (ingest a site first)" : "its collections are \(names.joined(separator: ", "))"))
        }
        return id
    }

    /// The account a command acts for: `--user`, or the only account there is.
    func user(email: String?) async throws -> UserRecord {
        try await database.account(email: email)
    }
}

extension AccountStore {
    /// The account a command acts for: `--user`, or the only account there is.
    func account(email: String?) async throws -> UserRecord {
        if let email {
            guard let user = try await user(email: email.lowercased()) else { throw CLIError("no account \(email)") }
            return user
        }
        let users = try await users()
        guard users.count == 1, let only = users.first else {
            throw CLIError(users.isEmpty
                ? "no accounts yet: create one with `nextraction user create --email …`"
                : "several accounts exist: pass --user EMAIL")
        }
        return only
    }
}

/// Logs to standard error at warning level and above (commands print their own progress).
func commandLogger() -> Logger {
    Logger(label: "nextraction") { label in
        StructuredLogHandler.standardError(label: label, level: .warning, format: .text)
    }
}
