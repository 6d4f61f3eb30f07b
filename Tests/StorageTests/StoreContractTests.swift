import Foundation
import Storage
import Testing
import TestSupport

/// Every storage behaviour the layers above rely on, written once and run against both
/// backends (SQLite and a real PostgreSQL).
@Suite("Storage contract")
struct StoreContractTests {
    @Test("accounts: emails unique whatever their case, looked up case-insensitively, listed oldest first", arguments: Backend.allCases)
    func accounts(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let ada = try await store.createUser(email: "ada@example.com", passwordHash: "$2b$04$hash", at: Date(timeIntervalSince1970: 1_000))
        let bob = try await store.createUser(email: "bob@example.com", passwordHash: "$2b$04$other", at: Date(timeIntervalSince1970: 2_000))
        #expect(ada.id != nil && ada.id != bob.id)
        #expect(try await store.user(email: "ADA@Example.com")?.id == ada.id)
        #expect(try await store.user(id: try #require(bob.id))?.passwordHash == "$2b$04$other")
        await #expect(throws: StorageError.emailTaken) { try await store.createUser(email: "Ada@Example.COM", passwordHash: "x") }
        #expect(try await store.users().map(\.email) == ["ada@example.com", "bob@example.com"])
        #expect(try await store.user(email: "nobody@example.com") == nil)
    }

    @Test("revocations are seen by a second connection and expired ones are purged", arguments: Backend.allCases)
    func revocations(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let owner = try await Owner(opened.store)
        try await opened.store.revokeToken(jti: "live", userID: owner.userID, expiresAt: Date().addingTimeInterval(3600))
        try await opened.store.revokeToken(jti: "old", userID: owner.userID, expiresAt: Date().addingTimeInterval(-10))
        try await opened.store.revokeToken(jti: "live", userID: owner.userID, expiresAt: Date().addingTimeInterval(3600))   // twice: harmless
        let other = try await opened.reopen()
        #expect(try await other.isTokenRevoked(jti: "live"))
        #expect(try await other.isTokenRevoked(jti: "old"))
        #expect(try await !other.isTokenRevoked(jti: "never"))
        #expect(try await other.purgeExpiredRevocations(before: Date()) == 1)
        #expect(try await !opened.store.isTokenRevoked(jti: "old"))
        #expect(await other.ping())
    }

    @Test("throttle attempts count within a window per scope and key, and are cleared", arguments: Backend.allCases)
    func attempts(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        for second in [0.0, 10, 20] {
            try await store.recordAttempt(scope: "login", key: "k", at: start.addingTimeInterval(second), forgetBefore: start.addingTimeInterval(-86_400))
        }
        try await store.recordAttempt(scope: "register", key: "k", at: start, forgetBefore: start.addingTimeInterval(-86_400))
        let window = try await store.attempts(scope: "login", key: "k", since: start.addingTimeInterval(5))
        #expect(window.count == 2)
        #expect(window.oldest.map { abs($0.timeIntervalSince(start.addingTimeInterval(10))) < 0.001 } == true)
        #expect(try await store.attempts(scope: "login", key: "other", since: start.addingTimeInterval(-1)).count == 0)
        // Recording forgets attempts older than `forgetBefore`, in every scope.
        try await store.recordAttempt(scope: "login", key: "x", at: start.addingTimeInterval(30), forgetBefore: start.addingTimeInterval(15))
        #expect(try await store.attempts(scope: "login", key: "k", since: start.addingTimeInterval(-1)).count == 1)
        #expect(try await store.attempts(scope: "register", key: "k", since: start.addingTimeInterval(-1)).count == 0)
        try await store.clearAttempts(scope: "login", key: "k")
        #expect(try await store.attempts(scope: "login", key: "k", since: start.addingTimeInterval(-1)).count == 0)
    }

