import ArgumentParser
import Embedding
import Foundation

/// `nextraction embed`: JSON lines in, JSON lines out — for checking the model by hand.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts: reads JSON lines {\"text\": ...}, writes {\"tokens\": n, \"embedding\": [...]} per line, in order.",
        discussion: "Reads standard input unless --input is given. Lines are processed in batches of 256."
    )

    @Option(help: ArgumentHelp("A JSON-lines file to read instead of standard input.", valueName: "file"))
    var input: String?

    @OptionGroup var data: DataOptions
    @OptionGroup var model: ModelOptions

    struct Line: Decodable { var text: String }
    struct Output: Encodable {
        var tokens: Int
        var embedding: [Float]
    }

    func run() async throws {
        let embedder = try model.embedder(config: data.config())
        let reader = try LineReader(path: input)
        let encoder = JSONEncoder()
        var pending: [String] = []
        var lineNumber = 0
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let batch = try await embedder.embed(pending)
            var out = Data()
            for index in 0..<batch.count {
                out.append(try encoder.encode(Output(tokens: batch.tokenCounts[index], embedding: batch.vector(index))))
                out.append(0x0A)
            }
            FileHandle.standardOutput.write(out)
            pending.removeAll()
        }
        while let line = reader.next() {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let parsed = try? JSONDecoder().decode(Line.self, from: Data(trimmed.utf8)) else {
                throw CLIError("line \(lineNumber): expected a JSON object {\"text\": \"...\"}")
            }
            pending.append(parsed.text)
            if pending.count == 256 { try await flush() }
        }
        try await flush()
    }
}
