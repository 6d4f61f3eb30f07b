import Foundation
import GRDB

extension AppDatabase {
    /// Records a token id as revoked until its own expiry (after which it is invalid anyway
    /// and the row can be purged). Revoking twice is harmless.
    public func revokeToken(jti: String, userID: Int64, expiresAt: Date, at date: Date = Date()) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO revoked_token (jti, user_id, expires_at, revoked_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(jti) DO NOTHING
                    """,
                arguments: [jti, userID, expiresAt, date]
            )
        }
    }

    /// Whether the token with this id was revoked.
    public func isTokenRevoked(jti: String) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM revoked_token WHERE jti = ?)", arguments: [jti]) ?? false
        }
    }

    /// Deletes revocations of tokens that have expired by `date`; returns how many.
    @discardableResult
    public func purgeExpiredRevocations(before date: Date = Date()) throws -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM revoked_token WHERE expires_at < ?", arguments: [date])
            return db.changesCount
        }
    }
}
