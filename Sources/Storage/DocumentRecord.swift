import Foundation
import GRDB

/// A stored page of a collection.
public struct DocumentRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var collectionID: Int64
    public var url: String
    public var canonicalURL: String?
    public var title: String
    public var lang: String?
    public var contentHash: String?
    public var fetchedAt: Date?
    public var etag: String?
    public var lastModified: String?
    /// JSON array of the page's followable links (re-followed when the page answers 304).
    public var links: String
    public var httpStatus: Int?
    public var depth: Int?
    public var bytes: Int?
    public var updatedAt: Date?

    public init(
        id: Int64? = nil, collectionID: Int64, url: String, canonicalURL: String?, title: String, lang: String?,
        contentHash: String?, fetchedAt: Date?, etag: String?, lastModified: String?, links: [String],
        httpStatus: Int?, depth: Int?, bytes: Int?
    ) {
        self.id = id
        self.collectionID = collectionID
        self.url = url
        self.canonicalURL = canonicalURL
        self.title = title
        self.lang = lang
        self.contentHash = contentHash
        self.fetchedAt = fetchedAt
        self.etag = etag
        self.lastModified = lastModified
        self.links = (try? String(decoding: JSONEncoder().encode(links), as: UTF8.self)) ?? "[]"
        self.httpStatus = httpStatus
        self.depth = depth
        self.bytes = bytes
        self.updatedAt = Date()
    }

    /// The decoded links.
    public var linkList: [String] { (try? JSONDecoder().decode([String].self, from: Data(links.utf8))) ?? [] }

    enum CodingKeys: String, CodingKey {
        case id, url, title, lang, etag, links, depth, bytes
        case collectionID = "collection_id"
        case canonicalURL = "canonical_url"
        case contentHash = "content_hash"
        case fetchedAt = "fetched_at"
        case lastModified = "last_modified"
        case httpStatus = "http_status"
        case updatedAt = "updated_at"
    }
}

extension DocumentRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "document"

    public enum Columns {
        public static let collectionID = Column("collection_id")
        public static let url = Column("url")
        public static let contentHash = Column("content_hash")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A chunk to store: its text, heading path, token count, embedding and hash.
public struct NewChunk: Sendable {
    public var ordinal: Int
    public var headingPath: String
    public var text: String
    public var tokenCount: Int
    public var vector: [Float]
    public var contentHash: String
    /// What each line of `text` is (TextKit's `ChunkLayout`, stored form).
    public var layout: String

    public init(ordinal: Int, headingPath: String, text: String, tokenCount: Int, vector: [Float], contentHash: String,
                layout: String = "") {
        self.ordinal = ordinal
        self.headingPath = headingPath
        self.text = text
        self.tokenCount = tokenCount
        self.vector = vector
        self.contentHash = contentHash
        self.layout = layout
    }
}

/// A stored chunk with its document's URL and title (what retrieval returns).
public struct StoredChunk: Sendable, Equatable {
    public var id: Int64
    public var documentID: Int64
    public var ordinal: Int
    public var headingPath: String
    public var text: String
    public var tokenCount: Int
    public var url: String
    public var title: String
    /// What each line of `text` is (TextKit's `ChunkLayout`, stored form; empty for chunks
    /// stored before layouts were kept).
    public var layout: String = ""
}

/// Vectors are stored as little-endian float32 BLOBs.
enum VectorBlob {
    static func encode(_ vector: [Float]) -> Data {
        vector.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    static func decode(_ data: Data, into storage: inout [Float]) {
        data.withUnsafeBytes { raw in
            let floats = raw.bindMemory(to: Float.self)
            storage.append(contentsOf: floats)
        }
    }
}
