import Embedding
import Foundation
import TestSupport
import TextKit
import Testing

@Suite("Sentences, language and hashes")
struct TextUtilitiesTests {
    @Test("sentences split at terminators, not after abbreviations, initials or decimals")
    func sentences() {
        let text = "Dr. Smith measured 3.5 cm on Jan. 3. It grew! Did it? Yes... J. R. R. Tolkien wrote e.g. books. 終わり。次"
        #expect(SentenceSplitter.split(text) == [
            "Dr. Smith measured 3.5 cm on Jan. 3.", "It grew!", "Did it?", "Yes...", "J. R. R. Tolkien wrote e.g. books.", "終わり。", "次",
        ])
        #expect(SentenceSplitter.split("No terminator at the end") == ["No terminator at the end"])
        #expect(SentenceSplitter.split("  ") == [])
    }

    @Test("language: declared attribute first, else script, else stopwords")
    func language() {
        #expect(LanguageDetector.detect(text: "whatever", declared: "pt-BR") == "pt")
        #expect(LanguageDetector.detect(text: "東京は日本の首都です。", declared: nil) == "ja")
        #expect(LanguageDetector.detect(text: "我爱自然语言处理", declared: nil) == "zh")
        #expect(LanguageDetector.detect(text: "Привет, как дела у тебя сегодня", declared: nil) == "ru")
        #expect(LanguageDetector.detect(text: "The roots of the plant are in the soil and it is dry", declared: "") == "en")
        #expect(LanguageDetector.detect(text: "Les racines de la plante sont dans le sol et elle est sèche", declared: nil) == "fr")
        #expect(LanguageDetector.detect(text: "1234 5678", declared: "x!") == "und")
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(ContentHash.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentHash.sha256(String(repeating: "a", count: 1_000)).count == 64)
        #expect(ContentHash.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

@Suite("Adaptive chunking")
struct ChunkerTests {
    /// Counts whitespace-separated words: a deterministic stand-in for token counts in the
    /// structural tests (the model's own tokenizer is exercised in `realTokenizer`).
    struct WordCounter: TokenCounter {
        func countTokens(_ text: String) -> Int { text.split(whereSeparator: { $0.isWhitespace }).count }
    }

    func sentence(_ index: Int, words: Int = 10) -> String {
        "Sentence \(index) " + (0..<(words - 3)).map { "w\($0)" }.joined(separator: " ") + " end."
    }

    @Test("sections follow headings; each chunk carries its heading path and the title prefix")
    func headings() {
        var options = Chunker.Options()
        options.targetTokens = 50
        options.maxTokens = 80
        let chunker = Chunker(counter: WordCounter(), options: options)
        let chunks = chunker.chunk(title: "Guide", blocks: [
            TextBlock(.heading(level: 1), "Guide"),
            TextBlock(.paragraph, "Intro text here."),
            TextBlock(.heading(level: 2), "Install"),
            TextBlock(.paragraph, "Run the installer."),
            TextBlock(.heading(level: 3), "On Linux"),
            TextBlock(.paragraph, "Use the package."),
            TextBlock(.heading(level: 2), "Use"),
            TextBlock(.paragraph, "Open the app."),
        ])
        #expect(chunks.map(\.headingPath) == [["Guide"], ["Guide", "Install"], ["Guide", "Install", "On Linux"], ["Guide", "Use"]])
        // The title equals the first heading, so it appears once.
        #expect(chunks[2].embeddingText == "Guide › Install › On Linux: Use the package.")
        #expect(chunks.allSatisfy { $0.embeddingTokenCount <= 80 })
    }

    @Test("long sections pack sentences up to the target with one sentence of overlap; a tiny tail is merged")
    func packing() {
        var options = Chunker.Options()
        options.targetTokens = 40
        options.maxTokens = 60
        options.minTokens = 15
        let chunker = Chunker(counter: WordCounter(), options: options)
        let paragraph = (0..<9).map { sentence($0) }.joined(separator: " ") + " Tail bit."
        let chunks = chunker.chunk(title: "", blocks: [TextBlock(.paragraph, paragraph)])
        #expect(chunks.count >= 3)
        for chunk in chunks { #expect(chunk.tokenCount <= 60) }
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            let lastSentence = SentenceSplitter.split(previous.text).last ?? ""
            #expect(next.text.hasPrefix(lastSentence), "neighbours share one sentence")
        }
        // "Tail bit." (2 tokens) was merged instead of standing alone.
        #expect(chunks.last?.text.hasSuffix("Tail bit.") == true)
        #expect(chunks.last?.tokenCount ?? 0 > 15)
    }

    @Test("code blocks stay whole when they fit; an oversized one is cut at line breaks")
    func code() {
        var options = Chunker.Options()
        options.targetTokens = 20
        options.maxTokens = 40
        let chunker = Chunker(counter: WordCounter(), options: options)
        let code = (0..<8).map { "let value\($0) = compute(\($0))" }.joined(separator: "\n")   // 32 words
        let whole = chunker.chunk(title: "", blocks: [TextBlock(.code, code)])
        #expect(whole.count == 1 && whole[0].text == code)
        let big = (0..<30).map { "line \($0) of code" }.joined(separator: "\n")
        let pieces = chunker.chunk(title: "", blocks: [TextBlock(.code, big)])
        #expect(pieces.count > 1)
        #expect(pieces.allSatisfy { $0.tokenCount <= 40 && !$0.text.hasPrefix("\n") })
        #expect(pieces.map(\.text).joined(separator: "\n") == big)
    }

    @Test("with the model's tokenizer every chunk fits 254 word pieces including its prefix")
    func realTokenizer() throws {
        let tokenizer = try TestModel.embedder().tokenizer
        let chunker = Chunker(counter: tokenizer)
        let long = (0..<120).map { "The \($0)th observation of chlorophyll fluorescence under drought stress was recorded." }.joined(separator: " ")
        let word = String(repeating: "supercalifragilistic", count: 40)
        let chunks = chunker.chunk(title: "A very long page title about plant physiology", blocks: [
            TextBlock(.heading(level: 2), "Measurements"), TextBlock(.paragraph, long), TextBlock(.paragraph, word),
        ])
        #expect(chunks.count > 5)
        for chunk in chunks {
            #expect(chunk.embeddingTokenCount <= 254)
            #expect(tokenizer.countTokens(chunk.embeddingText) == chunk.embeddingTokenCount)
            #expect(chunk.embeddingText.hasPrefix("A very long page title about plant physiology › Measurements: "))
        }
        // Targets ~200 tokens: the chunks of the long paragraph are well filled.
        let body = chunks.dropLast().map(\.tokenCount)
        #expect(body.allSatisfy { $0 >= 120 })
    }
}
