import Foundation
import Storage
import Testing
import TestSupport

/// Uploaded files waiting for their job, on both backends (SQLite and a real PostgreSQL).
@Suite("Upload store")
struct UploadStoreTests {
    @Test("uploaded files come back byte for byte per batch; a purge spares the files of queued upload jobs", arguments: Backend.allCases)
    func uploads(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let owner = try await Owner(store)
        let binary = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let old = Date().addingTimeInterval(-3 * 86400)
        try await store.storeUploads(batch: "kept", files: [UploadedFile(name: "a.pdf", kind: "pdf", bytes: binary),
                                                            UploadedFile(name: "b.md", kind: "markdown", bytes: Data("# b".utf8))], at: old)
        try await store.storeUploads(batch: "orphan", files: [UploadedFile(name: "c.txt", kind: "text", bytes: Data("c".utf8))], at: old)
        try await store.storeUploads(batch: "recent", files: [UploadedFile(name: "d.txt", kind: "text", bytes: Data("d".utf8))], at: Date())
        _ = try await store.createJob(userID: owner.userID, collectionID: owner.collectionID, kind: "upload",
                                      params: #"{"collection":"c","batch":"kept","files":[]}"#)
        let kept = try await store.uploads(batch: "kept")
        #expect(kept.map(\.name) == ["a.pdf", "b.md"] && kept.first?.bytes == binary && kept.first?.kind == "pdf")
        #expect(try await store.purgeUploads(before: Date().addingTimeInterval(-86400)) == 1, "only the orphan is old and unclaimed")
        #expect(try await store.uploads(batch: "orphan").isEmpty)
        #expect(try await store.uploads(batch: "recent").count == 1)
        try await store.deleteUploads(batch: "kept")
        #expect(try await store.uploads(batch: "kept").isEmpty)
    }

    @Test("an uploaded file's pages are listed by their address prefix, and nothing else", arguments: Backend.allCases)
    func prefixes(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let owner = try await Owner(store)
        for url in ["upload:guide.pdf#page=1", "upload:guide.pdf#page=2", "upload:guide.pdf.md", "upload:notes%20(1).md", "https://x.test/upload:a"] {
            try await store.storeTestPage(collectionID: owner.collectionID, url: url, texts: ["text of \(url)"])
        }
        #expect(try await store.documentURLs(collectionID: owner.collectionID, prefix: "upload:guide.pdf#")
                == ["upload:guide.pdf#page=1", "upload:guide.pdf#page=2"])
        #expect(try await store.documentURLs(collectionID: owner.collectionID, prefix: "upload:").count == 4)
        #expect(try await store.documentURLs(collectionID: owner.collectionID, prefix: "upload:notes%20(1)") == ["upload:notes%20(1).md"])
        #expect(try await store.documentURLs(collectionID: owner.collectionID).count == 5)
    }
}
