import Crawler
import Embedding
import Foundation
import HTTPKit
import Storage
import TextKit

/// One ingest, as overlapping stages joined by bounded channels:
///
///     crawler (fetch + extract, concurrent)  →  chunker (dedupe, chunk, batch)
///         →  embedder + writer (embed a batch, write its pages, publish vectors)
///
/// Each page is written in one SQLite transaction (document + its chunks, old chunks
/// replaced), and vectors reach the index only as whole pages, in generations published
/// every `publishInterval` seconds and at the end — a search never sees half a page.
/// Re-running the same job is idempotent: unchanged pages (304, or the same content hash)
/// are not re-embedded, so a resumed job converges on the same documents and chunks.
public struct IngestPipeline: Sendable {
    let environment: IngestEnvironment
    let collectionID: Int64
    let parameters: IngestParameters
    let progress: ProgressTracker
    let times: StageTimes
    /// Skip embedding and writing (the fetch + extract + chunk benchmark).
    let dryRun: Bool

    public init(environment: IngestEnvironment, collectionID: Int64, parameters: IngestParameters, progress: ProgressTracker,
                times: StageTimes = StageTimes(), dryRun: Bool = false) {
        self.environment = environment
        self.collectionID = collectionID
        self.parameters = parameters
        self.progress = progress
        self.times = times
        self.dryRun = dryRun
    }

    var writer: PageWriter {
        PageWriter(environment: environment, collectionID: collectionID, progress: progress, times: times)
    }

    public func run() async throws {
        let start = try IngestParameters.validate(url: parameters.url)
        if !dryRun { try await writer.claimPrecision() }
        var configuration = CrawlConfiguration(startURL: start)
        configuration.domain = parameters.domain
        configuration.includePrefixes = parameters.include
        configuration.excludePrefixes = parameters.exclude
        configuration.maxPages = parameters.maxPages
        configuration.maxDepth = parameters.maxDepth
        configuration.politenessDelay = parameters.politenessDelay ?? environment.politenessDelay
        configuration.allowPrivateHosts = parameters.allowPrivateHosts
        configuration.userAgent = environment.userAgent
        configuration.maxBodyBytes = environment.maxBodyBytes
        configuration.timeout = environment.fetchTimeout
        if let concurrency = parameters.hostConcurrency { configuration.perHostConcurrency = max(1, concurrency) }
        let database = environment.database, collectionID = self.collectionID
        let crawler = Crawler(configuration: configuration, client: environment.client) { url in
            guard let document = try? await database.document(collectionID: collectionID, url: url.absoluteString),
                  document.contentHash != nil else { return nil }
            return KnownPage(etag: document.etag, lastModified: document.lastModified,
                             links: document.linkList.compactMap(URL.init(string:)))
        }
        let events = crawler.start()
        let batches = BoundedChannel<[PendingPage]>(capacity: 2)
        let crawlStart = DispatchTime.now().uptimeNanoseconds
        let processor = Task { () -> CrawlCoverage in
            let coverage = await process(events, into: batches)
            // The crawl (fetch + extract, overlapping everything else) ends when its last
            // event has been consumed.
            times.add("crawl", Double(DispatchTime.now().uptimeNanoseconds - crawlStart) / 1e9)
            return coverage
        }
        do {
            try await withTaskCancellationHandler {
                try await embedAndWrite(batches)
            } onCancel: {
                Task {
                    await events.cancel()
                    await batches.cancel()
                }
            }
        } catch {
            processor.cancel()
            await events.cancel()
            try? await publish()
            throw error
        }
        let coverage = await processor.value
        if !Task.isCancelled, !dryRun, coverage.complete, progress.startPageFailure == nil {
            await sweep(visited: coverage.visited, start: start, configuration: configuration)
        }
        try await publish()
        if Task.isCancelled { throw CancellationError() }
        // Nothing fetched at all: the start page failed or was refused, and the job must say
        // so rather than end green with an empty collection.
        if let failure = progress.startPageFailure { throw IngestError.startPageFailed(failure) }
        if progress.snapshot.fetched == 0, let miss = progress.firstMiss { throw IngestError.nothingFetched(miss) }
    }

    // MARK: - Stage 2: classify, dedupe, chunk, batch

    /// What a crawl reached: every URL it had an answer for, and whether it went everywhere
    /// it could (no page or depth limit cut it short).
    struct CrawlCoverage: Sendable {
        var visited: Set<String> = []
        var complete = true
    }

