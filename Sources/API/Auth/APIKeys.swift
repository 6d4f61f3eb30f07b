import Foundation
import Logging
import Storage
import TextKit

/// What an API key may do. `read`: ask, search, list collections, read jobs, plans and
/// executions. `write`: ingest, cancel, delete, create plans, execute.
public enum APIScope: String, Codable, Sendable, CaseIterable, Comparable {
    case read, write

    public static func < (lhs: APIScope, rhs: APIScope) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Creating and checking API keys (personal access tokens). A key is `nex_` followed by 32
/// random bytes in base64url (43 characters); only its SHA-256 is stored, so a database leak
/// does not leak usable keys. Keys are looked up on every request: deleting one takes effect
/// at once on every server.
public enum APIKeys {
    public static let marker = "nex_"
    /// At most this many keys per user.
    public static let maximumPerUser = 50
    static let prefixLength = marker.count + 8
    /// `last_used_at` is written at most this often per key (not on every request).
    static let touchInterval: TimeInterval = 60

    /// A new key and the record to store for it (the key itself is shown once, never stored).
    public struct Issued: Sendable {
        public var key: String
        public var record: APIKeyRecord
    }

    /// A lifetime written as seconds or a number with s, m, h or d (`90d`), as configuration durations are.
    public static func lifetime(_ text: String) -> TimeInterval? { EnvironmentReader.parseDuration(text) }

    static func looksLikeKey(_ credential: String) -> Bool { credential.hasPrefix(marker) }

    public static func hash(_ key: String) -> String { ContentHash.sha256(key) }

    /// A fresh key for `userID`. Throws 422 for an empty or overlong name, no scope, or a
    /// non-positive lifetime.
    public static func issue(userID: Int64, name rawName: String, scopes: [APIScope], expiresIn: TimeInterval?,
                             now: Date = Date()) throws -> Issued {
        let name = rawName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.unprocessable("name must be 1 to 100 printable characters", code: "invalid_name")
        }
        guard !scopes.isEmpty else {
            throw APIError.unprocessable("scopes must hold \"read\", \"write\" or both", code: "invalid_scopes")
        }
        if let expiresIn {
            guard expiresIn.isFinite, expiresIn >= 60, expiresIn <= 10 * 365 * 86400 else {
                throw APIError.unprocessable("expires_in must be between 60 seconds and 10 years", code: "invalid_expiry")
            }
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = marker + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let record = APIKeyRecord(userID: userID, name: name, prefix: String(key.prefix(prefixLength)), hash: hash(key),
                                  scopes: Set(scopes).sorted().map(\.rawValue), createdAt: now,
                                  expiresAt: expiresIn.map { now.addingTimeInterval($0) })
        return Issued(key: key, record: record)
    }

    /// Issues and stores a key; 409 when the user already has `maximumPerUser`.
    public static func create(userID: Int64, name: String, scopes: [APIScope], expiresIn: TimeInterval?,
                              database: any APIKeyStore) async throws -> Issued {
        var issued = try issue(userID: userID, name: name, scopes: scopes, expiresIn: expiresIn)
        guard try await database.apiKeys(userID: userID).count < maximumPerUser else {
            throw APIError.conflict("at most \(maximumPerUser) API keys per account; revoke one first", code: "too_many_keys")
        }
        issued.record = try await database.createAPIKey(issued.record)
        return issued
    }

    /// The user a key acts for, or nil when the key is unknown, expired or its user is gone.
    static func authenticate(_ key: String, database: any AccountStore & APIKeyStore, logger: Logger,
                             now: Date = Date()) async throws -> AuthenticatedUser? {
        guard let record = try await database.apiKey(hash: hash(key)), let id = record.id else {
            logger.debug("API key rejected: unknown")
            return nil
        }
        if let expiry = record.expiresAt, expiry <= now {
            logger.debug("API key rejected: expired", metadata: ["key_id": "\(id)"])
            return nil
        }
        guard let user = try await database.user(id: record.userID) else { return nil }
        if record.lastUsedAt.map({ now.timeIntervalSince($0) >= touchInterval }) ?? true {
            try await database.touchAPIKey(id: id, at: now)
        }
        let scopes = Set(record.scopeList.compactMap(APIScope.init(rawValue:)))
        return AuthenticatedUser(id: record.userID, email: user.email, credential: .apiKey(id: id, scopes: scopes))
    }
}
