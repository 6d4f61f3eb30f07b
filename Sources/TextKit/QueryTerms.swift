import Foundation

/// Search terms of a question, for lexical retrieval and answer scoring.
public enum QueryTerms {
    /// English function words that carry no topic (they would only add noise to BM25 and to
    /// word-overlap scores).
    public static let stopwords: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be",
        "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does",
        "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her",
        "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself",
        "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or",
        "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than",
        "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
        "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which",
        "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves",
        "tell", "please", "know", "also", "use", "using", "used",
    ]

    /// Lowercased words of `text` (letters and digits), stopwords and one-letter words
    /// removed, duplicates dropped, in order of first appearance, at most `limit`.
    public static func terms(_ text: String, limit: Int = 24) -> [String] {
        var seen = Set<String>()
        var terms: [String] = []
        for word in text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            let term = String(word)
            guard term.count >= 2 || term.allSatisfy(\.isNumber), !stopwords.contains(term), seen.insert(term).inserted else { continue }
            terms.append(term)
            if terms.count == limit { break }
        }
        return terms
    }

    /// The Porter stems of `text`'s topic words (as `terms` finds them, without a limit): the
    /// unit answer passages are matched in. ASCII text takes a byte-level path (the answer
    /// step stems every candidate sentence of every question); other text goes through `terms`.
    public static func stems(_ text: String) -> Set<String> {
        guard text.utf8.allSatisfy({ $0 < 128 }) else { return Set(terms(text, limit: .max).map(PorterStemmer.stem)) }
        var stems = Set<String>()
        var lowered = text.lowercased()
        lowered.withUTF8 { bytes in
            var start = -1
            func flush(_ end: Int) {
                guard start >= 0 else { return }
                defer { start = -1 }
                let length = end - start
                guard length >= 2 || (length == 1 && bytes[start] >= 48 && bytes[start] <= 57) else { return }
                let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                if !stopwords.contains(word) { stems.insert(PorterStemmer.stem(word)) }
            }
            for index in 0..<bytes.count {
                let byte = bytes[index]
                let isWordByte = (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
                if isWordByte {
                    if start < 0 { start = index }
                } else {
                    flush(index)
                }
            }
            flush(bytes.count)
        }
        return stems
    }
}
