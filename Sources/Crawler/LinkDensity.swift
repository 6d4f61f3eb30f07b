import TextKit

/// Link density (the share of a block's text that is link text, as readability and
/// trafilatura use it): blocks made mostly of links are menus, tables of contents and index
/// entries, which answer nothing and, indexed, win searches with their lists of titles.
enum LinkDensity {
    /// A block at least this much link text is navigation.
    static let blockThreshold = 0.7
    /// A page whose navigation blocks hold at least this share of its text is a navigation
    /// page; so is one where they hold the majority and what is left is under
    /// `minimumContent` non-space characters.
    static let pageThreshold = 0.8
    static let minimumContent = 200

    /// The blocks without navigation blocks (headings stay: the chunker drops empty sections),
    /// and whether what remains is too little to be a content page.
    static func filter(_ blocks: [TextBlock]) -> (blocks: [TextBlock], isNavigation: Bool) {
        var kept: [TextBlock] = []
        var dropped = 0, remaining = 0
        for block in blocks {
            let characters = visibleCharacterCount(block.text)
            if case .heading = block.kind {
                kept.append(block)
            } else if block.kind != .code, block.linkDensity >= blockThreshold {
                dropped += characters
            } else {
                kept.append(block)
                remaining += characters
            }
        }
        let share = dropped + remaining == 0 ? 0 : Double(dropped) / Double(dropped + remaining)
        let isNavigation = share >= pageThreshold || (share >= 0.5 && remaining < minimumContent)
        return (kept, isNavigation)
    }
}
