import Foundation
import GRDB

/// Attempts counted by a throttle within its window.
public struct AttemptWindow: Sendable, Equatable {
    public var count: Int
    public var oldest: Date?
}

extension AppDatabase {
    /// Records one attempt of `key` in `scope`, and forgets attempts older than `forgetBefore`
    /// (in every scope: the caller passes the longest window it uses).
    public func recordAttempt(scope: String, key: String, at date: Date, forgetBefore: Date) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO auth_attempt (scope, key, at) VALUES (?, ?, ?)", arguments: [scope, key, date])
            try db.execute(sql: "DELETE FROM auth_attempt WHERE at < ?", arguments: [forgetBefore])
        }
    }

    public func recordRequest(scope: String, key: String, at date: Date, windowStart: Date) throws -> AttemptWindow {
        try write { db in
            try db.execute(sql: "DELETE FROM auth_attempt WHERE scope = ? AND key = ? AND at <= ?", arguments: [scope, key, windowStart])
            try db.execute(sql: "INSERT INTO auth_attempt (scope, key, at) VALUES (?, ?, ?)", arguments: [scope, key, date])
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM auth_attempt WHERE scope = ? AND key = ?",
                                       arguments: [scope, key])
            return AttemptWindow(count: row?["n"] ?? 0, oldest: row?["oldest"])
        }
    }

    /// How many attempts of `key` in `scope` happened since `date`, and the oldest of them.
    public func attempts(scope: String, key: String, since date: Date) throws -> AttemptWindow {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM auth_attempt WHERE scope = ? AND key = ? AND at > ?",
                                       arguments: [scope, key, date])
            return AttemptWindow(count: row?["n"] ?? 0, oldest: row?["oldest"])
        }
    }

    /// Forgets the attempts of `key` in `scope` (a successful login clears its account's failures).
    public func clearAttempts(scope: String, key: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM auth_attempt WHERE scope = ? AND key = ?", arguments: [scope, key]) }
    }
}
