import Foundation

// What the layers above `Storage` may ask of the database, one protocol per kind of caller
// (STYLE.md § Storage with two backends). `AppDatabase` (SQLite through GRDB) implements
// every one; callers hold the narrowest composition they need and never a concrete backend,
// so no SQL — and no SQL dialect — leaves this module. Every method may suspend: a backend
// behind a network connection does.

/// Accounts (emails unique case-insensitively, stored lowercased).
public protocol AccountStore: Sendable {
    /// Throws `StorageError.emailTaken` when the email (any case) exists.
    func createUser(email: String, passwordHash: String, at date: Date) async throws -> UserRecord
    func user(email: String) async throws -> UserRecord?
    func user(id: Int64) async throws -> UserRecord?
    /// Every user, oldest first.
    func users() async throws -> [UserRecord]
}

/// Log-out: revoked JWT ids, kept until the token would have expired anyway.
public protocol TokenRevocationStore: Sendable {
    func revokeToken(jti: String, userID: Int64, expiresAt: Date, at date: Date) async throws
    func isTokenRevoked(jti: String) async throws -> Bool
    @discardableResult
    func purgeExpiredRevocations(before date: Date) async throws -> Int
}

/// API keys (personal access tokens), stored as hashes. Every request looks its key up, so a
/// deleted key fails at once on every server.
public protocol APIKeyStore: Sendable {
    func createAPIKey(_ key: APIKeyRecord) async throws -> APIKeyRecord
    /// The key whose hash is `hash`, expired or not (the caller checks).
    func apiKey(hash: String) async throws -> APIKeyRecord?
    /// The user's keys, oldest first.
    func apiKeys(userID: Int64) async throws -> [APIKeyRecord]
    /// Deletes the user's key `id`; false when the user has no such key.
    func deleteAPIKey(id: Int64, userID: Int64) async throws -> Bool
    /// Records that the key was used at `date`.
    func touchAPIKey(id: Int64, at date: Date) async throws
}

/// Attempts counted by the login and registration throttles (shared by every server).
public protocol AttemptStore: Sendable {
    func recordAttempt(scope: String, key: String, at date: Date, forgetBefore: Date) async throws
    func attempts(scope: String, key: String, since date: Date) async throws -> AttemptWindow
    func clearAttempts(scope: String, key: String) async throws
    /// Records a request of `key` (a rate limit shared by every server) and returns the
    /// requests it made after `windowStart`, this one included; its older ones are forgotten.
    func recordRequest(scope: String, key: String, at date: Date, windowStart: Date) async throws -> AttemptWindow
}

/// Collections: a user's named sets of documents.
public protocol CollectionStore: Sendable {
    func collection(userID: Int64, name: String) async throws -> CollectionRecord?
    func collection(id: Int64) async throws -> CollectionRecord?
    /// The user's collection `name`, created when missing.
    func ensureCollection(userID: Int64, name: String, at date: Date) async throws -> CollectionRecord
    func collections(userID: Int64) async throws -> [CollectionRecord]
    /// The user's collections with document and chunk counts, by name.
    func collectionSummaries(userID: Int64) async throws -> [CollectionSummary]
    /// Deletes the collection and everything in it; its id, or nil when it does not exist.
    @discardableResult
    func deleteCollection(userID: Int64, name: String) async throws -> Int64?
    func allCollectionIDs() async throws -> [Int64]
    /// Every collection with its owner's email (maintenance commands).
    func allCollections() async throws -> [(collection: CollectionRecord, email: String)]
    /// The precision the collection's vectors were embedded in (nil: none recorded — empty,
    /// or embedded before precisions were recorded, which was fp32).
    func embedPrecision(collectionID: Int64) async throws -> String?
    func setEmbedPrecision(collectionID: Int64, precision: String) async throws
}

