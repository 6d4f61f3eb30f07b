import Foundation
import IndexStore
import Logging
import ServiceLifecycle
import Storage

/// Keeps this server's derived indexes following the database while it runs: at start brings
/// every collection's index up to date (building those it lacks); then applies the
/// change notifications other servers' commits send (PostgreSQL `LISTEN/NOTIFY`), drops the
/// index files of collections deleted anywhere, and once an hour prunes the change log and
/// expired token revocations and gives back generations reserved by answers whose server died. Readers do not depend on it for correctness — they compare
/// sequence numbers before answering — it keeps them from having to wait.
public struct IndexFollower: Service {
    let indexes: IndexRegistry
    let database: any ChunkChangeLog & CollectionStore & TokenRevocationStore & GenerationQuotaStore
    let logger: Logger
    /// How long the change log is kept; a server away longer rebuilds its indexes.
    let retention: TimeInterval

    public init(indexes: IndexRegistry, database: any ChunkChangeLog & CollectionStore & TokenRevocationStore & GenerationQuotaStore, logger: Logger,
                retention: TimeInterval = 7 * 86_400) {
        self.indexes = indexes
        self.database = database
        self.logger = logger
        self.retention = retention
    }

    public func run() async throws {
        await sweep()
        // Catch up every collection now (an empty folder: build from the database), so the
        // first question does not wait for it. In the background of the other work.
        let warmUp = Task { [indexes, database] in
            for id in (try? await database.allCollectionIDs()) ?? [] where !Task.isCancelled {
                _ = try? await indexes.catchUp(collectionID: id)
            }
        }
        defer { warmUp.cancel() }
        await withTaskGroup(of: Void.self) { group in
            if let notifications = database.changeNotifications() {
                group.addTask { [indexes] in
                    for await notification in notifications.cancelOnGracefulShutdown() { await indexes.follow(notification) }
                }
            }
            group.addTask { [self] in
                while !Task.isCancelled, !Task.isShuttingDownGracefully {
                    await maintain()
                    _ = try? await cancelOnGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
                }
            }
            await group.waitForAll()
        }
    }

    /// Deletes index folders whose collection no longer exists (deleted while this server was down).
    func sweep() async {
        guard let existing = try? await Set(database.allCollectionIDs()) else { return }
        for id in indexes.localCollectionIDs() where !existing.contains(id) {
            indexes.drop(collectionID: id)
            logger.info("removed the index of a deleted collection", metadata: ["collection_id": "\(id)"])
        }
    }

    func maintain() async {
        do {
            let pruned = try await database.pruneChunkChanges(before: Date().addingTimeInterval(-retention))
            let purged = try await database.purgeExpiredRevocations(before: Date())
            // Generations reserved by answers whose server died (executions that may resume keep theirs).
            try await database.releasePendingGenerations(before: Date().addingTimeInterval(-600))
            if pruned + purged > 0 {
                logger.info("maintenance", metadata: ["change_log_pruned": "\(pruned)", "revocations_purged": "\(purged)"])
            }
        } catch {
            logger.warning("maintenance failed", metadata: ["error": "\(error)"])
        }
    }
}
