import API
import ArgumentParser
import Foundation
import LLM
import Orchestrator
import PlanFormat
import Retrieval
import Storage

/// `nextraction plan validate FILE` and `nextraction plan run FILE`.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Validate or run a JSON plan of LLM steps.",
        subcommands: [Validate.self, Run.self]
    )

    static func load(_ file: String) throws -> Plan {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        do {
            return try PlanValidator.parse(data)
        } catch let error as PlanError {
            throw CLIError("\(file): \(error.description)")
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a plan: ids, dependencies, cycles, sizes.")

        @Argument(help: "The plan file (JSON).")
        var file: String

        func run() throws {
            let plan = try PlanCommand.load(file)
            print("\(file): valid — \"\(plan.title)\", \(plan.steps.count) steps")
            for step in plan.steps {
                let dependencies = step.dependsOn.isEmpty ? "" : " ← " + step.dependsOn.joined(separator: ", ")
                let context = step.context.map { " [context: \($0.collection)]" } ?? ""
                print("  \(step.id): \(step.title)\(dependencies)\(context)")
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a plan here, with live per-step progress.")

        @Argument(help: "The plan file (JSON).")
        var file: String

        @Option(help: "proto (draft → check) or prod (draft → build → check).")
        var workflow = "proto"

        @Option(help: "Use this collection for every step that has a context.")
        var collection: String?

        @Option(help: "The account the plan runs for (default: the only account).")
        var user: String?

        @Flag(help: "Print the final execution state as JSON.")
        var json = false

        @OptionGroup var data: DataOptions
        @OptionGroup var model: ModelOptions

        func validate() throws {
            guard Workflow(rawValue: workflow) != nil else { throw ValidationError("--workflow must be proto or prod") }
        }

        func run() async throws {
            var plan = try PlanCommand.load(file)
            if let collection {
                for index in plan.steps.indices where plan.steps[index].context != nil { plan.steps[index].context?.collection = collection }
            }
            let services = try await LocalServices(data: data, model: model)
            let owner = try await services.user(email: user)
            guard let ownerID = owner.id else { throw CLIError("no account") }
            let router = try services.router()
            guard !router.isEmpty else { throw CLIError("no LLM provider: set NEX_LLM_BASE_URL and NEX_LLM_MODEL, or write providers.json") }
            let retriever = Retriever(database: services.database, embedder: services.embedder, indexes: services.indexes)
            let service = services.config.executionService(database: services.database, router: router, retriever: retriever,
                                                           embedder: services.embedder, logger: commandLogger())
            let progress = ProgressPrinter()
            let final = try await service.runHere(plan: plan, workflow: Workflow(rawValue: workflow)!, userID: ownerID) { state in
                progress.show(state)
            }
            if json {
                print(final.json())
                return
            }
            print("")
            for step in final.steps {
                print("── \(step.id): \(step.title) [\(step.status)]")
                if let output = step.output { print(output) }
                if let error = step.error { print("error: \(error)") }
                for source in step.sources { print("  [\(source.n)] \(source.title) — \(source.url)") }
            }
            let m = final.metrics
            print(String(format: "\n%@ in %.1f s · %d provider calls · %d cache hits · %d+%d tokens · $%.4f", final.status, m.wallSeconds,
                         m.providerCalls, m.cacheHits, m.promptTokens, m.completionTokens, m.cost))
            if final.status != "completed" { throw ExitCode(1) }
        }
    }
}

/// Prints a line whenever a step changes status.
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String: String] = [:]

    func show(_ state: ExecutionState) {
        lock.lock()
        defer { lock.unlock() }
        for step in state.steps {
            let key = "\(step.status):\(step.stages.count)"
            guard seen[step.id] != key else { continue }
            seen[step.id] = key
            let stage = step.stages.last.map { " \($0.stage.rawValue) via \($0.provider)\($0.cache == .none ? "" : " (cache: \($0.cache.rawValue))")" } ?? ""
            FileHandle.standardError.write(Data("[\(step.id)] \(step.status)\(step.status == "running" ? stage : "")\n".utf8))
        }
    }
}

/// `nextraction providers check`: each provider's configuration (key masked), a one-token
/// call, and its circuit state.
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "Show and check the configured LLM providers.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ping every provider and show its circuit state.")

        @OptionGroup var data: DataOptions

        func run() async throws {
            let config = try data.config()
            let router = try config.llmRouter(version: NexTraction.version)
            guard !router.isEmpty else {
                print("no LLM provider configured (NEX_LLM_BASE_URL + NEX_LLM_MODEL, or \(config.providersFile))")
                return
            }
            var table = TextTable(["provider", "model", "roles", "key", "result", "ms", "circuit"])
            var failures = 0
            for provider in router.providers {
                let c = provider.configuration
                let start = Date()
                var outcome = "ok"
                do {
                    _ = try await provider.complete(ChatRequest(messages: [ChatMessage(.user, "Reply with OK.")], maxTokens: 1))
                } catch {
                    outcome = "failed: \(error)"
                    failures += 1
                }
                table.add([c.name, c.model, c.roles.map(\.rawValue).joined(separator: ","), c.maskedKey ?? "none", outcome,
                           String(format: "%.0f", Date().timeIntervalSince(start) * 1000), provider.breaker.state.rawValue])
            }
            print(table.render())
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
