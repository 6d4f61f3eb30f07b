import Foundation

/// What a question is about, as answer composition and abstention need it: its content
/// words and their stems, the words the user wrote as names (a product, a setting, an API),
/// and whether it asks for a value (a default, a limit, a size, a number).
///
/// Pure text analysis; collection statistics (how rare each word is) come from the caller.
public struct QuestionProfile: Sendable, Equatable {
    public let question: String
    /// Content words (`QueryTerms.terms`), lowercased, in order.
    public let terms: [String]
    /// The Porter stem of each term (same order).
    public let stems: [String]
    /// Terms written as names, lowercased: capitalised inside the sentence ("MySQL",
    /// "Kotlin"), code-like ("pom.xml", "lru_cache", "C#"), or a word the embedding model's
    /// vocabulary does not know whole ("goroutine", "npm"). Such a word absent from a
    /// collection means the question is about something the collection does not cover.
    public let specificTerms: [String]
    /// The specific terms written as names (capitalised or code-like, not merely unknown words).
    public let names: [String]
    /// The question asks for a value: a default, a limit, a size, a count, a port, a version.
    public let asksForValue: Bool
    /// Whether the question is about versions or changes ("since which version…", "when was
    /// … added"): then release notes ("Changed in version 3.8: …") are answers, not noise.
    public let asksAboutVersions: Bool

    /// Phrases that ask for a value.
    static let valueCues = [
        "default", "how many", "how much", "how long", "how big", "how large", "how old", "how often", "how far",
        "maximum", "minimum", "limit", "size", "port", "timeout", "what value", "which value", "number of", "version",
        "after how", "at what", "what level", "which level", "what age", "how fast", "precision", "what encoding",
        "which protocol", "what window", "what is the value",
    ]

    static let versionCues = [
        "version", "since when", "when was", "when were", "when did", "added in", "changed in", "deprecated", "removed in",
        "release", "what's new", "what is new",
    ]

    /// - Parameter isKnownWord: whether the embedding model's vocabulary holds a lowercase
    ///   word whole (nil: every word counts as known).
    public init(_ question: String, isKnownWord: ((String) -> Bool)? = nil) {
        self.question = question
        terms = QueryTerms.terms(question, limit: 32)
        stems = terms.map(PorterStemmer.stem)
        let lowered = " " + question.lowercased() + " "
        asksForValue = Self.valueCues.contains { lowered.contains($0) }
        asksAboutVersions = Self.versionCues.contains { lowered.contains($0) }
        // Names first: they are what a question about another product depends on.
        let found = Self.specificTerms(in: question, isKnownWord: isKnownWord)
        let specific = found.filter(\.isName) + found.filter { !$0.isName }
        specificTerms = specific.map(\.term)
        names = specific.filter(\.isName).map(\.term)
    }

    /// See `specificTerms`. Hyphenated words are judged by their parts ("HIV-positive" is the
    /// name "hiv"; "7-day-old" is no name), and quantities ("100g", "40mg/day", "5%") are no names.
    static func specificTerms(in question: String, isKnownWord: ((String) -> Bool)?) -> [(term: String, isName: Bool)] {
        var found: [(term: String, isName: Bool)] = []
        let words = question.split(whereSeparator: \.isWhitespace).map(String.init)
        for (index, raw) in words.enumerated() {
            var word = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\"'“”‘’()[]{},;:!?"))
            if word.hasSuffix("'s") || word.hasSuffix("’s") { word = String(word.dropLast(2)) }
            while let last = word.last, ".".contains(last) { word.removeLast() }
            let parts = word.contains("-") && !word.hasPrefix("-") ? word.split(separator: "-").map(String.init) : [word]
            for (offset, part) in parts.enumerated() {
                guard let judged = judge(part, sentenceStart: index == 0 && offset == 0, isKnownWord: isKnownWord),
                      !found.contains(where: { $0.term == judged.term }) else { continue }
                found.append(judged)
            }
        }
        return found
    }

    /// One word: specific or not, and whether it is a name.
    static func judge(_ word: String, sentenceStart: Bool, isKnownWord: ((String) -> Bool)?) -> (term: String, isName: Bool)? {
        guard word.count >= 2, word.contains(where: \.isLetter), !isQuantity(word) else { return nil }
        let lower = word.lowercased()
        guard !QueryTerms.stopwords.contains(lower), lower != "i" else { return nil }
        let inner = word.dropFirst()
        let capitalised = word.first?.isUppercase == true && (!sentenceStart || inner.contains(where: \.isUppercase))
        let codeLike = word.contains(where: { "._#+/".contains($0) }) || (word.contains(where: \.isNumber) && word.contains(where: \.isLetter))
            || inner.contains(where: \.isUppercase)
        // Unknown: no form of the word is whole in the vocabulary ("folders" and "configure"
        // are known through "folder" and "configured"; "goroutine" is not).
        let unknown = isKnownWord.map { known in !known(lower) } ?? false
        guard capitalised || codeLike || unknown else { return nil }
        return (lower, capitalised || codeLike)
    }

    /// A number with at most a short unit: "100g", "40mg/day", "2.5ms", "5%", "64KiB".
    static func isQuantity(_ word: String) -> Bool {
        guard let first = word.first, first.isNumber else { return false }
        let unit = word.drop { $0.isNumber || $0 == "." || $0 == "," }
        return unit.split(separator: "/").allSatisfy { $0.count <= 4 && $0.allSatisfy { $0.isLetter || $0 == "%" } }
    }
}
