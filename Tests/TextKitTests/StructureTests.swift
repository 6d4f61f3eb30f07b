import Foundation
import TextKit
import Testing

/// Definitions, table rows and layouts through the chunker, and what a question asks.
@Suite("Chunk structure and question profiles")
struct StructureTests {
    struct WordCounter: TokenCounter {
        func countTokens(_ text: String) -> Int { text.split(whereSeparator: { $0.isWhitespace }).count }
    }

    @Test("a definition's term precedes its description in the chunk, again in every chunk it continues into; the layout names each line")
    func definitionsKeepTheirTerm() throws {
        var options = Chunker.Options()
        options.targetTokens = 40
        options.maxTokens = 60
        options.overlapSentences = 0
        let chunker = Chunker(counter: WordCounter(), options: options)
        let long = (1...8).map { "Sentence \($0) about the limit has several words in it." }.joined(separator: " ")
        let chunks = chunker.chunk(title: "Server settings", blocks: [
            TextBlock(.paragraph, "These settings tune the server.", term: nil),
            TextBlock(.paragraph, "Sets the most clients at once. The default is 250 clients.", term: "max_clients (integer)"),
            TextBlock(.paragraph, long, term: "queue_depth (integer)"),
            TextBlock(.code, "queue_depth = 64\nmax_clients = 300"),
            TextBlock(.tableRow, "Limit: Message size; Value: 4 MiB"),
        ])
        #expect(chunks.count >= 2)
        let first = try #require(chunks.first)
        #expect(first.text.hasPrefix("These settings tune the server.\nmax_clients (integer)\nSets the most clients at once."))
        // Every chunk that holds part of the long description starts that part with its term.
        let continued = chunks.dropFirst().filter { $0.text.contains("about the limit") }
        #expect(!continued.isEmpty)
        for chunk in continued { #expect(chunk.text.hasPrefix("queue_depth (integer)\n"), "\(chunk.text)") }
        // Layouts describe every line: term lines, paragraphs, a two-line code block, a row.
        for chunk in chunks {
            let layout = try #require(ChunkLayout(chunk.layout))
            #expect(layout.lineCount == chunk.text.lineCount, "\(chunk.layout) vs \(chunk.text)")
            #expect(chunk.embeddingTokenCount <= options.maxTokens)
        }
        #expect(first.layout.hasPrefix("p t p"))
        #expect(chunks.contains { $0.layout.contains("c2") } && chunks.contains { $0.layout.hasSuffix("r") })
    }

    @Test("layouts round-trip and malformed ones are refused")
    func layouts() {
        var layout = ChunkLayout()
        layout.append(.term, lines: 1)
        layout.append(.paragraph, lines: 1)
        layout.append(.code, lines: 3)
        layout.extendLast(by: 1)
        #expect(layout.description == "t p c4")
        #expect(ChunkLayout("t p c4") == layout)
        #expect(ChunkLayout("x2") == nil && ChunkLayout("p0") == nil && ChunkLayout("")?.entries.isEmpty == true)
    }

    @Test("a question's names, code-like words and unknown words are specific; value questions are recognised")
    func profiles() {
        let known: Set<String> = ["how", "do", "i", "add", "a", "dependency", "to", "in", "configure", "default", "the", "what", "is",
                                  "maximum", "number", "of", "clients", "use", "start", "with", "exchange", "set", "up"]
        let isKnown: (String) -> Bool = { known.contains($0) }
        let maven = QuestionProfile("How do I add a dependency to pom.xml in Maven?", isKnownWord: isKnown)
        #expect(maven.specificTerms == ["pom.xml", "maven"] && maven.names == ["pom.xml", "maven"])
        #expect(!maven.asksForValue)
        let go = QuestionProfile("How do I start a goroutine?", isKnownWord: isKnown)
        #expect(go.specificTerms == ["goroutine"] && go.names.isEmpty)
        // Quantities are no names; hyphenated words are judged by their parts.
        let claim = QuestionProfile("A 100g dose of 40mg/day helps 7-day-old HIV-positive patients?", isKnownWord: { _ in true })
        #expect(claim.specificTerms == ["hiv"] && claim.names == ["hiv"])
        // Names come before unknown words.
        #expect(QuestionProfile("How do I start a goroutine in Kotlin?", isKnownWord: isKnown).specificTerms == ["kotlin", "goroutine"])
        let value = QuestionProfile("What is the default maximum number of clients?", isKnownWord: isKnown)
        #expect(value.asksForValue && value.specificTerms.isEmpty)
        #expect(value.terms == ["default", "maximum", "number", "clients"])
        #expect(value.stems == ["default", "maximum", "number", "client"])
        // The first word of a sentence is capitalised by grammar, not because it is a name.
        #expect(QuestionProfile("Configure the exchange", isKnownWord: isKnown).specificTerms.isEmpty)
        #expect(QuestionProfile("Set up RabbitMQ's exchange", isKnownWord: isKnown).specificTerms == ["rabbitmq"])
    }
}

@Suite("Stems of text")
struct StemSetTests {
    @Test("the fast stem set equals the stems of the query terms, for ASCII and other scripts")
    func sameAsTerms() {
        for text in ["How do I configure the servers' connections? 2 servers, 10 ports.", "Crème brûlée à la française — été 2024",
                     "lru_cache(maxsize=128) and os.walk()", "Привет, как дела у тебя сегодня", "a 1 I x"] {
            #expect(QueryTerms.stems(text) == Set(QueryTerms.terms(text, limit: 10_000).map(PorterStemmer.stem)), "\(text)")
        }
    }
}
