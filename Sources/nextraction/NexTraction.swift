import ArgumentParser

/// The `nextraction` command: server, ingestion, questions, index maintenance, evaluation
/// and benchmarks. One subcommand per file.
@main
struct NexTraction: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "nextraction",
        abstract: "Self-hosted retrieval-augmented question answering over your websites.",
        discussion: """
            Start the server with `nextraction serve` (or `make run`), open http://127.0.0.1:8000,
            register, and point it at a site. Every option can also be set through the NEX_*
            environment variables listed in README.md.
            """,
        version: version,
        subcommands: [ServeCommand.self, UserCommand.self, IngestCommand.self, AskCommand.self, PlanCommand.self, ProvidersCommand.self, IndexCommand.self, EmbedCommand.self, EvalCommand.self, BenchCommand.self]
    )
}
