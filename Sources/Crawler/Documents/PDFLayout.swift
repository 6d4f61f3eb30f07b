import Foundation
import TextKit

/// Turns the lines of a PDF's pages into blocks (see `PDFReader`).
struct PDFLayout {
    typealias Line = PDFReader.Line
    var pages: [[Line]]

    func document(declaredTitle: String?, fallbackTitle: String) -> ReadDocument {
        let body = bodyFontSize()
        let levels = headingLevels(body: body)
        let running = runningLines()
        var stack: [(level: Int, text: String)] = []
        var parts: [ReadDocument.Part] = []
        var empty = 0
        var firstHeading: String?
        for (index, lines) in pages.enumerated() {
            // The section a page continues is its context: its chunks carry that heading path.
            var blocks = stack.map { TextBlock(.heading(level: $0.level), $0.text) }
            let carried = blocks.count
            var paragraph: [String] = []
            var paragraphKind = TextBlock.Kind.paragraph
            var previous: Line?
            var previousWasHeading = false
            let kept = lines.enumerated().filter { position, line in
                !running.contains(Self.runningKey(line.text))
                    && !((position == 0 || position == lines.count - 1) && Self.isPageNumber(line.text))
            }.map(\.element)
            let body = kept.filter { !$0.monospaced && level(of: $0, levels: levels) == nil }
            let margin = Self.mostCommon(body.map(\.left)) ?? 0
            let columnRight = body.map(\.right).max() ?? 0
            let columnWidth = max(1, columnRight - margin)
            func flush() {
                guard !paragraph.isEmpty else { return }
                let text = paragraphKind == .code ? paragraph.joined(separator: "\n") : Self.join(paragraph)
                if !text.isEmpty { blocks.append(TextBlock(paragraphKind, text)) }
                paragraph = []
                paragraphKind = .paragraph
            }
            for line in kept {
                defer { previous = line }
                let gap = previous.map { line.top - $0.bottom } ?? 0
                let height = max(1, line.bottom - line.top)
                if let level = level(of: line, levels: levels) {
                    flush()
                    if previousWasHeading, let last = previous, abs(last.fontSize - line.fontSize) < 0.5, gap < height,
                       case .heading = blocks.last?.kind, blocks.count > carried {
                        blocks[blocks.count - 1].text += " " + line.text
                        stack[stack.count - 1].text = blocks[blocks.count - 1].text
                    } else {
                        blocks.append(TextBlock(.heading(level: level), line.text))
                        stack.removeAll { $0.level >= level }
                        stack.append((level, line.text))
                    }
                    if level == 1, firstHeading == nil { firstHeading = line.text }
                    previousWasHeading = true
                    continue
                }
                previousWasHeading = false
                if line.monospaced {
                    if paragraphKind != .code { flush(); paragraphKind = .code }
                    paragraph.append(line.text)
                    continue
                }
                let bullet = Self.bulletless(line.text)
                let indentChanged = previous.map { abs($0.left - line.left) > 8 } ?? false
                let previousEndedShort = previous.map { !$0.monospaced && $0.right < columnRight - 0.15 * columnWidth } ?? false
                if bullet != nil || paragraphKind == .code || gap > max(2, 0.6 * height) || indentChanged || previousEndedShort {
                    flush()
                    // Set in from the page's margin (bullets drawn as graphics leave no glyph).
                    if bullet != nil || line.left > margin + 8 { paragraphKind = .listItem }
                }
                paragraph.append(bullet ?? line.text)
            }
            flush()
            if blocks.count > carried, blocks[carried...].contains(where: { if case .heading = $0.kind { false } else { true } }) {
                parts.append(ReadDocument.Part(anchor: "#page=\(index + 1)", title: "", blocks: blocks))
            } else {
                empty += 1
            }
        }
        let title = [declaredTitle, firstHeading].compactMap { $0 }.first { !$0.isEmpty } ?? fallbackTitle
        for index in parts.indices { parts[index].title = title }
        return ReadDocument(kind: .pdf, parts: parts, emptyParts: empty)
    }

