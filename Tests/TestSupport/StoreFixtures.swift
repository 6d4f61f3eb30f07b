import Foundation
import Storage
import Testing

/// A user with a collection, the starting point of most storage tests.
public struct Owner: Sendable {
    public let user: UserRecord
    public let userID: Int64
    public let collectionID: Int64

    public init(_ store: any DataStore, email: String = "owner@example.com", collection: String = "docs") async throws {
        user = try await store.createUser(email: email, passwordHash: "$2b$04$hash")
        userID = try #require(user.id)
        collectionID = try #require(try await store.ensureCollection(userID: userID, name: collection).id)
    }
}

extension DocumentStore {
    /// Stores a page of `texts` (one chunk each, with `vectors` or else simple distinct ones)
    /// and returns its chunk ids.
    @discardableResult
    public func storeTestPage(collectionID: Int64, url: String, title: String = "Page", texts: [String], headings: [String]? = nil,
                       dimension: Int = 4, vectors: [[Float]]? = nil) async throws -> [Int64] {
        let document = DocumentRecord(collectionID: collectionID, url: url, canonicalURL: nil, title: title, lang: "en",
                                      contentHash: "h-" + url + texts.joined(), fetchedAt: Date(), etag: nil, lastModified: nil,
                                      links: ["\(url)/next"], httpStatus: 200, depth: 0, bytes: 100)
        let chunks = texts.enumerated().map { index, text in
            NewChunk(ordinal: index, headingPath: headings?[index] ?? "", text: text, tokenCount: text.split(separator: " ").count,
                     vector: vectors?[index] ?? (0..<dimension).map { Float($0 + index + 1) / 10 }, contentHash: "c\(index)-\(text.hashValue)")
        }
        return try await storePage(document, chunks: chunks).added
    }
}
