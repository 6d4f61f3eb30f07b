/// A cheap language guess for a page: its declared `lang` when present, else the dominant
/// script (Han, Kana, Hangul, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai), else for
/// Latin text the language whose most common words occur most often. ISO 639-1 codes; "und"
/// when unknown.
public enum LanguageDetector {
    static let stopwords: [String: Set<String>] = [
        "en": ["the", "and", "of", "to", "is", "in", "that", "it", "for", "with", "as", "are", "this", "be", "on", "was", "by", "not"],
        "fr": ["le", "la", "les", "et", "des", "est", "une", "un", "du", "dans", "que", "pour", "qui", "sur", "pas", "avec", "sont"],
        "de": ["der", "die", "und", "das", "ist", "nicht", "ein", "eine", "zu", "den", "mit", "von", "sich", "auf", "für", "dem", "wird"],
        "es": ["el", "la", "los", "las", "y", "de", "que", "en", "un", "una", "es", "por", "con", "para", "del", "se", "no"],
        "it": ["il", "la", "di", "che", "e", "un", "una", "per", "non", "sono", "con", "del", "della", "nel", "gli", "le", "si"],
        "pt": ["o", "a", "os", "as", "de", "que", "e", "do", "da", "em", "um", "uma", "para", "com", "não", "por", "dos"],
        "nl": ["de", "het", "een", "en", "van", "is", "dat", "niet", "op", "te", "zijn", "met", "voor", "die", "ook", "aan"],
    ]

    /// The page language: `declared` normalised ("en-US" → "en") when it looks valid, else a guess from `text`.
    public static func detect(text: String, declared: String? = nil) -> String {
        if let declared {
            let primary = declared.split(separator: "-").first.map { $0.lowercased() } ?? ""
            if (2...3).contains(primary.count), primary.allSatisfy({ $0.isLetter && $0.isASCII }) { return primary }
        }
        return guess(text)
    }

    /// A guess from the text alone (its first 5,000 characters).
    public static func guess(_ text: String) -> String {
        var counts: [String: Int] = [:]
        var letters = 0
        for scalar in text.unicodeScalars.prefix(5000) where scalar.properties.isAlphabetic {
            letters += 1
            if let script = script(of: scalar) { counts[script, default: 0] += 1 }
        }
        guard letters > 0 else { return "und" }
        if let (script, count) = counts.max(by: { $0.value < $1.value }), count * 3 > letters {
            // Japanese text mixes kana with Han; any notable kana means Japanese.
            if script == "zh", let kana = counts["ja"], kana * 10 > count { return "ja" }
            return script
        }
        let words = text.prefix(5000).lowercased().split { !$0.isLetter }.map(String.init)
        var best = ("und", 0)
        for (language, list) in stopwords {
            let hits = words.reduce(0) { $0 + (list.contains($1) ? 1 : 0) }
            if hits > best.1 { best = (language, hits) }
        }
        return best.1 >= 2 ? best.0 : "und"
    }

    private static func script(of scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x3040...0x30FF, 0x31F0...0x31FF: return "ja"
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0xF900...0xFAFF, 0x20000...0x2FA1F: return "zh"
        case 0xAC00...0xD7AF, 0x1100...0x11FF, 0x3130...0x318F: return "ko"
        case 0x0400...0x04FF: return "ru"
        case 0x0370...0x03FF: return "el"
        case 0x0600...0x06FF, 0x0750...0x077F: return "ar"
        case 0x0590...0x05FF: return "he"
        case 0x0900...0x097F: return "hi"
        case 0x0E00...0x0E7F: return "th"
        default: return nil
        }
    }
}