    @Test("collections are per user; ensure is idempotent; summaries count documents and chunks", arguments: Backend.allCases)
    func collections(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let a = try await Owner(store, email: "a@example.com")
        let b = try await Owner(store, email: "b@example.com")
        #expect(try await store.ensureCollection(userID: a.userID, name: "docs").id == a.collectionID)
        #expect(a.collectionID != b.collectionID)
        _ = try await store.ensureCollection(userID: a.userID, name: "alpha")
        #expect(try await store.collections(userID: a.userID).map(\.name) == ["alpha", "docs"])
        #expect(try await store.collection(userID: b.userID, name: "alpha") == nil)
        #expect(try await store.collection(id: b.collectionID)?.userID == b.userID)
        try await store.storeTestPage(collectionID: a.collectionID, url: "https://x.test/1", texts: ["one", "two"])
        try await store.storeTestPage(collectionID: a.collectionID, url: "https://x.test/2", texts: ["three"])
        let summary = try #require(try await store.collectionSummaries(userID: a.userID).first { $0.name == "docs" })
        #expect(summary.documents == 2 && summary.chunks == 3)
        #expect(try await store.counts(collectionID: a.collectionID) == (2, 3))
        #expect(Set(try await store.allCollectionIDs()).isSuperset(of: [a.collectionID, b.collectionID]))
        #expect(try await store.allCollections().map(\.email).contains("b@example.com"))
    }

