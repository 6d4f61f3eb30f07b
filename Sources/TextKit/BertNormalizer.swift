import Foundation

/// BERT's text normalisation and pre-tokenisation, as Hugging Face `tokenizers` does it for
/// `all-MiniLM-L6-v2` (`BertNormalizer` with clean_text, handle_chinese_chars, strip_accents
/// following lowercase = true; then `BertPreTokenizer`).
///
/// Reference: huggingface/tokenizers `normalizers/bert.rs` and `pre_tokenizers/bert.rs`;
/// Devlin et al. 2019, `tokenization.py` `BasicTokenizer`. Works on Unicode scalars, as the
/// Rust reference works on `char`s.
public enum BertNormalizer {
    /// Cleans, isolates CJK ideographs, strips accents (NFD, drop nonspacing marks) and
    /// lowercases, in that order.
    public static func normalize(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return normalizeASCII(text) }
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isChineseCharacter(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var result = String.UnicodeScalarView()
        // Canonical decomposition splits "é" into "e" + U+0301 (a nonspacing mark, dropped).
        for scalar in String(cleaned).decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            // Per-scalar full lowercase mapping (no context rules), as Rust's char::to_lowercase.
            let properties = scalar.properties
            if properties.changesWhenLowercased {
                result.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// The same steps for pure ASCII, byte by byte: NFD and the Unicode property lookups are
    /// identities there, and skipping them makes tokenising typical English pages ~5× faster.
    static func normalizeASCII(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case 0x09, 0x0A, 0x0D, 0x20: bytes.append(0x20)          // whitespace → space
            case 0x41...0x5A: bytes.append(byte + 0x20)              // lowercase
            case 0x21...0x7E: bytes.append(byte)
            default: continue                                         // NUL, other controls, DEL
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Splits normalised text into words: on whitespace, with every punctuation character a
    /// word of its own.
    public static func preTokenize(_ normalized: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in normalized.unicodeScalars {
            if isWhitespace(scalar) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
            } else if isPunctuation(scalar) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Tab, newline and carriage return, or Unicode White_Space.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20: return true
        case 0x00...0x7F: return false
        default: return scalar.properties.isWhitespace
        }
    }

    /// "Other" characters (Cc, Cf, Cn, Co, Cs) except tab, newline and carriage return.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x20...0x7E: return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .unassigned, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// ASCII punctuation (which includes symbols such as `$`, `+`, `<`, `^`), or Unicode
    /// punctuation categories P*.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0...127: return false
        default:
            switch scalar.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation:
                return true
            default: return false
            }
        }
    }

    /// CJK Unified Ideographs blocks (the ranges of the `tokenizers` reference).
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }
}
