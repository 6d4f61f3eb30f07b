import Foundation

/// Splits prose into sentences: after `.`, `!`, `?`, `…` (and CJK `。！？`) followed by white
/// space, unless the word before the full stop is a known abbreviation ("e.g.", "Dr."), a
/// single initial ("J. Smith") or the text that follows does not start a sentence. Decimal
/// numbers and URLs contain no space after their dots and are never split.
///
/// A rule-based splitter in the spirit of Punkt (Kiss & Strunk 2006) without its trained
/// model: good enough to pick chunk boundaries and answer sentences, and fully deterministic.
/// Works on Unicode scalars (the answer step splits every candidate chunk per question).
public enum SentenceSplitter {
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "cf", "al",
        "fig", "figs", "no", "nos", "vol", "vols", "pp", "p", "ed", "eds", "approx", "dept", "est", "inc",
        "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "u.s", "u.k", "e.u", "ph.d", "a.m", "p.m", "resp", "ref", "refs", "eq", "eqs", "ch", "sec",
    ]

    static func isTerminator(_ s: Unicode.Scalar) -> Bool { s == "." || s == "!" || s == "?" || s == "…" }
    static func isCJKTerminator(_ s: Unicode.Scalar) -> Bool { s == "。" || s == "！" || s == "？" }
    static func isCloser(_ s: Unicode.Scalar) -> Bool { isTerminator(s) || "\"'”’)]".unicodeScalars.contains(s) }
    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    /// The sentences of `text`, trimmed, in order (empty pieces dropped).
    public static func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var sentences: [String] = []
        var start = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if isCJKTerminator(scalar) {
                append(scalars[start...index], to: &sentences)
                start = index + 1
            } else if isTerminator(scalar) {
                // Consume a run of terminators and closing quotes/brackets: `?!`, `..."`, `.)`.
                var end = index
                while end + 1 < scalars.count, isCloser(scalars[end + 1]) { end += 1 }
                let next = end + 1
                if next >= scalars.count {
                    index = end
                } else if isSpace(scalars[next]), isBoundary(scalars, terminator: index, next: next) {
                    append(scalars[start...end], to: &sentences)
                    start = next
                    index = end
                }
            } else if scalar == "\n", index + 1 < scalars.count, scalars[index + 1] == "\n" {
                append(scalars[start..<index], to: &sentences)
                start = index + 1
            }
            index += 1
        }
        if start < scalars.count { append(scalars[start...], to: &sentences) }
        return sentences
    }

    private static func append(_ slice: ArraySlice<Unicode.Scalar>, to sentences: inout [String]) {
        var lower = slice.startIndex, upper = slice.endIndex
        while lower < upper, isSpace(slice[lower]) { lower += 1 }
        while upper > lower, isSpace(slice[upper - 1]) { upper -= 1 }
        guard lower < upper else { return }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: slice[lower..<upper])
        sentences.append(String(view))
    }

    /// Whether the terminator at `terminator` ends a sentence, given the first non-space
    /// scalar after it.
    private static func isBoundary(_ scalars: [Unicode.Scalar], terminator: Int, next: Int) -> Bool {
        var after = next
        while after < scalars.count, isSpace(scalars[after]) { after += 1 }
        guard after < scalars.count else { return true }
        let following = scalars[after].properties
        let isLetter = following.isAlphabetic
        // A new sentence starts with a capital, a digit, a quote or bracket, a letter of a
        // script without case (CJK, Arabic, …) — or a lowercase letter only after ! or ?.
        let startsSentence = following.isUppercase || following.numericType != nil || "\"'“‘([".unicodeScalars.contains(scalars[after])
            || !isLetter || !following.isLowercase
        guard scalars[terminator] == "." else { return startsSentence || isLetter }
        guard startsSentence else { return false }
        // The word ending with this full stop.
        var wordStart = terminator
        while wordStart > 0, !isSpace(scalars[wordStart - 1]), scalars[wordStart - 1] != "(" { wordStart -= 1 }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[wordStart..<terminator])
        let word = String(view).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "\"'“‘(["))
        if abbreviations.contains(word) { return false }
        // A single initial ("J. Smith"), but not a one-letter sentence end like "plan B."
        if word.count == 1, word.first?.isLetter == true, scalars[wordStart].properties.isUppercase { return false }
        return true
    }
}
