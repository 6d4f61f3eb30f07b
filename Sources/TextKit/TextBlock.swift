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
    /// For the blocks of a definition's description (`<dd>`: a parameter entry, an option, a
    /// glossary entry), the term they describe (`<dt>`; nested terms joined by " › "). The
    /// chunker keeps it with every piece of the description as its context.
    public var term: String?
    /// Non-space characters of `text` that were link text (link density, after
    /// readability/trafilatura: blocks that are mostly links are navigation, not content).
    public var linkCharacters: Int

    public init(_ kind: Kind, _ text: String, term: String? = nil, linkCharacters: Int = 0) {
        self.kind = kind
        self.text = text
        self.term = term
        self.linkCharacters = linkCharacters
    }

    /// The share of the block's non-space characters that are link text (0 for no text).
    public var linkDensity: Double {
        let characters = text.reduce(0) { $0 + ($1.isWhitespace ? 0 : 1) }
        return characters == 0 ? 0 : min(1, Double(linkCharacters) / Double(characters))
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
    /// What each line of `text` is (see `ChunkLayout`), in its stored form.
    public var layout: String

    public init(headingPath: [String], text: String, tokenCount: Int, embeddingText: String, embeddingTokenCount: Int,
                layout: String = "") {
        self.headingPath = headingPath
        self.text = text
        self.tokenCount = tokenCount
        self.embeddingText = embeddingText
        self.embeddingTokenCount = embeddingTokenCount
        self.layout = layout
    }
}