/// Documents and their chunks (text, layout and vector): the write path's target and the
/// source of truth every index is derived from.
public protocol DocumentStore: Sendable {
    func document(collectionID: Int64, url: String) async throws -> DocumentRecord?
    /// Another document of the collection with the same content (a duplicate under another URL).
    func document(collectionID: Int64, contentHash: String, excludingURL url: String) async throws -> DocumentRecord?
    /// Stores a page and replaces its chunks in one transaction.
    func storePage(_ document: DocumentRecord, chunks: [NewChunk]) async throws -> (documentID: Int64, removed: [Int64], added: [Int64])
    /// Records a conditional re-fetch that found the page unchanged.
    func touchDocument(id: Int64, fetchedAt: Date, etag: String?, lastModified: String?, links: [String]?) async throws
    /// Deletes a page; the ids of its chunks.
    @discardableResult
    func deleteDocument(collectionID: Int64, url: String) async throws -> [Int64]
    func counts(collectionID: Int64) async throws -> (documents: Int, chunks: Int)
    /// The URLs of the collection's stored pages (as crawled, not canonical), in id order.
    /// The collection's document URLs that start with `prefix` (every one for "").
    func documentURLs(collectionID: Int64, prefix: String) async throws -> [String]
    func chunkIDs(collectionID: Int64) async throws -> [Int64]
    /// Up to `limit` chunks of the collection with ids above `after`, in id order, with their
    /// vectors (row-major); chunks without a vector of `dimension` floats are skipped.
    func chunkVectorBatch(collectionID: Int64, dimension: Int, after: Int64, limit: Int) async throws -> (ids: [Int64], vectors: [Float])
    /// The stored vectors of chunks `ids` that exist (ids in the order found, row-major vectors).
    func chunkVectors(ids: [Int64], dimension: Int) async throws -> (ids: [Int64], vectors: [Float])
    /// The stored vectors of the first chunks (the openings) of the documents that chunks
    /// `chunkIDs` belong to, by document id (each document once, in the order found; row-major
    /// vectors). Taking chunk ids lets it run beside the query that loads those chunks.
    func openingVectors(chunkIDs: [Int64], dimension: Int) async throws -> (documentIDs: [Int64], vectors: [Float])
    /// Chunks by id with their document's URL and title, in the order of `ids`, limited to one
    /// collection (ids from elsewhere are ignored).
    func chunks(ids: [Int64], collectionID: Int64) async throws -> [StoredChunk]
    /// The chunks of a document of the collection whose ordinals are in `ordinals`, in order
    /// (a passage with its neighbours).
    func chunks(documentID: Int64, ordinals: ClosedRange<Int>, collectionID: Int64) async throws -> [StoredChunk]
}

extension DocumentStore {
    /// Calls `body` with batches of (ids, row-major vectors) of every chunk of the collection,
    /// in id order (index rebuilds).
    public func forEachChunkVectorBatch(collectionID: Int64, dimension: Int, batchSize: Int = 8192,
                                        _ body: (_ ids: [Int64], _ vectors: [Float]) throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            let (ids, vectors) = try await chunkVectorBatch(collectionID: collectionID, dimension: dimension, after: after, limit: batchSize)
            guard let last = ids.last else { return }
            try body(ids, vectors)
            after = last
        }
    }
}

/// Lexical (BM25) retrieval and the term statistics answers and abstention rely on. Words
/// are matched as the index tokenizes them (folded, lowercased, Porter-stemmed); a term of
/// several words is a phrase.
public protocol LexicalSearch: Sendable {
    /// The collection's chunks matching any of `terms`, best first, with their BM25 score
    /// (higher is better; title and heading matches weighted by `weights`).
    func searchFullText(collectionID: Int64, terms: [String], limit: Int, weights: FullTextWeights) async throws -> [(id: Int64, score: Double)]
    /// How many chunks (of every collection) contain each word; a word that is several tokens
    /// counts its rarest one, a word that is no token at all is left out.
    func termChunkCounts(_ words: [String]) async throws -> [String: Int]
    func collectionContains(collectionID: Int64, word: String) async throws -> Bool
    /// Whether any chunk of the documents `documentIDs` (or their titles) contains `word`.
    func documentsContain(documentIDs: [Int64], word: String) async throws -> Bool
    /// Whether the index (any collection) holds a term starting like `word`'s stem minus its
    /// last `slack` letters and no shorter than `minimumPrefix` (a spelling variant).
    func vocabularyHasVariant(of word: String, slack: Int, minimumPrefix: Int) async throws -> Bool
}

