import Foundation
import Storage

/// Generations per user: one successful plan execution or one LLM-written answer each.
/// Checked before the work, counted after it succeeds.
public struct Quota: Sendable {
    public let database: AppDatabase
    public let limit: Int

    public init(database: AppDatabase, limit: Int) {
        self.database = database
        self.limit = limit
    }

    public struct Usage: Sendable, Codable, Equatable {
        public var limit: Int
        public var used: Int
        public var remaining: Int
    }

    public struct Exhausted: Error, CustomStringConvertible {
        public var limit: Int
        public var description: String { "the generation quota of \(limit) is used up" }
    }

    public func usage(userID: Int64) throws -> Usage {
        let used = try database.generationsUsed(userID: userID)
        return Usage(limit: limit, used: used, remaining: max(0, limit - used))
    }

    /// Throws `Exhausted` when no generation is left.
    public func check(userID: Int64) throws {
        if try usage(userID: userID).remaining <= 0 { throw Exhausted(limit: limit) }
    }

    public func record(userID: Int64, kind: String) throws {
        try database.recordGeneration(userID: userID, kind: kind)
    }
}
