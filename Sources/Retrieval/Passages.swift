import TextKit

/// A quotable piece of a chunk: one to three adjacent sentences of its prose, a table row or
/// a code block — with the context it is read in (the definition term it describes) and
/// where it comes from.
struct Passage {
    enum Kind { case prose, row, code }

    var kind: Kind
    /// The sentences of the prose run it comes from (consecutive paragraphs and list items
    /// under one term), or its one row or code block.
    var run: [String]
    /// The definition term the passage describes (`ChunkLayout` term line), if any.
    var term: String?
    /// Index of the source chunk among the composer's candidates.
    var source: Int
    /// The run's index within the chunk, and the first sentence's index within the run.
    var block: Int
    var position: Int
    var sentences: Int
    /// What follows the run in the chunk when it is a code block or table rows: quoted along
    /// when the passage ends by announcing it ("…, run:").
    var follower: String?
    /// Whether the run opens its definition within the chunk: the block before it describes
    /// another term (a chunk's first run may continue an entry the previous chunk began, since
    /// the term is repeated before every block of an entry).
    var opensEntry = false
    /// The stems of `text`'s words (`QuestionWeights.stems`), and how many words it has.
    var stems: Set<String> = []
    var words = 0

    /// The quoted text (built when needed: most passages are scored and dropped).
    var text: String { sentences == 1 ? run[position] : run[position..<(position + sentences)].joined(separator: " ") }

    /// Whether the two share a sentence (or are the same row or code block).
    func overlaps(_ other: Passage) -> Bool {
        source == other.source && block == other.block
            && position < other.position + other.sentences && other.position < position + sentences
    }

    /// The same prose passage grown to at least `minimum` sentences of its run — the next
    /// sentence, then the one before, in turn — within `maxWords` words: a coherent window, since
    /// the sentence after the best-matching one often carries the specifics and the one before
    /// often sets them up.
    func expanded(toAtLeast minimum: Int, maxWords: Int) -> Passage {
        guard kind == .prose, sentences < minimum else { return self }
        var start = position, end = position + sentences
        func words(_ range: Range<Int>) -> Int { run[range].reduce(0) { $0 + $1.split(separator: " ").count } }
        var forward = true
        while end - start < minimum {
            let canGrowForward = end < run.count && words(start..<(end + 1)) <= maxWords
            let canGrowBack = start > 0 && words((start - 1)..<end) <= maxWords
            if canGrowForward && (forward || !canGrowBack) { end += 1 }
            else if canGrowBack { start -= 1 }
            else { break }
            forward.toggle()
        }
        var grown = self
        grown.position = start
        grown.sentences = end - start
        return grown
    }

    /// The passage within its run, grown to about `limit` characters at sentence boundaries
    /// (what a citation shows as the passage's context).
    func context(limit: Int) -> String {
        guard kind == .prose else { return text.count > limit ? String(text.prefix(limit)) + "…" : text }
        var start = position, end = min(run.count, position + sentences)
        func length(_ range: Range<Int>) -> Int { run[range].reduce(0) { $0 + $1.count + 1 } }
        while true {
            if end < run.count, length(start..<(end + 1)) <= limit { end += 1 }
            else if start > 0, length((start - 1)..<end) <= limit { start -= 1 }
            else { break }
        }
        return (start > 0 ? "… " : "") + run[start..<end].joined(separator: " ") + (end < run.count ? " …" : "")
    }
}

/// Splits stored chunks into passages along their layout (`ChunkLayout`): term lines are
/// context, never passages; consecutive paragraphs and list items under one term form a run
/// whose every window of one to `maxSentences` adjacent sentences is a passage; table rows and
/// code blocks are passages whole.
enum Passages {
    /// A block of a chunk: its kind, its text (lines joined) and the term it describes.
    struct Block {
        var kind: ChunkLayout.Kind
        var text: String
        var term: String?
    }

    /// The chunk's blocks; a chunk without a (valid) layout is read as one paragraph per line.
    static func blocks(text: String, layout: String) -> [Block] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let entries = ChunkLayout(layout).flatMap { $0.lineCount == lines.count ? $0.entries : nil }
            ?? lines.map { _ in ChunkLayout.Entry(kind: .paragraph, lines: 1) }
        var blocks: [Block] = []
        var line = 0
        var term: String?
        for entry in entries {
            let text = lines[line..<(line + entry.lines)].joined(separator: "\n")
            line += entry.lines
            if entry.kind == .term {
                term = text
                continue
            }
            blocks.append(Block(kind: entry.kind, text: text, term: term))
        }
        return blocks
    }

    static func isProse(_ kind: ChunkLayout.Kind) -> Bool { kind == .paragraph || kind == .listItem || kind == .quote }

    /// Every passage of a chunk's blocks.
    static func passages(of blocks: [Block], source: Int, maxSentences: Int, maxCodeLines: Int) -> [Passage] {
        var passages: [Passage] = []
        var index = 0
        var run = 0
        while index < blocks.count {
            let block = blocks[index]
            switch block.kind {
            case .term:
                index += 1
            case .tableRow, .code:
                if block.kind == .tableRow || block.text.lineCount <= maxCodeLines {
                    passages.append(Passage(kind: block.kind == .code ? .code : .row, run: [block.text], term: block.term,
                                            source: source, block: run, position: 0, sentences: 1,
                                            stems: QuestionWeights.stems(of: block.text), words: wordCount(block.text)))
                }
                run += 1
                index += 1
            case .paragraph, .listItem, .quote:
                var sentences: [String] = []
                var end = index
                while end < blocks.count, isProse(blocks[end].kind), blocks[end].term == block.term {
                    sentences += SentenceSplitter.split(blocks[end].text)
                    end += 1
                }
                let follower = end < blocks.count && !isProse(blocks[end].kind) && blocks[end].term == block.term
                    ? followingText(blocks[end...], maxCodeLines: maxCodeLines) : nil
                let opensEntry = block.term != nil && index > 0 && blocks[index - 1].term != block.term
                // Each sentence is stemmed once; a window's stems are its sentences' together.
                let sentenceStems = sentences.map(QuestionWeights.stems(of:))
                let sentenceWords = sentences.map(wordCount)
                for start in sentences.indices {
                    var stems = Set<String>()
                    var words = 0
                    for length in 1...maxSentences where start + length <= sentences.count {
                        stems.formUnion(sentenceStems[start + length - 1])
                        words += sentenceWords[start + length - 1]
                        passages.append(Passage(kind: .prose, run: sentences, term: block.term, source: source, block: run, position: start,
                                                sentences: length, follower: start + length == sentences.count ? follower : nil,
                                                opensEntry: opensEntry, stems: stems, words: words))
                    }
                }
                run += 1
                index = end
            }
        }
        return passages
    }

    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }

    /// The code block, or the first rows of the table, that a run announces.
    static func followingText(_ blocks: ArraySlice<Block>, maxCodeLines: Int) -> String? {
        guard let first = blocks.first else { return nil }
        if first.kind == .code { return first.text.lineCount <= maxCodeLines ? first.text : nil }
        let rows = blocks.prefix { $0.kind == .tableRow }.prefix(4).map(\.text)
        return rows.isEmpty ? nil : rows.joined(separator: "\n")
    }
}