/// Ingest jobs: a durable queue claimed by workers with heartbeats, plus each job's page log.
public protocol JobQueue: Sendable {
    func createJob(userID: Int64, collectionID: Int64?, kind: String, params: String, at date: Date) async throws -> JobRecord
    func job(id: String, userID: Int64) async throws -> JobRecord?
    func job(id: String) async throws -> JobRecord?
    func jobs(userID: Int64, limit: Int) async throws -> [JobRecord]
    /// Claims the oldest queued job, or a running one whose heartbeat is older than
    /// `staleBefore` (its worker died), at most `maxAttempts` times.
    func claimNextJob(worker: String, staleBefore: Date, maxAttempts: Int, now: Date) async throws -> JobRecord?
    @discardableResult
    func requeueJobs(ofWorkerOtherThan worker: String, staleBefore: Date) async throws -> Int
    /// Records progress; false when the job is no longer this worker's (or was cancelled).
    @discardableResult
    func heartbeat(jobID: String, worker: String, progress: JobProgress, now: Date) async throws -> Bool
    func startJob(id: String, worker: String, now: Date) async throws
    func finishJob(id: String, status: String, error: String?, progress: JobProgress, now: Date) async throws
    func requestCancel(jobID: String, userID: Int64, now: Date) async throws -> JobRecord?
    /// Deletes a finished job of the user with its page log: `.deleted`, `.active` (queued or
    /// running: cancel it first) or `.notFound`.
    func deleteJob(id: String, userID: Int64) async throws -> JobDeletion
    func appendJobPages(_ entries: [JobPageRecord]) async throws
    func clearJobPages(jobID: String) async throws
    func jobPages(jobID: String, offset: Int, limit: Int, status: String?) async throws -> (pages: [JobPageRecord], total: Int)
}

/// Conversations: questions and answers kept per user.
public protocol ConversationStore: Sendable {
    func createConversation(_ conversation: ConversationRecord) async throws
    /// The user's conversation `id` (with its number of turns), or nil.
    func conversation(id: String, userID: Int64) async throws -> ConversationRecord?
    /// The user's conversations, most recently used first.
    func conversations(userID: Int64, limit: Int) async throws -> [ConversationRecord]
    /// Deletes the user's conversation with its turns; false when there is none.
    func deleteConversation(id: String, userID: Int64) async throws -> Bool
    /// Adds a turn and marks the conversation used at its time.
    func appendTurn(_ turn: ConversationTurn) async throws
    /// The conversation's turns, oldest first.
    func turns(conversationID: String) async throws -> [ConversationTurn]
}

/// Collections' sources (start URL + crawl settings) and their re-sync schedule.
public protocol SourceStore: Sendable {
    /// Records (or updates) the source a job crawls; `refreshEvery` seconds schedules re-syncs.
    func recordSource(collectionID: Int64, url: String, params: String, refreshEvery: Double?, jobID: String, at date: Date) async throws
    func sources(collectionID: Int64) async throws -> [CollectionSource]
    /// Claims the source whose scheduled re-sync is longest due (its next time moves on, so
    /// it is claimed once, by one server), with its collection's owner; nil when none is due.
    func claimDueSource(now: Date) async throws -> (source: CollectionSource, userID: Int64)?
    /// Records the job a re-sync started.
    func recordSync(sourceID: Int64, jobID: String, at date: Date) async throws
}

/// Uploaded files between the request that took them and the job that reads them.
public protocol UploadStore: Sendable {
    func storeUploads(batch: String, files: [UploadedFile], at date: Date) async throws
    func uploads(batch: String) async throws -> [UploadedFile]
    func deleteUploads(batch: String) async throws
    /// Removes files older than `date` that no queued or running job reads (their request
    /// died before its job was queued).
    func purgeUploads(before date: Date) async throws -> Int
}

