import Foundation
import TextKit

/// What the extractor keeps of an HTML page.
public struct ExtractedPage: Sendable {
    public var title: String
    /// The `lang` attribute of `<html>` (or of the main element), if any.
    public var declaredLanguage: String?
    /// The main content, in reading order, with its headings.
    public var blocks: [TextBlock]
    /// Followable links (absolute, normalised; `rel=nofollow` excluded).
    public var links: [URL]
    /// `<link rel="canonical">`, resolved and normalised.
    public var canonical: URL?
    /// `<meta name="robots">` directives.
    public var noindex: Bool
    public var nofollow: Bool
    /// The page is mostly links (a table of contents, an index, a menu): crawled for its
    /// links, not indexed as content. See `LinkDensity`.
    public var isNavigation = false

    /// The main text as one string (headings included), whitespace-normalised: what content
    /// hashes are computed over.
    public var plainText: String { Self.plainText(of: blocks) }

    static func plainText(of blocks: [TextBlock]) -> String {
        blocks.map { $0.kind == .code ? $0.text : Chunker.collapse($0.text) }.joined(separator: "\n")
    }
}
