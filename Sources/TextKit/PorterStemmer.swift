/// The Porter stemmer (M. F. Porter, "An algorithm for suffix stripping", 1980), as in the
/// author's reference C implementation (with its `bli → ble` and `logi → log` revisions):
/// "configuration", "configure" and "configured" all become "configur".
///
/// Words of fewer than three letters, or with anything but ASCII lowercase letters, are
/// returned unchanged. Pure and thread-safe.
public enum PorterStemmer {
    public static func stem(_ word: String) -> String {
        stem(word, lettersOnly: true)
    }

    /// `lettersOnly` false stems any word of 3 to 64 bytes, non-ASCII bytes counting as
    /// consonants, as SQLite FTS5's `porter` tokenizer does ("straße" → "straß").
    public static func stem(_ word: String, lettersOnly: Bool) -> String {
        var letters = Array(word.utf8)
        guard letters.count >= 3, letters.count <= 64, !lettersOnly || letters.allSatisfy({ $0 >= 97 && $0 <= 122 }) else { return word }
        var w = Word(letters: letters)
        w.step1ab()
        w.step1c()
        w.step2()
        w.step3()
        w.step4()
        w.step5()
        letters = w.letters
        return String(decoding: letters, as: UTF8.self)
    }

    /// The word being stemmed; `j` marks the end of the stem a suffix test left behind.
    private struct Word {
        var letters: [UInt8]
        var j = 0

        var k: Int { letters.count - 1 }

        func isConsonant(_ i: Int) -> Bool {
            switch letters[i] {
            case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"): return false
            case UInt8(ascii: "y"): return i == 0 ? true : !isConsonant(i - 1)
            default: return true
            }
        }

        /// The number of vowel-consonant sequences in letters[0...j].
        func measure() -> Int {
            var n = 0, i = 0
            while true {
                if i > j { return n }
                if !isConsonant(i) { break }
                i += 1
            }
            i += 1
            while true {
                while true {
                    if i > j { return n }
                    if isConsonant(i) { break }
                    i += 1
                }
                i += 1
                n += 1
                while true {
                    if i > j { return n }
                    if !isConsonant(i) { break }
                    i += 1
                }
                i += 1
            }
        }

        func vowelInStem() -> Bool { (0...max(0, j)).contains { j >= 0 && !isConsonant($0) } }

        func doubleConsonant(_ i: Int) -> Bool { i >= 1 && letters[i] == letters[i - 1] && isConsonant(i) }

        /// consonant-vowel-consonant ending at i, the last not w, x or y ("hop", not "snow").
        func cvc(_ i: Int) -> Bool {
            guard i >= 2, isConsonant(i), !isConsonant(i - 1), isConsonant(i - 2) else { return false }
            return ![UInt8(ascii: "w"), UInt8(ascii: "x"), UInt8(ascii: "y")].contains(letters[i])
        }

        /// Whether the word ends with `suffix`; sets `j` to the end of what precedes it.
        mutating func ends(_ suffix: [UInt8]) -> Bool {
            guard suffix.count <= letters.count, letters.suffix(suffix.count).elementsEqual(suffix) else { return false }
            j = letters.count - suffix.count - 1
            return true
        }

        mutating func ends(_ suffix: StaticString) -> Bool {
            ends(suffix.withUTF8Buffer { Array($0) })
        }

        /// Replaces what follows `j` with `replacement`.
        mutating func setTo(_ replacement: [UInt8]) {
            letters.removeSubrange((j + 1)...)
            letters.append(contentsOf: replacement)
        }

        mutating func setTo(_ replacement: StaticString) { setTo(replacement.withUTF8Buffer { Array($0) }) }

        mutating func replace(_ replacement: [UInt8]) { if measure() > 0 { setTo(replacement) } }

        mutating func step1ab() {
            if letters[k] == UInt8(ascii: "s") {
                if ends("sses") { letters.removeLast(2) }
                else if ends("ies") { setTo("i") }
                else if letters.count >= 2, letters[k - 1] != UInt8(ascii: "s") { letters.removeLast() }
            }
            if ends("eed") {
                if measure() > 0 { letters.removeLast() }
            } else if (ends("ed") || ends("ing")) && vowelInStem() {
                letters.removeSubrange((j + 1)...)
                if ends("at") { setTo("ate") }
                else if ends("bl") { setTo("ble") }
                else if ends("iz") { setTo("ize") }
                else if doubleConsonant(k) {
                    if ![UInt8(ascii: "l"), UInt8(ascii: "s"), UInt8(ascii: "z")].contains(letters[k]) { letters.removeLast() }
                } else {
                    j = k
                    if measure() == 1 && cvc(k) { letters.append(UInt8(ascii: "e")) }
                }
            }
        }

        mutating func step1c() {
            if ends("y") && vowelInStem() { letters[k] = UInt8(ascii: "i") }
        }

        static let step2Rules: [([UInt8], [UInt8])] = bytes([
            ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"), ("bli", "ble"),
            ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"),
            ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"),
            ("iviti", "ive"), ("biliti", "ble"), ("logi", "log"),
        ])
        static let step3Rules: [([UInt8], [UInt8])] = bytes([
            ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
        ])
        /// Longest first: the longest matching suffix decides ("ement" before "ment" before "ent").
        static let step4Suffixes: [[UInt8]] = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion",
                                               "ou", "ism", "ate", "iti", "ous", "ive", "ize"].map { Array($0.utf8) }.sorted { $0.count > $1.count }
        static let ion = Array("ion".utf8)

        static func bytes(_ rules: [(String, String)]) -> [([UInt8], [UInt8])] {
            rules.map { (Array($0.0.utf8), Array($0.1.utf8)) }
        }

        mutating func step2() {
            guard letters.count > 2 else { return }
            for (suffix, replacement) in Self.step2Rules where ends(suffix) {
                replace(replacement)
                return
            }
        }

        mutating func step3() {
            for (suffix, replacement) in Self.step3Rules where ends(suffix) {
                replace(replacement)
                return
            }
        }

        mutating func step4() {
            for suffix in Self.step4Suffixes where ends(suffix) {
                if suffix == Self.ion {
                    guard j >= 0, letters[j] == UInt8(ascii: "s") || letters[j] == UInt8(ascii: "t") else { return }
                }
                if measure() > 1 { letters.removeSubrange((j + 1)...) }
                return
            }
        }

        mutating func step5() {
            j = k
            if letters[k] == UInt8(ascii: "e") {
                j = k - 1
                let m = measure()
                if m > 1 || (m == 1 && !cvc(k - 1)) { letters.removeLast() }
            }
            j = k
            if letters[k] == UInt8(ascii: "l") && doubleConsonant(k) && measure() > 1 { letters.removeLast() }
        }
    }
}
