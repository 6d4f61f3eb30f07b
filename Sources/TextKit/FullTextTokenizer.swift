import Foundation

/// The tokens a full-text index stores for a text, as SQLite FTS5's
/// `porter unicode61 remove_diacritics 2` tokenizer makes them: runs of letters and digits
/// (Unicode categories L*, N* and Co; everything else separates), lowercased, diacritics
/// removed, each Porter-stemmed. A backend without FTS5 (PostgreSQL) indexes and queries with
/// this, so both backends count and match the same terms (`StemmerAgreementTests` holds the
/// two to it). ASCII text takes a byte-level path. Pure and thread-safe.
public enum FullTextTokenizer {
    /// Every token of `text`, in order, repeats included.
    public static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        if text.utf8.allSatisfy({ $0 < 128 }) {
            var text = text
            text.withUTF8 { bytes in
                var current: [UInt8] = []
                current.reserveCapacity(32)
                for byte in bytes {
                    switch byte {
                    case 65...90: current.append(byte + 32)
                    case 97...122, 48...57: current.append(byte)
                    default:
                        if !current.isEmpty { tokens.append(PorterStemmer.stem(String(decoding: current, as: UTF8.self), lettersOnly: false)) }
                        current.removeAll(keepingCapacity: true)
                    }
                }
                if !current.isEmpty { tokens.append(PorterStemmer.stem(String(decoding: current, as: UTF8.self), lettersOnly: false)) }
            }
            return tokens
        }
        var current = String.UnicodeScalarView()
        func flush() {
            guard !current.isEmpty else { return }
            var word = String.UnicodeScalarView()
            for scalar in String(current).lowercased().unicodeScalars {
                if scalar == "ς" {
                    word.append("σ")     // unicode61 folds the final sigma
                } else if isLatin(scalar) {
                    // Only Latin letters lose their diacritics (remove_diacritics 2).
                    word.append(contentsOf: String(scalar).folding(options: .diacriticInsensitive, locale: nil).unicodeScalars
                        .filter(isTokenScalar))
                } else {
                    word.append(scalar)
                }
            }
            if !word.isEmpty { tokens.append(PorterStemmer.stem(String(word), lettersOnly: false)) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if isTokenScalar(scalar) { current.append(scalar) } else if !isCombiningMark(scalar) { flush() }
        }
        flush()
        return tokens
    }

    /// Whether unicode61 keeps the scalar in a token (letters, numbers, private use).
    static func isTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }

    /// Latin letters with diacritics (Latin-1 Supplement to Latin Extended-B, Latin
    /// Extended Additional).
    static func isLatin(_ scalar: Unicode.Scalar) -> Bool {
        (0xC0...0x24F).contains(scalar.value) || (0x1E00...0x1EFF).contains(scalar.value)
    }

    /// A diacritic of the letter before it (removed, not a separator).
    static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .nonspacingMark
    }
}