/// What `deleteJob` did.
public enum JobDeletion: Sendable, Equatable { case deleted, active, notFound }

/// Stored plans and their executions.
public protocol PlanStore: Sendable {
    func createPlan(_ plan: PlanRecord) async throws
    func plan(id: String, userID: Int64) async throws -> PlanRecord?
    func plans(userID: Int64) async throws -> [PlanRecord]
    func deletePlan(id: String, userID: Int64) async throws -> Bool
    func createExecution(_ execution: ExecutionRecord) async throws
    /// Writes the execution's state; with `worker`, only while that worker holds it (a server
    /// that lost its claim cannot overwrite the one that took over). False when not written.
    @discardableResult
    func updateExecution(id: String, worker: String?, status: String, error: String?, state: String, finished: Bool, at date: Date) async throws -> Bool
    func execution(id: String, userID: Int64) async throws -> ExecutionRecord?
    func executions(userID: Int64, limit: Int) async throws -> [ExecutionRecord]
    /// Claims execution `id` for `worker` (the server that created it); nil when another holds it.
    func claimExecution(id: String, worker: String, now: Date) async throws -> ExecutionRecord?
    /// Claims the oldest execution left queued or running by a server whose heartbeat is
    /// older than `staleBefore` (it died), to resume it. Stale ones that cannot be resumed (no
    /// stored plan, or claimed `maxAttempts` times already) are failed instead.
    func claimStaleExecution(worker: String, staleBefore: Date, maxAttempts: Int, now: Date) async throws -> ExecutionRecord?
    /// Records that `worker` still runs `id`; false when it no longer holds it (or it ended).
    func heartbeatExecution(id: String, worker: String, now: Date) async throws -> Bool
}

/// The LLM completion cache (exact keys and semantic neighbours), scoped per user.
public protocol CompletionCacheStore: Sendable {
    func cachedCompletion(key: String, userID: Int64, now: Date) async throws -> CachedCompletion?
    func semanticCacheEntries(userID: Int64, scope: String, provider: String, model: String, limit: Int, now: Date) async throws -> [CachedCompletion]
    func storeCompletion(key: String, userID: Int64, scope: String, provider: String, model: String, result: String,
                         embedding: [Float]?, ttl: TimeInterval, now: Date) async throws
}

/// Per-user generation quota: reservations are atomic, so concurrent requests cannot overrun it.
public protocol GenerationQuotaStore: Sendable {
    func generationsUsed(userID: Int64) async throws -> Int
    /// A reservation id, or nil when the user has `limit` generations already.
    func reserveGeneration(userID: Int64, kind: String, limit: Int, at date: Date) async throws -> Int64?
    func confirmGeneration(id: Int64) async throws
    func releaseGeneration(id: Int64) async throws
    /// Gives back reservations still pending from before `date` (their request died with its
    /// server), except those of executions that another server may still resume.
    func releasePendingGenerations(before date: Date) async throws
}

/// Health and operational counts.
public protocol StoreHealth: Sendable {
    /// Whether the database answers a trivial query (the readiness probe).
    func ping() async -> Bool
    /// Queued and running jobs, stored chunks (the metrics endpoint).
    func operationalCounts() async throws -> (queuedJobs: Int, runningJobs: Int, chunks: Int)
}

/// Everything a server or CLI command built on one database may use.
public typealias DataStore = AccountStore & TokenRevocationStore & APIKeyStore & AttemptStore & CollectionStore & DocumentStore
    & ChunkChangeLog & LexicalSearch & JobQueue & SourceStore & UploadStore & PlanStore & ConversationStore & CompletionCacheStore & GenerationQuotaStore & StoreHealth

extension AppDatabase: AccountStore, TokenRevocationStore, APIKeyStore, AttemptStore, CollectionStore, DocumentStore, ChunkChangeLog, LexicalSearch,
    JobQueue, SourceStore, UploadStore, PlanStore, ConversationStore, CompletionCacheStore, GenerationQuotaStore, StoreHealth {}

