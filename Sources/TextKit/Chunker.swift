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
        let units = makeUnits(blocks, target: target, hard: hard)

        var groups: [[Unit]] = []
        var current: [Unit] = []
        var tokens = 0
        for unit in units {
            let limit = unit.tokens > target ? hard : target
            if !current.isEmpty, tokens + unit.tokens > limit {
                groups.append(current)
                // Carry the last sentence over when it came from a sentence-split block.
                let carried = options.overlapSentences > 0 ? current.suffix(options.overlapSentences).filter(\.isSentence) : []
                let carriedTokens = carried.reduce(0) { $0 + $1.tokens }
                if !carried.isEmpty, carriedTokens + unit.tokens <= target, carried.allSatisfy({ $0.block == unit.block }) {
                    current = Array(carried)
                    tokens = carriedTokens
                } else {
                    current = []
                    tokens = 0
                }
            }
            current.append(unit)
            tokens += unit.tokens
        }
        if !current.isEmpty { groups.append(current) }
        mergeSmallTail(&groups, hard: hard)

        return groups.map { group in
            let text = Self.join(group)
            let count = group.reduce(0) { $0 + $1.tokens }
            return TextChunk(headingPath: headings, text: text, tokenCount: count,
                             embeddingText: prefixText + text, embeddingTokenCount: prefixTokens + count)
        }
    }

    /// Units of packing for the blocks of one section.
    func makeUnits(_ blocks: [TextBlock], target: Int, hard: Int) -> [Unit] {
        var units: [Unit] = []
        for (index, block) in blocks.enumerated() {
            if block.kind == .code {
                let text = block.text.trimmingTrailingNewlines()
                let tokens = counter.countTokens(text)
                if tokens <= hard {
                    units.append(Unit(text: text, tokens: tokens, block: index, isSentence: false))
                } else {
                    units += window(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
                                    joiner: "\n", limit: hard, block: index)
                }
                continue
            }
            let text = Self.collapse(block.text)
            let tokens = counter.countTokens(text)
            if tokens <= target {
                units.append(Unit(text: text, tokens: tokens, block: index, isSentence: false))
                continue
            }
            for sentence in SentenceSplitter.split(text) {
                let count = counter.countTokens(sentence)
                if count <= hard {
                    units.append(Unit(text: sentence, tokens: count, block: index, isSentence: true))
                } else {
                    units += window(lines: sentence.split(separator: " ").map(String.init), joiner: " ", limit: hard, block: index)
                }
            }
        }
        return units
    }

    /// Packs pieces (words or lines) into windows of at most `limit` tokens.
    func window(lines pieces: [String], joiner: String, limit: Int, block: Int) -> [Unit] {
        var units: [Unit] = []
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
                units.append(Unit(text: current.joined(separator: joiner), tokens: tokens, block: block, isSentence: false))
                current = []
                tokens = 0
            }
            current.append(text)
            tokens += count
        }
        if !current.isEmpty { units.append(Unit(text: current.joined(separator: joiner), tokens: tokens, block: block, isSentence: false)) }
        return units
    }

    private func mergeSmallTail(_ groups: inout [[Unit]], hard: Int) {
        guard groups.count >= 2, let last = groups.last else { return }
        let lastTokens = last.reduce(0) { $0 + $1.tokens }
        guard lastTokens < options.minTokens else { return }
        let previous = groups[groups.count - 2]
        // Drop the overlap sentence the tail carried, since it is the previous group's end.
        let carried = last.first.map { first in previous.last.map { $0.text == first.text && $0.block == first.block } ?? false } ?? false
        let tail = carried ? Array(last.dropFirst()) : last
        let merged = previous + tail
        guard merged.reduce(0, { $0 + $1.tokens }) <= hard else { return }
        groups.removeLast(2)
        groups.append(merged)
    }

    /// Units of one block join with a space, different blocks with a newline.
    static func join(_ units: [Unit]) -> String {
        var text = ""
        for (index, unit) in units.enumerated() {
            if index > 0 { text += units[index - 1].block == unit.block ? " " : "\n" }
            text += unit.text
        }
        return text
    }

    /// Collapses runs of white space into single spaces and trims.
    public static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while let last = text.last, last.isNewline || last == " " { text.removeLast() }
        while let first = text.first, first.isNewline { text.removeFirst() }
        return text
    }
}
