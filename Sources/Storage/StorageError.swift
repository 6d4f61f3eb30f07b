import GRDB

/// Errors from the storage layer. Only `API` turns them into HTTP statuses.
public enum StorageError: Error, Equatable, CustomStringConvertible {
    /// A user with this email exists already (emails are compared case-insensitively).
    case emailTaken
    /// A row that must be unique exists already (e.g. a collection name for this user).
    case duplicate(String)
    /// The row asked for does not exist (or belongs to another user).
    case notFound(String)
    /// The disk holding the database is full (SQLite could not write).
    case full
    /// The database server cannot be reached (PostgreSQL down, refused, timed out): the
    /// message names host and port, never the password.
    case unavailable(String)
    /// A database URL that cannot be used (`NEX_DATABASE_URL`).
    case invalidURL(String)
    /// A migration target that already holds data.
    case notEmpty(String)
    /// A collection's vectors are of another precision than the running encoder's
    /// (`NEX_EMBED_PRECISION`): its questions and new pages would be compared across formats.
    case precisionMismatch(collection: String, stored: String, running: String)
    /// Any other database failure, with the database's message.
    case database(String)

    public var description: String {
        switch self {
        case .emailTaken: return "a user with this email already exists"
        case .duplicate(let what): return "\(what) already exists"
        case .notFound(let what): return "\(what) not found"
        case .full: return "the disk is full: the database could not be written"
        case .unavailable(let message): return "database unavailable: \(message)"
        case .invalidURL(let message): return "invalid database URL: \(message)"
        case .notEmpty(let message): return "the target database is not empty: \(message)"
        case .database(let message): return "database error: \(message)"
        case .precisionMismatch: return detail
        }
    }

    /// The message without its kind ("expected postgres://…" rather than "invalid database URL: …").
    public var detail: String {
        switch self {
        case .duplicate(let text), .notFound(let text), .unavailable(let text), .invalidURL(let text), .notEmpty(let text),
             .database(let text): return text
        case .emailTaken, .full: return description
        case .precisionMismatch(let collection, let stored, let running):
            return "collection \(collection) was embedded in \(stored) and this server embeds in \(running) (NEX_EMBED_PRECISION): "
                + "re-embed it with `nextraction index rebuild --reembed --collection \(collection)`, or run with NEX_EMBED_PRECISION=\(stored)"
        }
    }

    /// Maps a GRDB error to a `StorageError` (the one place this happens for SQLite).
    static func wrap(_ error: any Error) -> StorageError {
        if let storage = error as? StorageError { return storage }
        if let database = error as? DatabaseError {
            if database.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
                || database.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                return .duplicate(database.message ?? "row")
            }
            if database.resultCode == .SQLITE_FULL { return .full }
            return .database(database.message ?? "\(database.resultCode)")
        }
        return .database(String(describing: error))
    }
}
