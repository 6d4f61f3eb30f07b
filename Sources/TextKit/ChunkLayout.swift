/// What each line of a chunk's text is: a definition term, a paragraph, a list item, a table
/// row, code or a quote. Stored beside the chunk so that the answer step can quote a table
/// row or a code block whole, read a term as the context of the lines after it, and never
/// quote a term (or anything else that is a label, not a sentence) on its own.
///
/// Written as space-separated kind letters, each followed by its line count when that is more
/// than one: `"t p p c3 r"` is a term line, two paragraph lines, a three-line code block and a
/// table row. Lines are the chunk text split at "\n".
public struct ChunkLayout: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Character, Sendable {
        case term = "t", paragraph = "p", listItem = "l", tableRow = "r", code = "c", quote = "q"

        public init(_ kind: TextBlock.Kind) {
            switch kind {
            case .heading, .paragraph: self = .paragraph
            case .listItem: self = .listItem
            case .tableRow: self = .tableRow
            case .code: self = .code
            case .quote: self = .quote
            }
        }
    }

    /// A run of lines of one block.
    public struct Entry: Sendable, Equatable {
        public var kind: Kind
        public var lines: Int

        public init(kind: Kind, lines: Int) {
            self.kind = kind
            self.lines = lines
        }
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// Parses the stored form; nil when it is malformed (callers then treat every line as a paragraph).
    public init?(_ text: String) {
        for token in text.split(separator: " ") {
            guard let letter = token.first, let kind = Kind(rawValue: letter) else { return nil }
            let count = token.count == 1 ? 1 : Int(token.dropFirst())
            guard let count, count >= 1 else { return nil }
            entries.append(Entry(kind: kind, lines: count))
        }
    }

    public mutating func append(_ kind: Kind, lines: Int) {
        entries.append(Entry(kind: kind, lines: max(1, lines)))
    }

    /// Adds lines to the last entry (a block continued over more lines).
    public mutating func extendLast(by lines: Int) {
        guard lines > 0, !entries.isEmpty else { return }
        entries[entries.count - 1].lines += lines
    }

    public var lineCount: Int { entries.reduce(0) { $0 + $1.lines } }

    public var description: String {
        entries.map { $0.lines == 1 ? String($0.kind.rawValue) : "\($0.kind.rawValue)\($0.lines)" }.joined(separator: " ")
    }
}
