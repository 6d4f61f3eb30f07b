import Foundation

/// Counts tokens the way the embedding model will, so that text can be cut to fit it.
public protocol TokenCounter: Sendable {
    /// The number of word pieces in `text`, without special tokens or truncation.
    func countTokens(_ text: String) -> Int

    /// Whether the vocabulary knows a lowercase word: as a whole piece, or another form of it
    /// ("configure" through "configured").
    func knowsWord(_ word: String) -> Bool
}

extension TokenCounter {
    public func knowsWord(_ word: String) -> Bool { countTokens(word) == 1 }
}

/// BERT's uncased WordPiece tokenizer: `BertNormalizer` then greedy longest-match-first
/// word pieces with `##` continuations; a word longer than 100 characters, or one that cannot
/// be covered by vocabulary pieces, becomes `[UNK]`. Encodings are `[CLS] pieces [SEP]`,
/// truncated to `maxLength` ids in all (sentence-transformers' 256 for all-MiniLM-L6-v2).
///
/// Immutable and thread-safe.
public struct WordPieceTokenizer: TokenCounter {
    public let maxLength: Int
    public let maxCharactersPerWord = 100
    public let classID: Int32
    public let separatorID: Int32
    public let unknownID: Int32
    public let paddingID: Int32
    private let vocabulary: [String: Int32]
    private let pieces: [String]
    /// Porter stems of the vocabulary's whole words (for `knowsWord`).
    private let wordStems: Set<String>
    /// The longest vocabulary entry, in scalars (bounds the longest-match search).
    private let longestPiece: Int

    /// Loads `vocab.txt` (one token per line; the line number is the id).
    public init(vocabularyFile path: String, maxLength: Int = 256) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TokenizerError.unreadableVocabulary(path)
        }
        var tokens = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .init(charactersIn: "\r")) }
        if tokens.last == "" { tokens.removeLast() }
        try self.init(vocabulary: tokens, maxLength: maxLength)
    }

    /// Builds a tokenizer from the ordered vocabulary.
    public init(vocabulary tokens: [String], maxLength: Int = 256) throws {
        var map: [String: Int32] = [:]
        map.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() where map[token] == nil {
            map[token] = Int32(index)
        }
        func id(_ token: String) throws -> Int32 {
            guard let id = map[token] else { throw TokenizerError.missingSpecialToken(token) }
            return id
        }
        self.vocabulary = map
        self.pieces = tokens
        self.maxLength = max(2, maxLength)
        classID = try id("[CLS]")
        separatorID = try id("[SEP]")
        unknownID = try id("[UNK]")
        paddingID = try id("[PAD]")
        longestPiece = tokens.map { $0.unicodeScalars.count }.max() ?? 1
        wordStems = Set(tokens.lazy.filter { $0.count >= 3 && $0.allSatisfy(\.isLetter) }.map(PorterStemmer.stem))
    }

    public func knowsWord(_ word: String) -> Bool {
        vocabulary[word] != nil || wordStems.contains(PorterStemmer.stem(word))
    }

    /// The vocabulary size.
    public var vocabularySize: Int { pieces.count }

    /// The token for an id (for debugging and tests).
    public func token(for id: Int32) -> String? {
        pieces.indices.contains(Int(id)) ? pieces[Int(id)] : nil
    }

    /// `[CLS] pieces [SEP]`, truncated to `maxLength` ids (keeping the first pieces).
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [classID]
        ids.reserveCapacity(min(maxLength, text.utf8.count / 3 + 2))
        let budget = maxLength - 2
        for word in BertNormalizer.preTokenize(BertNormalizer.normalize(text)) {
            appendPieces(of: word, to: &ids)
            if ids.count >= budget + 1 { break }
        }
        if ids.count > budget + 1 { ids.removeLast(ids.count - budget - 1) }
        ids.append(separatorID)
        return ids
    }

    /// Word pieces of `text` without special tokens or truncation.
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for word in BertNormalizer.preTokenize(BertNormalizer.normalize(text)) {
            appendPieces(of: word, to: &ids)
        }
        return ids
    }

    public func countTokens(_ text: String) -> Int {
        tokenize(text).count
    }

    /// Greedy longest-match-first segmentation of one word (reference: `wordpiece.rs`).
    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int32]) {
        guard word.count <= maxCharactersPerWord else {
            ids.append(unknownID)
            return
        }
        let mark = ids.count
        var start = 0
        while start < word.count {
            var end = min(word.count, start + longestPiece)
            var found: Int32?
            while end > start {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                // One uncoverable piece makes the whole word unknown.
                ids.removeLast(ids.count - mark)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}

/// Tokenizer loading failures.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    case unreadableVocabulary(String)
    case missingSpecialToken(String)

    public var description: String {
        switch self {
        case .unreadableVocabulary(let path): return "cannot read vocabulary file \(path)"
        case .missingSpecialToken(let token): return "the vocabulary has no \(token) token"
        }
    }
}