// The usual arguments, so callers need not pass the clock or a limit each time.
extension AccountStore {
    public func createUser(email: String, passwordHash: String) async throws -> UserRecord {
        try await createUser(email: email, passwordHash: passwordHash, at: Date())
    }
}

extension TokenRevocationStore {
    public func revokeToken(jti: String, userID: Int64, expiresAt: Date) async throws {
        try await revokeToken(jti: jti, userID: userID, expiresAt: expiresAt, at: Date())
    }
}

extension CollectionStore {
    public func ensureCollection(userID: Int64, name: String) async throws -> CollectionRecord {
        try await ensureCollection(userID: userID, name: name, at: Date())
    }
}

extension DocumentStore {
    public func documentURLs(collectionID: Int64) async throws -> [String] {
        try await documentURLs(collectionID: collectionID, prefix: "")
    }
}

extension LexicalSearch {
    public func searchFullText(collectionID: Int64, terms: [String], limit: Int) async throws -> [(id: Int64, score: Double)] {
        try await searchFullText(collectionID: collectionID, terms: terms, limit: limit, weights: FullTextWeights())
    }

    public func vocabularyHasVariant(of word: String) async throws -> Bool {
        try await vocabularyHasVariant(of: word, slack: 2, minimumPrefix: 5)
    }
}

extension JobQueue {
    public func createJob(userID: Int64, collectionID: Int64?, kind: String, params: String) async throws -> JobRecord {
        try await createJob(userID: userID, collectionID: collectionID, kind: kind, params: params, at: Date())
    }

    public func jobs(userID: Int64) async throws -> [JobRecord] { try await jobs(userID: userID, limit: 100) }

    public func claimNextJob(worker: String, staleBefore: Date, maxAttempts: Int = 5) async throws -> JobRecord? {
        try await claimNextJob(worker: worker, staleBefore: staleBefore, maxAttempts: maxAttempts, now: Date())
    }

    @discardableResult
    public func heartbeat(jobID: String, worker: String, progress: JobProgress) async throws -> Bool {
        try await heartbeat(jobID: jobID, worker: worker, progress: progress, now: Date())
    }

    public func startJob(id: String, worker: String) async throws { try await startJob(id: id, worker: worker, now: Date()) }

    public func finishJob(id: String, status: String, error: String?, progress: JobProgress) async throws {
        try await finishJob(id: id, status: status, error: error, progress: progress, now: Date())
    }

    public func requestCancel(jobID: String, userID: Int64) async throws -> JobRecord? {
        try await requestCancel(jobID: jobID, userID: userID, now: Date())
    }

    public func jobPages(jobID: String, offset: Int, limit: Int) async throws -> (pages: [JobPageRecord], total: Int) {
        try await jobPages(jobID: jobID, offset: offset, limit: limit, status: nil)
    }
}

extension PlanStore {
    @discardableResult
    public func updateExecution(id: String, worker: String?, status: String, error: String?, state: String, finished: Bool) async throws -> Bool {
        try await updateExecution(id: id, worker: worker, status: status, error: error, state: state, finished: finished, at: Date())
    }

    public func executions(userID: Int64) async throws -> [ExecutionRecord] { try await executions(userID: userID, limit: 50) }

}

extension CompletionCacheStore {
    public func cachedCompletion(key: String, userID: Int64) async throws -> CachedCompletion? {
        try await cachedCompletion(key: key, userID: userID, now: Date())
    }
}

extension GenerationQuotaStore {
    public func reserveGeneration(userID: Int64, kind: String, limit: Int) async throws -> Int64? {
        try await reserveGeneration(userID: userID, kind: kind, limit: limit, at: Date())
    }
}

/// Why a stale execution was failed instead of resumed.
public enum ExecutionClaim {
    public static let unresumable = "the server running it stopped, and it was started before executions could be resumed"
    public static func givenUp(_ attempts: Int) -> String { "the servers running it stopped \(attempts) times; given up" }
}
