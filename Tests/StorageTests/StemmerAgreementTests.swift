import Foundation
import GRDB
import Testing
import TextKit

/// TextKit's Porter stemmer (used to match question terms with answer passages) against the
/// stemmer SQLite's full-text index really uses (its `porter` tokenizer): the two must stem
/// the same words the same way, or IDF weights would be looked up for the wrong terms.
@Suite("Porter stemmer")
struct StemmerAgreementTests {
    /// Porter's own examples (1980 paper) and words of the kinds documentation uses.
    static let words = """
        caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled sized hopping tanned \
        falling hissing fizzed failing filing happy sky relational conditional rational valenci hesitanci digitizer \
        conformabli radicalli differentli vileli analogousli vietnamization predication operator feudalism decisiveness \
        hopefulness callousness formaliti sensitiviti sensibiliti triplicate formative formalize electriciti electrical \
        hopeful goodness revival allowance inference airliner gyroscopic adjustable defensible irritant replacement \
        adjustment dependent adoption homologou communism activate angulariti homologous effective bowdlerize probate \
        rate cease controll roll generalization oscillators configuration configured configuring connections \
        repositories committed branching rebased merging garbage collection serialization serialize serialise \
        asynchronous iterators generators decorators dictionaries exceptions tuples immutable databases indexing \
        parameters maximum connections timeout replication authentication encrypting logging analysis dying lying \
        sky skies news agreement argument syllogism logistic biology ecology
        """.split(separator: " ").map(String.init)

    @Test("TextKit's Porter stems equal SQLite FTS5's porter tokenizer on every test word")
    func agreesWithSQLite() throws {
        let database = try DatabaseQueue()
        try database.read { db in
            let tokenizer = try db.makeTokenizer(FTS5TokenizerDescriptor(components: ["porter", "unicode61", "remove_diacritics", "2"]))
            var disagreements: [String] = []
            for word in Self.words {
                let sqlite = try tokenizer.tokenize(query: word).map(\.token).joined(separator: " ")
                let ours = PorterStemmer.stem(word)
                if sqlite != ours { disagreements.append("\(word): sqlite \(sqlite), ours \(ours)") }
            }
            #expect(disagreements.isEmpty, "\(disagreements)")
        }
        // The paper's table of examples.
        #expect(PorterStemmer.stem("generalizations") == "gener")
        #expect(PorterStemmer.stem("oscillators") == "oscil")
        #expect(PorterStemmer.stem("relational") == "relat")
        #expect(PorterStemmer.stem("hopping") == "hop" && PorterStemmer.stem("filing") == "file")
        // Short words, digits and non-ASCII pass through.
        #expect(PorterStemmer.stem("is") == "is" && PorterStemmer.stem("utf8") == "utf8" && PorterStemmer.stem("café") == "café")
    }

    /// Texts of the kinds pages hold: code names, versions, punctuation, accents, other scripts.
    static let texts = [
        "The lru_cache() decorator wraps a function with a memoizing callable (Python 3.11).",
        "Configuring GIT_DIR: set core.bare=true; see git-config(1) & gc.auto = 6700.",
        "Café Müller's naïve résumé — Ærøskøbing, Straße, ÉCOLE, coöperate, e\u{301}te\u{301}",
        "Σίσυφος и Москва: 東京タワー 2024年, x² + y₂ = ½, ＡＢＣ full-width",
        "Tabs\tand\nnewlines, URLs https://example.com/a_b?c=d#e and e-mail a.b@c.de",
        "In the 1990s x86s ran utf8s; 3rd-party v2ed builds, SHA256es and 0x1Fs",
        "",
        "   ...   ",
    ]

    @Test("FullTextTokenizer makes the tokens SQLite FTS5's porter unicode61 remove_diacritics 2 makes")
    func tokenizerAgreesWithSQLite() throws {
        let database = try DatabaseQueue()
        try database.read { db in
            let tokenizer = try db.makeTokenizer(FTS5TokenizerDescriptor(components: ["porter", "unicode61", "remove_diacritics", "2"]))
            for text in Self.texts + [Self.words.joined(separator: " ")] {
                let sqlite = try tokenizer.tokenize(document: text).map(\.token)
                #expect(FullTextTokenizer.tokens(text) == sqlite, "\(text)")
            }
        }
    }
}
