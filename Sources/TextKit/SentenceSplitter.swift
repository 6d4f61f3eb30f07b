import Foundation

/// Splits prose into sentences: after `.`, `!`, `?`, `…` (and CJK `。！？`) followed by white
/// space, unless the word before the full stop is a known abbreviation ("e.g.", "Dr."), a
/// single initial ("J. Smith") or the text that follows does not start a sentence. Decimal
/// numbers and URLs contain no space after their dots and are never split.
///
/// A rule-based splitter in the spirit of Punkt (Kiss & Strunk 2006) without its trained
/// model: good enough to pick chunk boundaries and answer sentences, and fully deterministic.
public enum SentenceSplitter {
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "cf", "al",
        "fig", "figs", "no", "nos", "vol", "vols", "pp", "p", "ed", "eds", "approx", "dept", "est", "inc",
        "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "u.s", "u.k", "e.u", "ph.d", "a.m", "p.m", "resp", "ref", "refs", "eq", "eqs", "ch", "sec",
    ]

    /// The sentences of `text`, trimmed, in order (empty pieces dropped).
    public static func split(_ text: String) -> [String] {
        let characters = Array(text)
        var sentences: [String] = []
        var start = 0
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if "。！？".contains(character) {
                append(characters[start...index], to: &sentences)
                start = index + 1
            } else if ".!?…".contains(character) {
                // Consume a run of terminators and closing quotes/brackets: `?!`, `..."`, `.)`.
                var end = index
                while end + 1 < characters.count, ".!?…\"'”’)]".contains(characters[end + 1]) { end += 1 }
                let next = end + 1
                if next >= characters.count {
                    index = end
                } else if characters[next].isWhitespace, isBoundary(characters, terminator: index, next: next) {
                    append(characters[start...end], to: &sentences)
                    start = next
                    index = end
                }
            } else if character == "\n", index + 1 < characters.count, characters[index + 1] == "\n" {
                append(characters[start..<index], to: &sentences)
                start = index + 1
            }
            index += 1
        }
        if start < characters.count { append(characters[start...], to: &sentences) }
        return sentences
    }

    private static func append(_ slice: ArraySlice<Character>, to sentences: inout [String]) {
        let sentence = String(slice).trimmingCharacters(in: .whitespacesAndNewlines)
        if !sentence.isEmpty { sentences.append(sentence) }
    }

    /// Whether the terminator at `terminator` ends a sentence, given the first non-space
    /// character after it.
    private static func isBoundary(_ characters: [Character], terminator: Int, next: Int) -> Bool {
        var after = next
        while after < characters.count, characters[after].isWhitespace { after += 1 }
        guard after < characters.count else { return true }
        let following = characters[after]
        // A new sentence starts with a capital, a digit, a quote or bracket, a letter of a
        // script without case (CJK, Arabic, …) — or a lowercase letter only after ! or ?.
        let startsSentence = following.isUppercase || following.isNumber || "\"'“‘([".contains(following)
            || !following.isLetter || !following.isLowercase
        guard characters[terminator] == "." else { return startsSentence || following.isLetter }
        guard startsSentence else { return false }
        // The word ending with this full stop.
        var wordStart = terminator
        while wordStart > 0, !characters[wordStart - 1].isWhitespace, characters[wordStart - 1] != "(" { wordStart -= 1 }
        let word = String(characters[wordStart..<terminator]).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "\"'“‘(["))
        if abbreviations.contains(word) { return false }
        // A single initial ("J. Smith"), but not a one-letter sentence end like "plan B."
        if word.count == 1, word.first?.isLetter == true, characters[wordStart].isUppercase { return false }
        return true
    }
}
