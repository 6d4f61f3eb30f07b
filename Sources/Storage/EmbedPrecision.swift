import Foundation

/// Each collection's vectors are of one precision (`NEX_EMBED_PRECISION`: fp32 or int8): a
/// question is compared with them as a vector of that precision, and new pages join them in
/// it. The write path claims an empty collection for the running precision; both paths
/// refuse a collection of the other one (`StorageError.precisionMismatch`) until it is
/// re-embedded (`nextraction index rebuild --reembed`).
extension DocumentStore where Self: CollectionStore {
    /// Before vectors are written: an empty collection takes `precision`; one already holding
    /// vectors must be of it.
    public func claimEmbedPrecision(collectionID: Int64, precision: String) async throws {
        let stored = try await embedPrecision(collectionID: collectionID)
        guard stored != precision else { return }
        // Nothing recorded but vectors stored: embedded before precisions were recorded, in fp32.
        var free = stored == nil && precision == "fp32"
        if !free { free = try await counts(collectionID: collectionID).chunks == 0 }
        if free {
            try await setEmbedPrecision(collectionID: collectionID, precision: precision)
            return
        }
        throw try await mismatch(collectionID: collectionID, stored: stored, running: precision)
    }

    /// Before a question's vector is compared with the collection's: they must be of one
    /// precision (an empty collection matches any).
    public func checkEmbedPrecision(collectionID: Int64, precision: String) async throws {
        let stored = try await embedPrecision(collectionID: collectionID)
        guard stored != precision, stored != nil || precision != "fp32" else { return }
        guard try await counts(collectionID: collectionID).chunks > 0 else { return }
        throw try await mismatch(collectionID: collectionID, stored: stored, running: precision)
    }

    private func mismatch(collectionID: Int64, stored: String?, running: String) async throws -> StorageError {
        let name = try await collection(id: collectionID)?.name ?? "#\(collectionID)"
        return .precisionMismatch(collection: name, stored: stored ?? "fp32", running: running)
    }
}