    /// The font size most of the text is set in (weighted by characters, to half a point).
    func bodyFontSize() -> Double {
        var weight: [Double: Int] = [:]
        for line in pages.joined() where !line.monospaced && line.fontSize > 0 {
            weight[(line.fontSize * 2).rounded() / 2, default: 0] += line.text.count
        }
        return weight.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? 0
    }

    /// Heading levels by font size: the sizes clearly above the body's, largest first.
    func headingLevels(body: Double) -> [Double: Int] {
        guard body > 0 else { return [:] }
        let sizes = Set(pages.joined().filter { isHeadingCandidate($0, body: body) }.map { ($0.fontSize * 2).rounded() / 2 })
        return Dictionary(uniqueKeysWithValues: sizes.sorted(by: >).enumerated().map { ($0.element, min(6, $0.offset + 1)) })
    }

    func isHeadingCandidate(_ line: Line, body: Double) -> Bool {
        line.fontSize >= body * 1.15 && !line.monospaced && line.text.count <= 150 && line.text.contains(where: \.isLetter)
    }

    func level(of line: Line, levels: [Double: Int]) -> Int? {
        guard !line.monospaced, line.text.count <= 150 else { return nil }
        return levels[(line.fontSize * 2).rounded() / 2]
    }

    /// Lines that open or close three or more pages, or most pages, compared with their digits
    /// blanked: running headers and footers (a chapter's title on each of its pages), page
    /// numbers. A page number alone on a page's first or last line goes too.
    func runningLines() -> Set<String> {
        var counts: [String: Int] = [:]
        for lines in pages {
            var keys = Set<String>()
            for line in lines.prefix(2) + lines.suffix(2) { keys.insert(Self.runningKey(line.text)) }
            for key in keys { counts[key, default: 0] += 1 }
        }
        return Set(counts.filter { pages.count >= 3 && ($0.value >= 3 || $0.value * 2 >= pages.count) }.map(\.key))
    }

    /// "12", "xii", "Page 12", "- 12 -", "12 of 40": a page number.
    static func isPageNumber(_ text: String) -> Bool {
        let lowered = text.lowercased().trimmingCharacters(in: .whitespaces)
        if !lowered.isEmpty, lowered.wholeMatch(of: /c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})/) != nil { return true }
        return lowered.wholeMatch(of: /(page )?(- ?)?\d{1,4}( ?-)?( (of|\/) \d{1,4})?/) != nil
    }

    /// The most frequent value, to the nearest point.
    static func mostCommon(_ values: [Double]) -> Double? {
        var counts: [Double: Int] = [:]
        for value in values { counts[value.rounded(), default: 0] += 1 }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }

    static func runningKey(_ text: String) -> String {
        String(text.lowercased().map { $0.isNumber ? "#" : $0 })
    }

    /// The text after a list bullet ("•", "◦", "▪", "‣", "-", "–", "*" or "3." / "3)"), or nil.
    static func bulletless(_ text: String) -> String? {
        if let first = text.first, "•◦▪‣-–*·".contains(first), text.dropFirst().first == " " {
            return String(text.dropFirst(2))
        }
        let digits = text.prefix { $0.isNumber }
        if (1...3).contains(digits.count), let mark = text.dropFirst(digits.count).first, mark == "." || mark == ")",
           text.dropFirst(digits.count + 1).first == " " {
            return String(text.dropFirst(digits.count + 2))
        }
        return nil
    }

    /// Joins a block's lines into running text, mending words hyphenated at a line end.
    static func join(_ lines: [String]) -> String {
        var text = ""
        for line in lines {
            if text.hasSuffix("-"), text.dropLast().last?.isLetter == true, line.first?.isLowercase == true {
                text.removeLast()
                text += line
            } else {
                text += text.isEmpty ? line : " " + line
            }
        }
        return Chunker.collapse(text)
    }
}