    @Test("storing a page again replaces its chunks; touch keeps them; delete removes them", arguments: Backend.allCases)
    func documents(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let owner = try await Owner(store)
        let first = try await store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/a", texts: ["alpha", "beta"])
        let document = try #require(try await store.document(collectionID: owner.collectionID, url: "https://x.test/a"))
        #expect(document.title == "Page" && document.linkList == ["https://x.test/a/next"] && document.httpStatus == 200)
        // The same content under another URL is found as a duplicate.
        #expect(try await store.document(collectionID: owner.collectionID, contentHash: try #require(document.contentHash),
                                         excludingURL: "https://x.test/other")?.id == document.id)
        #expect(try await store.document(collectionID: owner.collectionID, contentHash: try #require(document.contentHash),
                                         excludingURL: "https://x.test/a") == nil)
        let replaced = try await store.storePage(
            DocumentRecord(collectionID: owner.collectionID, url: "https://x.test/a", canonicalURL: "https://x.test/A", title: "New title",
                           lang: "en", contentHash: "h2", fetchedAt: Date(), etag: "\"e1\"", lastModified: nil, links: [],
                           httpStatus: 200, depth: 1, bytes: 10),
            chunks: [NewChunk(ordinal: 0, headingPath: "H", text: "gamma", tokenCount: 1, vector: [1, 0, 0, 0], contentHash: "g")])
        #expect(replaced.documentID == document.id)
        #expect(replaced.removed.sorted() == first.sorted())
        #expect(replaced.added.count == 1 && Set(replaced.added).isDisjoint(with: first))
        #expect(try await store.chunkIDs(collectionID: owner.collectionID) == replaced.added)
        let stored = try await store.chunks(ids: replaced.added, collectionID: owner.collectionID)
        #expect(stored.map(\.text) == ["gamma"] && stored.first?.url == "https://x.test/A" && stored.first?.title == "New title")
        // A conditional re-fetch updates metadata only.
        try await store.touchDocument(id: try #require(document.id), fetchedAt: Date(), etag: "\"e2\"", lastModified: "yesterday", links: ["https://x.test/b"])
        let touched = try #require(try await store.document(collectionID: owner.collectionID, url: "https://x.test/a"))
        #expect(touched.etag == "\"e2\"" && touched.lastModified == "yesterday" && touched.linkList == ["https://x.test/b"])
        #expect(try await store.chunkIDs(collectionID: owner.collectionID) == replaced.added)
        #expect(try await store.deleteDocument(collectionID: owner.collectionID, url: "https://x.test/a") == replaced.added)
        #expect(try await store.deleteDocument(collectionID: owner.collectionID, url: "https://x.test/a") == [])
        #expect(try await store.counts(collectionID: owner.collectionID) == (0, 0))
    }

    @Test("vectors come back exactly, in batches and by id; chunks stay inside their collection", arguments: Backend.allCases)
    func vectorsAndScope(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let mine = try await Owner(store, email: "m@example.com")
        let theirs = try await Owner(store, email: "t@example.com")
        let ids = try await store.storeTestPage(collectionID: mine.collectionID, url: "https://x.test/v", texts: (0..<5).map { "text \($0)" })
        let other = try await store.storeTestPage(collectionID: theirs.collectionID, url: "https://x.test/v", texts: ["secret"])
        var batches: [[Int64]] = []
        var all: [Float] = []
        try await store.forEachChunkVectorBatch(collectionID: mine.collectionID, dimension: 4, batchSize: 2) { batch, vectors in
            batches.append(batch)
            all += vectors
        }
        #expect(batches == [[ids[0], ids[1]], [ids[2], ids[3]], [ids[4]]])
        #expect(Array(all.prefix(4)) == [0.1, 0.2, 0.3, 0.4] && all.count == 20)
        let byID = try await store.chunkVectors(ids: [ids[3], 999_999], dimension: 4)
        #expect(byID.ids == [ids[3]] && byID.vectors == [0.4, 0.5, 0.6, 0.7])
        #expect(try await store.chunkVectors(ids: [ids[0]], dimension: 8).ids.isEmpty)   // another size is skipped
        // Chunks come back in the order asked, and never from another collection.
        let asked = try await store.chunks(ids: [ids[2], other[0], ids[0]], collectionID: mine.collectionID)
        #expect(asked.map(\.id) == [ids[2], ids[0]])
        // A page's opening is its first chunk: asked through any of its chunks, once per page.
        let document = try #require(asked.last?.documentID)
        let openings = try await store.openingVectors(chunkIDs: [ids[3], ids[1], 999_999], dimension: 4)
        #expect(openings.documentIDs == [document] && openings.vectors == [0.1, 0.2, 0.3, 0.4])
        let both = try await store.openingVectors(chunkIDs: [ids[2], other[0]], dimension: 4)
        #expect(Set(both.documentIDs).count == 2 && both.vectors.count == 8)
        #expect(try await store.openingVectors(chunkIDs: [ids[0]], dimension: 8).documentIDs.isEmpty)
    }

    @Test("deleting a collection removes its documents, chunks and search terms, and nothing else", arguments: Backend.allCases)
    func cascade(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let owner = try await Owner(store)
        let kept = try await store.ensureCollection(userID: owner.userID, name: "kept")
        try await store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/1", texts: ["compost heaps", "mulch"])
        let keptIDs = try await store.storeTestPage(collectionID: try #require(kept.id), url: "https://x.test/1", texts: ["compost tea"])
        _ = try await store.createJob(userID: owner.userID, collectionID: owner.collectionID, kind: "ingest", params: "{}")
        #expect(try await store.termChunkCounts(["compost"]) == ["compost": 2])
        #expect(try await store.deleteCollection(userID: owner.userID, name: "docs") == owner.collectionID)
        #expect(try await store.deleteCollection(userID: owner.userID, name: "docs") == nil)
        #expect(try await store.collection(id: owner.collectionID) == nil)
        #expect(try await store.chunkIDs(collectionID: owner.collectionID).isEmpty)
        #expect(try await store.jobs(userID: owner.userID).isEmpty)
        #expect(try await store.termChunkCounts(["compost", "mulch"]) == ["compost": 1, "mulch": 0])
        #expect(try await store.searchFullText(collectionID: try #require(kept.id), terms: ["compost"], limit: 5).map(\.id) == keptIDs)
        #expect(try await store.operationalCounts().chunks == 1)
    }

    @Test("full-text search: stemmed, scoped to a collection, title and heading weighted; term statistics", arguments: Backend.allCases)
    func lexical(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let owner = try await Owner(store)
        let other = try await Owner(store, email: "o@example.com")
        let ids = try await store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/g", title: "Gardening",
                                                texts: ["Composting heaps need air and water", "Mulch keeps the soil moist",
                                                        "Worms turn compost into soil", "Nothing relevant here"],
                                                headings: ["Compost", "", "", ""])
        let theirs = try await store.storeTestPage(collectionID: other.collectionID, url: "https://x.test/g", texts: ["compost compost compost"])
        let hits = try await store.searchFullText(collectionID: owner.collectionID, terms: ["compost"], limit: 10)
        // "Composting" and "compost" share a stem; the chunk whose heading says it ranks first.
        #expect(hits.map(\.id) == [ids[0], ids[2]])
        #expect(hits.allSatisfy { $0.score > 0 } && hits[0].score > hits[1].score)
        #expect(try await store.searchFullText(collectionID: other.collectionID, terms: ["compost"], limit: 10).map(\.id) == theirs)
        #expect(try await store.searchFullText(collectionID: owner.collectionID, terms: ["soil", "mulch"], limit: 1).map(\.id) == [ids[1]])
        #expect(try await store.searchFullText(collectionID: owner.collectionID, terms: ["beetroot", "\"", ""], limit: 10).isEmpty)
        // Title matches count: every chunk of the page holds "gardening" through its title.
        #expect(try await store.searchFullText(collectionID: owner.collectionID, terms: ["gardening"], limit: 10).count == 4)
        #expect(try await store.termChunkCounts(["compost", "Mulch", "beetroot", "lru_cache", "..."]) == ["compost": 3, "Mulch": 1, "beetroot": 0, "lru_cache": 0])
        #expect(try await store.collectionContains(collectionID: owner.collectionID, word: "worm"))
        #expect(try await !store.collectionContains(collectionID: other.collectionID, word: "worm"))
        let document = try #require(try await store.document(collectionID: owner.collectionID, url: "https://x.test/g")?.id)
        #expect(try await store.documentsContain(documentIDs: [document], word: "moist"))
        #expect(try await !store.documentsContain(documentIDs: [document], word: "beetroot"))
        #expect(try await store.vocabularyHasVariant(of: "composters"))          // "compost" is in the index
        #expect(try await !store.vocabularyHasVariant(of: "zymurgy"))
    }

    @Test("jobs: oldest queued first, claimed once across concurrent workers, stale ones taken over, cancel", arguments: Backend.allCases)
    func jobs(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let owner = try await Owner(store)
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        var created: [String] = []
        for index in 0..<6 {
            created.append(try await store.createJob(userID: owner.userID, collectionID: owner.collectionID, kind: "ingest",
                                                     params: "{\"n\":\(index)}", at: start.addingTimeInterval(Double(index))).id)
        }
        #expect(try await store.jobs(userID: owner.userID, limit: 2).map(\.id) == [created[5], created[4]])
        // Six workers (two connections) claim at once: each job once.
        let second = try await opened.reopen()
        let claimed = try await withThrowingTaskGroup(of: String?.self) { group in
            for worker in 0..<6 {
                let store = worker.isMultiple(of: 2) ? store : second
                group.addTask { try await store.claimNextJob(worker: "w\(worker)", staleBefore: start, maxAttempts: 5, now: start.addingTimeInterval(100))?.id }
            }
            return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(claimed.sorted() == created.sorted())
        #expect(try await store.claimNextJob(worker: "late", staleBefore: start, maxAttempts: 5, now: start.addingTimeInterval(100)) == nil)
        // A heartbeat keeps a job; one older than staleBefore lets another worker take it over.
        let job = try #require(try await store.job(id: created[0]))
        let worker = try #require(job.worker)
        var progress = JobProgress()
        progress.fetched = 7
        #expect(try await store.heartbeat(jobID: job.id, worker: worker, progress: progress, now: start.addingTimeInterval(200)))
        #expect(try await !store.heartbeat(jobID: job.id, worker: "someone-else", progress: progress, now: start.addingTimeInterval(200)))
        let takeover = try #require(try await store.claimNextJob(worker: "rescuer", staleBefore: start.addingTimeInterval(150), maxAttempts: 5,
                                                                  now: start.addingTimeInterval(300)))
        #expect(takeover.id != job.id && takeover.attempts == 2)   // the others' heartbeats (at 100) were stale too; oldest first
        // Cancelling a running job is seen at its next heartbeat; finishing records the result.
        #expect(try await store.requestCancel(jobID: job.id, userID: owner.userID, now: start)?.cancelRequested == true)
        #expect(try await !store.heartbeat(jobID: job.id, worker: worker, progress: progress, now: start.addingTimeInterval(210)))
        try await store.finishJob(id: job.id, status: "cancelled", error: nil, progress: progress, now: start.addingTimeInterval(220))
        let finished = try #require(try await store.job(id: job.id, userID: owner.userID))
        #expect(finished.status == "cancelled" && finished.fetched == 7 && finished.isFinished)
        #expect(try await store.requestCancel(jobID: job.id, userID: owner.userID + 1, now: start) == nil)
        // A queued job is cancelled at once; one started too often is failed instead of claimed.
        let queued = try await store.createJob(userID: owner.userID, collectionID: nil, kind: "ingest", params: "{}", at: start)
        #expect(try await store.requestCancel(jobID: queued.id, userID: owner.userID, now: start)?.status == "cancelled")
        #expect(try await store.claimNextJob(worker: "x", staleBefore: start.addingTimeInterval(10_000), maxAttempts: 1,
                                             now: start.addingTimeInterval(10_001)) == nil)
        #expect(try await store.job(id: created[1])?.status == "failed")
        #expect(try await store.operationalCounts().runningJobs == 0)
    }

    @Test("a job run in-process is started by its worker; at start-up, a dead worker's running jobs are queued again", arguments: Backend.allCases)
    func requeue(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let owner = try await Owner(store)
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let mine = try await store.createJob(userID: owner.userID, collectionID: owner.collectionID, kind: "ingest", params: "{}", at: start)
        let theirs = try await store.createJob(userID: owner.userID, collectionID: owner.collectionID, kind: "ingest", params: "{}", at: start)
        let fresh = try await store.createJob(userID: owner.userID, collectionID: owner.collectionID, kind: "ingest", params: "{}", at: start)
        try await store.startJob(id: mine.id, worker: "me", now: start)
        try await store.startJob(id: theirs.id, worker: "dead", now: start)
        try await store.startJob(id: fresh.id, worker: "alive", now: start.addingTimeInterval(100))
        let started = try await store.job(id: mine.id)
        #expect(started?.status == "running" && started?.attempts == 1 && started?.worker == "me")
        // Only the other worker's job whose heartbeat is older than staleBefore goes back to the queue.
        #expect(try await store.requeueJobs(ofWorkerOtherThan: "me", staleBefore: start.addingTimeInterval(50)) == 1)
        let requeued = try await store.job(id: theirs.id)
        #expect(requeued?.status == "queued" && requeued?.worker == nil)
        #expect(try await store.job(id: mine.id)?.status == "running")
        #expect(try await store.job(id: fresh.id)?.status == "running")
        #expect(try await store.operationalCounts().queuedJobs == 1)
    }

    @Test("a job's page log appends in order, pages, filters by status and clears", arguments: Backend.allCases)
    func jobPages(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let owner = try await Owner(store)
        let job = try await store.createJob(userID: owner.userID, collectionID: owner.collectionID, kind: "ingest", params: "{}")
        try await store.appendJobPages((0..<5).map {
            JobPageRecord(jobID: job.id, url: "https://x.test/\($0)", status: $0 == 3 ? "failed" : "fetched", reason: $0 == 3 ? "http_404" : nil,
                          httpStatus: $0 == 3 ? 404 : 200, depth: 1, chunks: $0)
        })
        let page = try await store.jobPages(jobID: job.id, offset: 1, limit: 2, status: nil)
        #expect(page.total == 5 && page.pages.map(\.url) == ["https://x.test/1", "https://x.test/2"])
        let failed = try await store.jobPages(jobID: job.id, offset: 0, limit: 10, status: "failed")
        #expect(failed.total == 1 && failed.pages.first?.reason == "http_404" && failed.pages.first?.httpStatus == 404)
        #expect(try await store.jobPages(jobID: job.id, offset: 10, limit: 10, status: nil).total == 5)
        try await store.clearJobPages(jobID: job.id)
        #expect(try await store.jobPages(jobID: job.id, offset: 0, limit: 10, status: nil).total == 0)
    }

    @Test("quota: 20 concurrent reservations never exceed the limit; released ones come back", arguments: Backend.allCases)
    func quota(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let owner = try await Owner(opened.store)
        let second = try await opened.reopen()
        let granted = try await withThrowingTaskGroup(of: Int64?.self) { group in
            for index in 0..<20 {
                let store = index.isMultiple(of: 2) ? opened.store : second
                group.addTask { try await store.reserveGeneration(userID: owner.userID, kind: "answer", limit: 7, at: Date()) }
            }
            return try await group.reduce(into: [Int64]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(granted.count == 7)
        #expect(try await opened.store.generationsUsed(userID: owner.userID) == 7)
        try await opened.store.releaseGeneration(id: granted[0])
        try await opened.store.confirmGeneration(id: granted[1])
        #expect(try await opened.store.generationsUsed(userID: owner.userID) == 6)
        try await opened.store.releasePendingGenerations(before: Date().addingTimeInterval(1))
        #expect(try await opened.store.generationsUsed(userID: owner.userID) == 1)   // only the confirmed one stays
        try await opened.store.releaseGeneration(id: granted[1])                       // confirmed: not given back
        #expect(try await opened.store.generationsUsed(userID: owner.userID) == 1)
    }

    @Test("plans and executions belong to their user; executions are claimed once, kept by heartbeats, taken over when stale, failed when they cannot resume",
          arguments: Backend.allCases)
    func plans(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let a = try await Owner(store, email: "a@example.com")
        let b = try await Owner(store, email: "b@example.com")
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        try await store.createPlan(PlanRecord(id: "p1", userID: a.userID, title: "One", body: "{}", stepCount: 2, createdAt: now))
        try await store.createPlan(PlanRecord(id: "p2", userID: a.userID, title: "Two", body: "{}", stepCount: 1, createdAt: now.addingTimeInterval(1)))
        #expect(try await store.plans(userID: a.userID).map(\.id) == ["p2", "p1"])
        #expect(try await store.plan(id: "p1", userID: b.userID) == nil)
        #expect(try await !store.deletePlan(id: "p1", userID: b.userID))
        #expect(try await store.deletePlan(id: "p1", userID: a.userID))
        let execution = ExecutionRecord(id: "e1", userID: a.userID, planID: "p2", workflow: "sequential", status: "running", error: nil,
                                        state: "{}", createdAt: now, updatedAt: now, finishedAt: nil)
        try await store.createExecution(execution)
        try await store.updateExecution(id: "e1", worker: nil, status: "running", error: nil, state: "{\"step\":1}", finished: false,
                                        at: now.addingTimeInterval(5))
        #expect(try await store.execution(id: "e1", userID: a.userID)?.state == "{\"step\":1}")
        #expect(try await store.execution(id: "e1", userID: b.userID) == nil)
        // Stored before executions carried their plan: failed, not resumed, once stale.
        #expect(try await store.claimStaleExecution(worker: "w2", staleBefore: now.addingTimeInterval(60), maxAttempts: 3, now: now) == nil)
        let failed = try #require(try await store.execution(id: "e1", userID: a.userID))
        #expect(failed.status == "failed" && failed.error == ExecutionClaim.unresumable && failed.finishedAt != nil)

        // A resumable one: claimed by its server, held by heartbeats, taken over once they stop.
        let reservation = try #require(try await store.reserveGeneration(userID: a.userID, kind: "plan", limit: 5, at: now))
        var resumable = execution
        resumable.id = "e2"
        resumable.status = "queued"
        resumable.plan = "{\"title\": \"Two\"}"
        resumable.reservationID = reservation
        try await store.createExecution(resumable)
        let claimed = try #require(try await store.claimExecution(id: "e2", worker: "w1", now: now.addingTimeInterval(100)))
        #expect(claimed.worker == "w1" && claimed.attempts == 1 && claimed.plan == resumable.plan && claimed.reservationID == reservation)
        #expect(try await store.claimExecution(id: "e2", worker: "w2", now: now.addingTimeInterval(100)) == nil)
        #expect(try await store.heartbeatExecution(id: "e2", worker: "w1", now: now.addingTimeInterval(110)))
        #expect(try await !store.heartbeatExecution(id: "e2", worker: "w2", now: now.addingTimeInterval(110)))
        // A pending reservation of an execution that may still resume is not given back.
        try await store.releasePendingGenerations(before: now.addingTimeInterval(1000))
        #expect(try await store.generationsUsed(userID: a.userID) == 1)
        #expect(try await store.claimStaleExecution(worker: "w2", staleBefore: now.addingTimeInterval(105), maxAttempts: 3, now: now) == nil)
        let taken = try #require(try await store.claimStaleExecution(worker: "w2", staleBefore: now.addingTimeInterval(120), maxAttempts: 3,
                                                                     now: now.addingTimeInterval(121)))
        #expect(taken.id == "e2" && taken.worker == "w2" && taken.attempts == 2)
        #expect(try await !store.heartbeatExecution(id: "e2", worker: "w1", now: now.addingTimeInterval(122)))
        // The server that lost it cannot write its state any more; the one that holds it can.
        #expect(try await !store.updateExecution(id: "e2", worker: "w1", status: "failed", error: "cancelled", state: "{}", finished: true,
                                                 at: now.addingTimeInterval(123)))
        #expect(try await store.updateExecution(id: "e2", worker: "w2", status: "running", error: nil, state: "{\"resumed\":1}", finished: false,
                                                at: now.addingTimeInterval(123)))
        #expect(try await store.execution(id: "e2", userID: a.userID)?.status == "running")
        // Claimed as often as allowed and stale again: given up.
        #expect(try await store.claimStaleExecution(worker: "w3", staleBefore: now.addingTimeInterval(200), maxAttempts: 2, now: now) == nil)
        let givenUp = try #require(try await store.execution(id: "e2", userID: a.userID))
        #expect(givenUp.status == "failed" && givenUp.error == ExecutionClaim.givenUp(2))
    }

    @Test("the completion cache: exact entries per user, semantic entries with their vector, expiry", arguments: Backend.allCases)
    func completionCache(_ backend: Backend) async throws {
        let opened = try await backend.open()
        let store = opened.store
        let a = try await Owner(store, email: "a@example.com")
        let b = try await Owner(store, email: "b@example.com")
        let now = Date()
        try await store.storeCompletion(key: "k1", userID: a.userID, scope: "s", provider: "p", model: "m", result: "R1",
                                        embedding: [0.5, -1, 2], ttl: 60, now: now)
        try await store.storeCompletion(key: "k1", userID: a.userID, scope: "s", provider: "p", model: "m", result: "R1b",
                                        embedding: [0.5, -1, 2], ttl: 60, now: now)                  // replaces
        try await store.storeCompletion(key: "k2", userID: a.userID, scope: "s", provider: "p", model: "m", result: "old",
                                        embedding: nil, ttl: -1, now: now)                          // already expired
        #expect(try await store.cachedCompletion(key: "k1", userID: a.userID, now: now)?.result == "R1b")
        #expect(try await store.cachedCompletion(key: "k1", userID: b.userID, now: now) == nil)
        #expect(try await store.cachedCompletion(key: "k2", userID: a.userID, now: now) == nil)
        let semantic = try await store.semanticCacheEntries(userID: a.userID, scope: "s", provider: "p", model: "m", limit: 10, now: now)
        #expect(semantic.map(\.embedding) == [[0.5, -1, 2]])
        #expect(try await store.semanticCacheEntries(userID: a.userID, scope: "other", provider: "p", model: "m", limit: 10, now: now).isEmpty)
        #expect(try await store.cachedCompletion(key: "k1", userID: a.userID, now: now.addingTimeInterval(61)) == nil)
    }
}

