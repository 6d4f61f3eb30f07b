import ArgumentParser

/// `nextraction eval ...`: retrieval and answer quality.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure retrieval and answer quality.",
        discussion: "Each evaluation prints a table; --json prints one JSON object as the last line.",
        subcommands: [EvalBEIRCommand.self, EvalSiteCommand.self]
    )
}
