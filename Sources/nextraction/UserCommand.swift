import API
import ArgumentParser
import Foundation
import Storage

/// `nextraction user ...`: account administration on the local database.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create and list accounts.",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account.",
            discussion: "The password is read from standard input when it is not a terminal, otherwise prompted for without echo."
        )

        @Option(help: "The account's email address.")
        var email: String

        @OptionGroup var data: DataOptions

        func run() async throws {
            let config = try data.config()
            let password = try PasswordInput.read(prompt: "Password for \(email): ")
            let database = try await config.openDatabase()
            do {
                let user = try await AccountService.createUser(
                    email: email, password: password, database: database,
                    passwords: PasswordHasher(cost: config.bcryptCost)
                )
                print("created user \(user.id ?? 0) <\(user.email)>")
            } catch let error as APIError {
                throw ValidationError(error.message)
            } catch StorageError.emailTaken {
                throw ValidationError("an account with this email already exists")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")

        @OptionGroup var data: DataOptions

        func run() async throws {
            let config = try data.config()
            let database = try await config.openDatabase()
            let users = try await database.users()
            if users.isEmpty {
                print("no users")
                return
            }
            print("id\temail\tcreated_at")
            for user in users {
                print("\(user.id ?? 0)\t\(user.email)\t\(user.createdAt.formatted(.iso8601))")
            }
        }
    }
}

/// Reads a password without echoing it on a terminal.
enum PasswordInput {
    static func read(prompt: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            guard let raw = getpass(prompt) else { throw ValidationError("no password given") }
            return String(cString: raw)
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("expected the password on standard input")
        }
        return line
    }
}