@Suite("BM25 on both backends")
struct LexicalParityTests {
    @Test("PostgreSQL's BM25 ranks and scores the same chunks as SQLite FTS5's bm25() (weighted columns, stemming)")
    func sameScores() async throws {
        let sqlite = try await Backend.sqlite.open()
        let postgres = try await Backend.postgres.open()
        let words = ["garden", "compost", "soil", "worm", "mulch", "water", "seed", "root", "leaf", "sun", "shade", "prune",
                     "rose", "tomato", "harvest", "frost", "winter", "spring", "bed", "weeds"]
        var seeded = SplitMix(seed: 42)
        var pages: [(title: String, texts: [String], headings: [String])] = []
        for page in 0..<12 {
            let texts = (0..<4).map { _ in (0..<Int.random(in: 4...30, using: &seeded)).map { _ in words.randomElement(using: &seeded)! }.joined(separator: " ") }
            let headings = (0..<4).map { _ in words.randomElement(using: &seeded)!.capitalized }
            pages.append(("Page \(page) \(words[page])", texts, headings))
        }
        var idMaps: [[Int64]] = []
        var collections: [Int64] = []
        for store in [sqlite.store, postgres.store] {
            let owner = try await Owner(store)
            var ids: [Int64] = []
            for (index, page) in pages.enumerated() {
                ids += try await store.storeTestPage(collectionID: owner.collectionID, url: "https://x.test/\(index)", title: page.title,
                                                     texts: page.texts, headings: page.headings)
            }
            idMaps.append(ids)
            collections.append(owner.collectionID)
        }
        let weights = FullTextWeights(title: 2, heading: 1.5, body: 1)
        for query in [["compost"], ["rose", "frost"], ["winter", "tomato", "shade"], ["roots", "pruning", "gardens"], ["beds"]] {
            let a = try await sqlite.store.searchFullText(collectionID: collections[0], terms: query, limit: 10, weights: weights)
            let b = try await postgres.store.searchFullText(collectionID: collections[1], terms: query, limit: 10, weights: weights)
            // Positions in the stored order stand for the same chunk on both sides.
            let positionsA = a.map { idMaps[0].firstIndex(of: $0.id) ?? -1 }
            let positionsB = b.map { idMaps[1].firstIndex(of: $0.id) ?? -1 }
            #expect(!a.isEmpty)
            // Equal scores may come in either order: compare the scores, then the sets per score.
            #expect(zip(a, b).allSatisfy { abs($0.score - $1.score) < 1e-6 * max(1, abs($0.score)) }, "\(query): \(a.map(\.score)) vs \(b.map(\.score))")
            #expect(Set(positionsA) == Set(positionsB) || a.count == 10, "\(query)")
        }
    }
}

