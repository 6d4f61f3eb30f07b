import Foundation

/// How many chunks of a collection contain a term, remembered between questions (the
/// full-text search's term selection asks for every term of every question). Entries carry
/// a stamp — the collection's size when counted — and a count with another stamp is stale.
final class TermCountCache: @unchecked Sendable {
    private struct Key: Hashable {
        var collectionID: Int64
        var phrase: String
    }

    private let lock = NSLock()
    private var entries: [Key: (count: Int, stamp: Int)] = [:]
    private let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func count(collectionID: Int64, phrase: String, stamp: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[Key(collectionID: collectionID, phrase: phrase)], entry.stamp == stamp else { return nil }
        return entry.count
    }

    func store(_ count: Int, collectionID: Int64, phrase: String, stamp: Int) {
        lock.lock()
        defer { lock.unlock() }
        // Bounded memory: start over when full (terms of recent questions come back quickly).
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[Key(collectionID: collectionID, phrase: phrase)] = (count, stamp)
    }
}
