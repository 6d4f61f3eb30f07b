/// One block of a page's main content, in reading order.
public struct TextBlock: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable, Codable {
        case heading(level: Int)
        case paragraph
        case listItem
        /// A table row, its cells joined by " | ".
        case tableRow
        /// Preformatted text (`<pre>`), kept verbatim.
        case code
        case quote
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }
}

/// A piece of a document sized for the embedding model.
public struct TextChunk: Sendable, Equatable {
    /// Headings from the outermost to the innermost around this chunk.
    public var headingPath: [String]
    /// The chunk's own text.
    public var text: String
    /// Word pieces in `text`.
    public var tokenCount: Int
    /// What is embedded: "Title › Section › Subsection: text".
    public var embeddingText: String
    /// Word pieces in `embeddingText` (always ≤ the chunker's `maxTokens`).
    public var embeddingTokenCount: Int
}
