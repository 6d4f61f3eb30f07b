import Embedding
import Foundation
import HTTPKit
import IndexStore
import Logging
import Metrics
import Storage
import TextKit

/// The shared services an ingest runs with (one per server or CLI process).
public struct IngestEnvironment: Sendable {
    public var database: any DataStore
    public var embedder: any Embedder
    public var indexes: IndexRegistry
    public var client: HTTPClient
    public var userAgent: String
    /// Seconds between requests to one host unless a job says otherwise.
    public var politenessDelay: Double
    public var maxBodyBytes: Int
    /// Seconds one page fetch may take.
    public var fetchTimeout: Double = 30
    public var chunker: Chunker.Options
    public var logger: Logger
    /// Seconds between index generations during a job (one is always published at the end).
    public var publishInterval: Double = 2
    /// Chunks embedded per forward batch.
    public var embedBatchChunks = 256
    /// Seconds a page may wait for its batch to fill before it is embedded anyway.
    public var maxBatchDelay: Double = 1
    /// Where pipeline metrics go (pages and chunks indexed, embedding batch latency).
    public var metrics: (any MetricsFactory)?

    public init(database: any DataStore, embedder: any Embedder, indexes: IndexRegistry, client: HTTPClient, userAgent: String,
                politenessDelay: Double = 0.5, maxBodyBytes: Int = 5 << 20, chunker: Chunker.Options = Chunker.Options(),
                logger: Logger) {
        self.database = database
        self.embedder = embedder
        self.indexes = indexes
        self.client = client
        self.userAgent = userAgent
        self.politenessDelay = politenessDelay
        self.maxBodyBytes = maxBodyBytes
        self.chunker = chunker
        self.logger = logger
    }
}

/// Where an ingest spends its time (seconds summed per stage; stages overlap in wall time).
public final class StageTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: [String: Double] = [:]

    public init() {}

    func add(_ stage: String, _ value: Double) {
        lock.lock()
        seconds[stage, default: 0] += value
        lock.unlock()
    }

    public var totals: [String: Double] {
        lock.lock()
        defer { lock.unlock() }
        return seconds
    }

    func measure<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { add(stage, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }

    func measure<T>(_ stage: String, _ body: () async throws -> T) async rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { add(stage, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try await body()
    }
}
