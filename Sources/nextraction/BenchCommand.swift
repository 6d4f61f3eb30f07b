import ArgumentParser

/// `nextraction bench ...`: performance benchmarks (run them on a release build).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure performance (use a release build: swift build -c release).",
        discussion: "Each benchmark prints a table; --json prints one JSON object as the last line.",
        subcommands: [BenchEmbedCommand.self, BenchIndexCommand.self, BenchIngestCommand.self, BenchAskCommand.self, BenchReplicasCommand.self]
    )
}
