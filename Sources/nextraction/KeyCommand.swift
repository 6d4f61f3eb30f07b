import API
import ArgumentParser
import Foundation
import Storage

/// `nextraction key ...`: API keys (personal access tokens) of an account, on the local
/// database (or `--database-url`).
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Create, list and revoke API keys.",
        discussion: "An API key (nex_…) is used as `Authorization: Bearer nex_…` wherever a login token is. "
            + "Scopes: read (ask, search, list collections, read jobs) and write (ingest, delete, plans, execute).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (shown this once).")

        @Option(help: "The account (default: the only account).")
        var user: String?

        @Option(help: "A name to tell the key apart, e.g. the script or tool using it.")
        var name: String

        @Option(name: .customLong("scope"), help: "read or write (repeat for both; default: read).")
        var scopes: [String] = []

        @Option(name: .customLong("expires-in"), help: ArgumentHelp("Lifetime: seconds or a number with s, m, h or d (default: never).",
                                                                    valueName: "duration"))
        var expiresIn: String?

        @OptionGroup var data: DataOptions

        func run() async throws {
            let scopes = try scopes.map { name in
                guard let scope = APIScope(rawValue: name.lowercased()) else { throw ValidationError("unknown scope \(name): read or write") }
                return scope
            }
            let lifetime = try expiresIn.map { text in
                guard let seconds = APIKeys.lifetime(text) else { throw ValidationError("--expires-in: \(text) is not a duration") }
                return seconds
            }
            let database = try await data.config().openDatabase()
            let owner = try await database.account(email: user)
            do {
                let issued = try await APIKeys.create(userID: owner.id ?? 0, name: name, scopes: scopes.isEmpty ? [.read] : scopes,
                                                      expiresIn: lifetime, database: database)
                print(issued.key)
                let expiry = issued.record.expiresAt.map { "expires \($0.formatted(.iso8601))" } ?? "does not expire"
                FileHandle.standardError.write(Data(
                    "key \(issued.record.id ?? 0) \"\(issued.record.name)\" for \(owner.email), scopes \(issued.record.scopes), \(expiry); "
                        .appending("it is shown only now\n").utf8))
            } catch let error as APIError {
                throw ValidationError(error.message)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an account's keys (never the keys themselves).")

        @Option(help: "The account (default: the only account).")
        var user: String?

        @OptionGroup var data: DataOptions

        func run() async throws {
            let database = try await data.config().openDatabase()
            let owner = try await database.account(email: user)
            let keys = try await database.apiKeys(userID: owner.id ?? 0)
            guard !keys.isEmpty else {
                print("no API keys for \(owner.email)")
                return
            }
            print("id\tname\tprefix\tscopes\tcreated_at\tlast_used_at\texpires_at")
            for key in keys {
                let fields = [String(key.id ?? 0), key.name, key.prefix + "…", key.scopes, key.createdAt.formatted(.iso8601),
                              key.lastUsedAt?.formatted(.iso8601) ?? "never", key.expiresAt?.formatted(.iso8601) ?? "never"]
                print(fields.joined(separator: "\t"))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it fails at once, on every server.")

        @Option(help: "The account (default: the only account).")
        var user: String?

        @Argument(help: "The key's id (see `key list`).")
        var id: Int64

        @OptionGroup var data: DataOptions

        func run() async throws {
            let database = try await data.config().openDatabase()
            let owner = try await database.account(email: user)
            guard try await database.deleteAPIKey(id: id, userID: owner.id ?? 0) else {
                throw CLIError("\(owner.email) has no API key \(id)")
            }
            print("revoked key \(id)")
        }
    }
}
