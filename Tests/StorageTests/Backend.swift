import Foundation
import Storage
import Testing
import TestSupport

/// The storage backends every contract test runs against: SQLite (a file in a temporary
/// folder, as the server uses it) and PostgreSQL (a fresh database on the throwaway test
/// cluster, see `TestPostgres`).
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// An empty store, and a way to open the same database again (a second connection, or a
    /// second server). Keep `Opened` alive while the store is used.
    func open() async throws -> Opened {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "nex-contract")
            let path = directory.appending("db.sqlite")
            return Opened(store: try AppDatabase.open(path: path), directory: directory) {
                try AppDatabase.open(path: path)
            }
        case .postgres:
            let url = try DatabaseURL(try await TestPostgres.freshDatabaseURL())
            return Opened(store: try await PostgresStore.connect(url), directory: nil) {
                try await PostgresStore.connect(url)
            }
        }
    }

    struct Opened: Sendable {
        let store: any DataStore
        let directory: TemporaryDirectory?
        let reopen: @Sendable () async throws -> any DataStore
    }
}

/// A user with a collection, the starting point of most contract tests.
struct Owner {
    let user: UserRecord
    let userID: Int64
    let collectionID: Int64

    init(_ store: any DataStore, email: String = "owner@example.com", collection: String = "docs") async throws {
        user = try await store.createUser(email: email, passwordHash: "$2b$04$hash")
        userID = try #require(user.id)
        collectionID = try #require(try await store.ensureCollection(userID: userID, name: collection).id)
    }
}

extension DocumentStore {
    /// Stores a page of `texts` (one chunk each, with simple distinct vectors) and returns its
    /// chunk ids.
    @discardableResult
    func storeTestPage(collectionID: Int64, url: String, title: String = "Page", texts: [String], headings: [String]? = nil,
                       dimension: Int = 4) async throws -> [Int64] {
        let document = DocumentRecord(collectionID: collectionID, url: url, canonicalURL: nil, title: title, lang: "en",
                                      contentHash: "h-" + url + texts.joined(), fetchedAt: Date(), etag: nil, lastModified: nil,
                                      links: ["\(url)/next"], httpStatus: 200, depth: 0, bytes: 100)
        let chunks = texts.enumerated().map { index, text in
            NewChunk(ordinal: index, headingPath: headings?[index] ?? "", text: text, tokenCount: text.split(separator: " ").count,
                     vector: (0..<dimension).map { Float($0 + index + 1) / 10 }, contentHash: "c\(index)-\(text.hashValue)")
        }
        return try await storePage(document, chunks: chunks).added
    }
}
