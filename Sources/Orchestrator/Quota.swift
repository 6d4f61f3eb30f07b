import Foundation
import Storage

/// Generations per user: one successful plan execution or one LLM-written answer each.
/// A generation is reserved before the work (atomically, so concurrent requests cannot
/// overshoot), confirmed when it succeeds and given back when it does not.
public struct Quota: Sendable {
    public let database: any GenerationQuotaStore
    public let limit: Int

    public init(database: any GenerationQuotaStore, limit: Int) {
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

    public func usage(userID: Int64) async throws -> Usage {
        let used = try await database.generationsUsed(userID: userID)
        return Usage(limit: limit, used: used, remaining: max(0, limit - used))
    }

    /// A reserved generation: `confirm()` after success, `release()` otherwise.
    public struct Reservation: Sendable {
        let id: Int64
        let database: any GenerationQuotaStore

        public func confirm() async { try? await database.confirmGeneration(id: id) }
        public func release() async { try? await database.releaseGeneration(id: id) }
    }

    /// Reserves a generation; throws `Exhausted` when none is left.
    public func reserve(userID: Int64, kind: String) async throws -> Reservation {
        guard let id = try await database.reserveGeneration(userID: userID, kind: kind, limit: limit) else { throw Exhausted(limit: limit) }
        return Reservation(id: id, database: database)
    }
}
