/// Splits a document into chunks sized for the embedding model, following its structure.
///
/// 1. Headings open sections (h1 > h2 > h3 …); every chunk stays inside one section and
///    carries its heading path.
/// 2. Inside a section, blocks are packed up to `targetTokens`; a block too big for that is
///    split into sentences, and a sentence too big for `maxTokens` into word windows.
///    `<pre>` code stays whole when it fits `maxTokens` (else it is cut at line breaks).
/// 3. Neighbouring chunks of a section share one sentence (`overlapSentences`), so a fact on
///    a boundary is whole in at least one chunk.
/// 4. A trailing piece smaller than `minTokens` is merged into its predecessor when the two fit.
///
/// Token counts come from the model's own tokenizer and always include the heading prefix,
/// so an embedded chunk never exceeds `maxTokens` (the model's 256 minus [CLS] and [SEP]).
public struct Chunker: Sendable {
    public struct Options: Sendable {
        public var targetTokens = 200
        public var maxTokens = 254
        public var overlapSentences = 1
        public var minTokens = 40
        public init() {}
    }

    public let counter: any TokenCounter
    public let options: Options
    static let separator = " › "

    public init(counter: any TokenCounter, options: Options = Options()) {
        self.counter = counter
        self.options = options
    }

    /// A unit of packing: a whole block, a sentence, or a window of a long sentence.
    struct Unit {
        var text: String
        var tokens: Int
        /// Index of the block it came from (units of one block join with a space).
        var block: Int
        var isSentence: Bool
        /// The block's kind, as a letter of `ChunkLayout`.
        var kind: ChunkLayout.Kind
        /// The definition term of its block, written on a line of its own before the first
        /// unit of that block in a chunk (so a description split over chunks keeps its term).
        var term: String?
    }

    public func chunk(title: String, blocks: [TextBlock]) -> [TextChunk] {
        var chunks: [TextChunk] = []
        var path: [(level: Int, text: String)] = []
        var content: [TextBlock] = []
        func flush() {
            if !content.isEmpty { chunks += chunkSection(title: title, headings: path.map(\.text), blocks: content) }
            content.removeAll()
        }
        for block in blocks {
            if case .heading(let level) = block.kind {
                flush()
                let heading = Self.collapse(block.text)
                guard !heading.isEmpty else { continue }
                while let last = path.last, last.level >= level { path.removeLast() }
                path.append((level, heading))
            } else if !block.text.allSatisfy(\.isWhitespace) {
                content.append(block)
            }
        }
        flush()
        return chunks
    }

    /// "Title › H1 › H2: ", without the title when the first heading repeats it, shortened
    /// from the outside when it would take more than half the budget.
    /// What a stored chunk was embedded as: its context prefix (page title and heading path,
    /// as `chunk` built it) and its text. Re-embedding uses it to rebuild the model's input.
    public func embeddingText(title: String, headingPath: String, text: String) -> String {
        let headings = headingPath.split(separator: Self.separator).map(String.init).filter { !$0.isEmpty }
        return prefix(title: title, headings: headings).text + text
    }

    func prefix(title: String, headings: [String]) -> (text: String, tokens: Int) {
        var parts = headings
        let cleanTitle = Self.collapse(title)
        if !cleanTitle.isEmpty, parts.first?.lowercased() != cleanTitle.lowercased() { parts.insert(cleanTitle, at: 0) }
        while !parts.isEmpty {
            let text = parts.joined(separator: Self.separator) + ": "
            let tokens = counter.countTokens(text)
            if tokens <= options.maxTokens / 2 { return (text, tokens) }
            parts.removeFirst()
        }
        return ("", 0)
    }

    func chunkSection(title: String, headings: [String], blocks: [TextBlock]) -> [TextChunk] {
        let (prefixText, prefixTokens) = prefix(title: title, headings: headings)
        let hard = options.maxTokens - prefixTokens
        let target = min(options.targetTokens, hard)
        var termTokens: [String: Int] = [:]
        // Terms are shortened to a fifth of the budget so that a term line always fits.
        let blocks = blocks.map { block in
            var block = block
            if let term = block.term { block.term = shortened(term, limit: max(8, hard / 5)) }
            return block
        }
        for term in Set(blocks.compactMap(\.term)) { termTokens[term] = counter.countTokens(term) }
        let units = makeUnits(blocks, target: target, hard: hard - (termTokens.values.max() ?? 0))
        /// What a unit adds to a group: its tokens, plus its term line when the group does not
        /// already end with a unit of the same block.
        func cost(_ unit: Unit, after previous: Unit?) -> Int {
            guard let term = unit.term, previous?.block != unit.block || previous?.term != term else { return unit.tokens }
            return unit.tokens + (termTokens[term] ?? 0)
        }
        func total(_ group: [Unit]) -> Int {
            group.enumerated().reduce(0) { sum, item in sum + cost(item.element, after: item.offset > 0 ? group[item.offset - 1] : nil) }
        }

        var groups: [[Unit]] = []
        var current: [Unit] = []
        var tokens = 0
        for unit in units {
            let added = cost(unit, after: current.last)
            let limit = added > target ? hard : target
            if !current.isEmpty, tokens + added > limit {
                groups.append(current)
                // Carry the last sentence over when it came from a sentence-split block.
                let carried = options.overlapSentences > 0 ? Array(current.suffix(options.overlapSentences).filter(\.isSentence)) : []
                let carriedTokens = total(carried + [unit])
                if !carried.isEmpty, carriedTokens <= target, carried.allSatisfy({ $0.block == unit.block }) {
                    current = carried
                    tokens = total(carried)
                } else {
                    current = []
                    tokens = 0
                }
            }
            tokens += cost(unit, after: current.last)
            current.append(unit)
        }
        if !current.isEmpty { groups.append(current) }
        mergeSmallTail(&groups, hard: hard, total: total)

        return groups.map { group in
            let (text, layout) = Self.join(group)
            let count = total(group)
            return TextChunk(headingPath: headings, text: text, tokenCount: count, embeddingText: prefixText + text,
                             embeddingTokenCount: prefixTokens + count, layout: layout)
        }
    }