/// A seeded generator, so the corpus is the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("PostgreSQL over TLS")
struct PostgresTLSTests {
    @Test("sslmode=require connects over TLS to a server that accepts nothing else; sslmode=disable is refused with the server's reason")
    func tls() async throws {
        let cluster = try PostgresCluster(requireTLS: true)
        defer { cluster.shutdown() }
        let url = try PostgresCluster.createDatabase(on: cluster.serverURL)
        let store = try await PostgresStore.connect(try DatabaseURL(url + "?sslmode=require"))
        defer { store.close() }
        _ = try await store.createUser(email: "tls@example.com", passwordHash: "h", at: Date())
        #expect(try await store.user(email: "tls@example.com") != nil)
        // The pool's connection, idle now, is encrypted (psql's own session is left out).
        let encrypted = try PostgresCluster.psql(url, """
            SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
            WHERE s.ssl AND a.datname = current_database() AND s.pid <> pg_backend_pid()
            """)
        #expect((Int(encrypted) ?? 0) >= 1, "\(encrypted)")
        do {
            _ = try await PostgresStore.connect(try DatabaseURL(url + "?sslmode=disable"))
            Issue.record("a plain connection was accepted")
        } catch let error as StorageError {
            #expect("\(error)".contains("no encryption") && "\(error)".contains("127.0.0.1:\(cluster.port)"), "\(error)")
        }
    }
}