    func process(_ events: BoundedChannel<CrawlEvent>, into batches: BoundedChannel<[PendingPage]>) async -> CrawlCoverage {
        var coverage = CrawlCoverage()
        let chunker = Chunker(counter: environment.embedder.tokenCounter, options: environment.chunker)
        let startURL = URL(string: parameters.url).flatMap(URLNormalizer.normalize)?.absoluteString ?? parameters.url
        let database = environment.database
        var batch: [PendingPage] = []
        var batchChunks = 0
        var batchStarted = Date()
        while let event = await events.receive() {
            switch event {
            case .discovered:
                progress.update { $0.discovered += 1 }
            case .page(let page):
                progress.update { $0.fetched += 1 }
                coverage.visited.insert(page.url.absoluteString)
                guard let pending = await writer.prepare(page, chunker: chunker) else { continue }
                if dryRun {
                    progress.update { $0.indexed += 1; $0.chunks += pending.chunks.count }
                    continue
                }
                if batch.isEmpty { batchStarted = Date() }
                batch.append(pending)
                batchChunks += pending.chunks.count
                // Full batches keep the embedder efficient; a batch also leaves after a
                // second, so a slow (polite) crawl shows indexed pages as it goes.
                if batchChunks >= environment.embedBatchChunks || Date().timeIntervalSince(batchStarted) >= environment.maxBatchDelay {
                    guard await batches.send(batch) else { return coverage }
                    batch = []
                    batchChunks = 0
                }
            case .unchanged(let url, let depth):
                coverage.visited.insert(url.absoluteString)
                progress.update { $0.fetched += 1; $0.unchanged += 1 }
                if let document = try? await database.document(collectionID: collectionID, url: url.absoluteString), let id = document.id {
                    try? await database.touchDocument(id: id, fetchedAt: Date(), etag: nil, lastModified: nil, links: nil)
                }
                progress.log(url.absoluteString, status: "unchanged", reason: "not modified", httpStatus: 304, depth: depth)
            case .skipped(let url, let reason, let detail):
                coverage.visited.insert(url.absoluteString)
                if reason == .maxPages || reason == .maxDepth { coverage.complete = false }
                progress.update { $0.skipped += 1 }
                progress.log(url.absoluteString, status: "skipped", reason: reason.rawValue, detail: detail)
            case .failed(let url, let reason, let status):
                let key = url.absoluteString
                coverage.visited.insert(key)
                if let status, status == 404 || status == 410,
                   (try? await database.document(collectionID: collectionID, url: key)) != nil {
                    // A stored page that is gone: remove it and its vectors.
                    _ = try? await database.deleteDocument(collectionID: collectionID, url: key)
                    progress.update { $0.removed += 1 }
                    progress.log(key, status: "removed", reason: reason, httpStatus: status)
                } else {
                    progress.update { $0.failed += 1 }
                    progress.log(key, status: "failed", reason: reason, httpStatus: status)
                    if key == startURL { progress.startPageFailed("\(key): \(reason)") }
                }
            }
        }
        if !batch.isEmpty { await batches.send(batch) }
        await batches.finish()
        return coverage
    }

    /// Most stored pages one job re-checks after a complete crawl.
    static let sweepLimit = 500

    /// A complete crawl did not reach some stored pages of its site (no longer linked): each
    /// is asked for once more, politely, and removed when it is gone (404/410), so pages a
    /// site deleted do not stay answerable. Pages that still answer are kept.
    func sweep(visited: Set<String>, start: URL, configuration: CrawlConfiguration) async {
        guard let host = start.host?.lowercased(),
              let stored = try? await environment.database.documentURLs(collectionID: collectionID) else { return }
        let unreached = stored.filter { url in
            guard !visited.contains(url), let parsed = URL(string: url), parsed.host?.lowercased() == host else { return false }
            let path = parsed.path.isEmpty ? "/" : parsed.path
            return (configuration.includePrefixes.isEmpty || configuration.includePrefixes.contains { path.hasPrefix($0) })
                && !configuration.excludePrefixes.contains { path.hasPrefix($0) }
        }.prefix(Self.sweepLimit)
        for url in unreached {
            if Task.isCancelled { return }
            let request = HTTPClient.Request(url: url, headers: [.init("User-Agent", configuration.userAgent)],
                                             timeout: configuration.timeout, maxBodyBytes: configuration.maxBodyBytes,
                                             addressPolicy: configuration.allowPrivateHosts ? .any : .publicOnly)
            guard let response = try? await environment.client.execute(request) else { continue }
            if response.status == 404 || response.status == 410 {
                _ = try? await environment.database.deleteDocument(collectionID: collectionID, url: url)
                progress.update { $0.removed += 1 }
                progress.log(url, status: "removed", reason: "gone, and no longer linked", httpStatus: response.status)
            }
            if configuration.politenessDelay > 0 { try? await Task.sleep(for: .seconds(configuration.politenessDelay)) }
        }
    }

    // MARK: - Stage 3: embed, write, publish

    func embedAndWrite(_ batches: BoundedChannel<[PendingPage]>) async throws {
        var lastPublish = Date()
        while let batch = await batches.receive() {
            try Task.checkCancellation()
            try await writer.write(batch)
            if Date().timeIntervalSince(lastPublish) >= environment.publishInterval {
                try await publish()
                lastPublish = Date()
            }
        }
    }

    func publish() async throws { try await writer.publish() }
}
