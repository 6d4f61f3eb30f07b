import Foundation
import TestSupport
import TextKit
import Testing

@Suite("BERT normalisation and WordPiece")
struct TokenizerTests {
    @Test("normalisation cleans controls, spaces out CJK, strips accents and lowercases")
    func normalize() {
        #expect(BertNormalizer.normalize("Café DÉJÀ") == "cafe deja")
        #expect(BertNormalizer.normalize("a\u{200B}b\u{00AD}c\u{0}d") == "abcd")
        #expect(BertNormalizer.normalize("x\ty\nz\r") == "x y z ")
        #expect(BertNormalizer.normalize("我爱") == " 我  爱 ")
        #expect(BertNormalizer.normalize("Straße ÅNGSTRÖM") == "straße angstrom")
    }

    @Test("pre-tokenisation splits on whitespace and makes every punctuation mark a word")
    func preTokenize() {
        let words = BertNormalizer.preTokenize("hello, world!! a-b $5").map { String(String.UnicodeScalarView($0)) }
        #expect(words == ["hello", ",", "world", "!", "!", "a", "-", "b", "$", "5"])
    }

    func tokenizer(_ vocabulary: [String], maxLength: Int = 256) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + vocabulary, maxLength: maxLength)
    }

    @Test("greedy longest match with ## continuations; an uncoverable word is one [UNK]")
    func wordPiece() throws {
        let t = try tokenizer(["un", "##aff", "##able", "aff", "##a", "runs", "##ble"])
        // unaffable → un ##aff ##able (longest first: "##affable" absent, "##aff" wins over "##a").
        #expect(t.tokenize("unaffable").compactMap { t.token(for: $0) } == ["un", "##aff", "##able"])
        #expect(t.tokenize("runs unknownword").compactMap { t.token(for: $0) } == ["runs", "[UNK]"])
        #expect(t.encode("runs").compactMap { t.token(for: $0) } == ["[CLS]", "runs", "[SEP]"])
        #expect(t.countTokens("unaffable runs") == 4)
    }

    @Test("a word over 100 characters is [UNK]; truncation keeps [CLS] + first pieces + [SEP]")
    func limits() throws {
        let t = try tokenizer(["a", "##a"], maxLength: 5)
        #expect(t.tokenize(String(repeating: "a", count: 101)).compactMap { t.token(for: $0) } == ["[UNK]"])
        #expect(t.tokenize(String(repeating: "a", count: 100)).count == 100)
        let encoded = t.encode("a a a a a a a")
        #expect(encoded.count == 5)
        #expect(encoded.first == t.classID && encoded.last == t.separatorID)
        #expect(t.encode("").count == 2)
    }

    @Test("a vocabulary without the special tokens is refused")
    func missingSpecial() {
        #expect(throws: TokenizerError.missingSpecialToken("[CLS]")) { try WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]", "a"]) }
    }
}
