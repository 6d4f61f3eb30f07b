import Foundation
import Storage
import Testing

@Suite("Accounts in SQLite")
struct AccountStorageTests {
    @Test("a user round-trips and emails are unique regardless of case")
    func uniqueEmails() throws {
        let database = try AppDatabase.inMemory()
        let created = try database.createUser(email: "ada@example.com", passwordHash: "$2b$04$hash")
        #expect(created.id != nil)
        #expect(try database.user(email: "ADA@Example.com")?.id == created.id)
        #expect(throws: StorageError.emailTaken) {
            try database.createUser(email: "Ada@Example.COM", passwordHash: "x")
        }
        #expect(try database.users().map(\.email) == ["ada@example.com"])
    }

    @Test("revocations persist in the file across reopenings and expired ones are purged")
    func revocationsPersist() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nex-storage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        do {
            let database = try AppDatabase.open(path: path)
            let user = try database.createUser(email: "b@example.com", passwordHash: "h")
            try database.revokeToken(jti: "live", userID: user.id!, expiresAt: Date().addingTimeInterval(3600))
            try database.revokeToken(jti: "old", userID: user.id!, expiresAt: Date().addingTimeInterval(-10))
            try database.revokeToken(jti: "live", userID: user.id!, expiresAt: Date().addingTimeInterval(3600))
        }
        let reopened = try AppDatabase.open(path: path)
        #expect(try reopened.isTokenRevoked(jti: "live"))
        #expect(try reopened.isTokenRevoked(jti: "old"))
        #expect(try !reopened.isTokenRevoked(jti: "never"))
        #expect(try reopened.purgeExpiredRevocations() == 1)
        #expect(try !reopened.isTokenRevoked(jti: "old"))
        #expect(reopened.ping())
    }

    @Test("collections are per user: the same name for two users, one per name for each")
    func collectionsPerUser() throws {
        let database = try AppDatabase.inMemory()
        let a = try database.createUser(email: "a@example.com", passwordHash: "h")
        let b = try database.createUser(email: "b@example.com", passwordHash: "h")
        let first = try database.ensureCollection(userID: a.id!, name: "docs")
        let again = try database.ensureCollection(userID: a.id!, name: "docs")
        let other = try database.ensureCollection(userID: b.id!, name: "docs")
        #expect(first.id == again.id)
        #expect(first.id != other.id)
        #expect(try database.collections(userID: a.id!).map(\.name) == ["docs"])
        #expect(try database.collection(userID: b.id!, name: "nope") == nil)
    }
}