    /// `text` cut to at most `limit` tokens (at a word boundary, with an ellipsis).
    func shortened(_ text: String, limit: Int) -> String {
        guard counter.countTokens(text) > limit else { return text }
        var words = text.split(separator: " ")
        while words.count > 1, counter.countTokens(words.joined(separator: " ") + " …") > limit { words.removeLast() }
        return words.joined(separator: " ") + " …"
    }

    /// Units of packing for the blocks of one section.
    func makeUnits(_ blocks: [TextBlock], target: Int, hard: Int) -> [Unit] {
        var units: [Unit] = []
        for (index, block) in blocks.enumerated() {
            let kind = ChunkLayout.Kind(block.kind)
            func unit(_ text: String, _ tokens: Int, sentence: Bool) -> Unit {
                Unit(text: text, tokens: tokens, block: index, isSentence: sentence, kind: kind, term: block.term)
            }
            if block.kind == .code {
                let text = block.text.trimmingTrailingNewlines()
                let tokens = counter.countTokens(text)
                if tokens <= hard {
                    units.append(unit(text, tokens, sentence: false))
                } else {
                    units += window(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
                                    joiner: "\n", limit: hard).map { unit($0.text, $0.tokens, sentence: false) }
                }
                continue
            }
            let text = Self.collapse(block.text)
            let tokens = counter.countTokens(text)
            if tokens <= target {
                units.append(unit(text, tokens, sentence: false))
                continue
            }
            for sentence in SentenceSplitter.split(text) {
                let count = counter.countTokens(sentence)
                if count <= hard {
                    units.append(unit(sentence, count, sentence: true))
                } else {
                    units += window(lines: sentence.split(separator: " ").map(String.init), joiner: " ", limit: hard)
                        .map { unit($0.text, $0.tokens, sentence: false) }
                }
            }
        }
        return units
    }

    /// Packs pieces (words or lines) into windows of at most `limit` tokens.
    func window(lines pieces: [String], joiner: String, limit: Int) -> [(text: String, tokens: Int)] {
        var windows: [(text: String, tokens: Int)] = []
        var current: [String] = []
        var tokens = 0
        for piece in pieces {
            var count = counter.countTokens(piece)
            var text = piece
            if count > limit {
                // A single enormous word or line: cut it by characters until it fits.
                var characters = Array(piece)
                while count > limit, characters.count > 1 {
                    characters.removeLast(max(1, characters.count / 4))
                    count = counter.countTokens(String(characters))
                }
                text = String(characters)
            }
            if !current.isEmpty, tokens + count > limit {
                windows.append((current.joined(separator: joiner), tokens))
                current = []
                tokens = 0
            }
            current.append(text)
            tokens += count
        }
        if !current.isEmpty { windows.append((current.joined(separator: joiner), tokens)) }
        return windows
    }

    private func mergeSmallTail(_ groups: inout [[Unit]], hard: Int, total: ([Unit]) -> Int) {
        guard groups.count >= 2, let last = groups.last else { return }
        guard total(last) < options.minTokens else { return }
        let previous = groups[groups.count - 2]
        // Drop the overlap sentence the tail carried, since it is the previous group's end.
        let carried = last.first.map { first in previous.last.map { $0.text == first.text && $0.block == first.block } ?? false } ?? false
        let tail = carried ? Array(last.dropFirst()) : last
        let merged = previous + tail
        guard total(merged) <= hard else { return }
        groups.removeLast(2)
        groups.append(merged)
    }

    /// The chunk's text and layout: units of one block join with a space, different blocks
    /// with a newline, and a block with a term is preceded by the term's line.
    static func join(_ units: [Unit]) -> (text: String, layout: String) {
        var text = ""
        var layout = ChunkLayout()
        for (index, unit) in units.enumerated() {
            let previous = index > 0 ? units[index - 1] : nil
            let sameBlock = previous?.block == unit.block
            if let term = unit.term, !sameBlock || previous?.term != term {
                if !text.isEmpty { text += "\n" }
                text += term
                layout.append(.term, lines: 1)
                layout.append(unit.kind, lines: unit.text.lineCount)
                text += "\n" + unit.text
                continue
            }
            if sameBlock, unit.kind == .code {
                // Windows of one long code block continue on the next line.
                text += "\n" + unit.text
                layout.extendLast(by: unit.text.lineCount)
                continue
            }
            if index > 0 { text += sameBlock ? " " : "\n" }
            text += unit.text
            if sameBlock {
                layout.extendLast(by: unit.text.lineCount - 1)
            } else {
                layout.append(unit.kind, lines: unit.text.lineCount)
            }
        }
        return (text, layout.description)
    }

    /// Collapses runs of white space into single spaces and trims.
    public static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

extension String {
    /// Lines in the text ("a\nb" has two).
    public var lineCount: Int { reduce(1) { $1 == "\n" ? $0 + 1 : $0 } }

    func trimmingTrailingNewlines() -> String {
        var text = self
        while let last = text.last, last.isNewline || last == " " { text.removeLast() }
        while let first = text.first, first.isNewline { text.removeFirst() }
        return text
    }
}
