import Dispatch
import Foundation
import NexNumerics

/// Continuous batching of interactive encoder work (questions, candidate answer passages),
/// as text-embeddings-inference does it: while a forward pass runs, the requests that arrive
/// wait; when it ends, all of them are encoded in one call — packed by length into larger
/// matrix products — and each gets its own rows back. A request that finds the lane idle
/// starts at once (no collection window), so a lone client's latency is unchanged, and under
/// load each pass serves many requests.
final class InteractiveBatcher: @unchecked Sendable {
    typealias Encode = @Sendable ([String], EncoderWorkspace) -> EmbeddingBatch

    private struct Waiting {
        var texts: [String]
        var done: CheckedContinuation<EmbeddingBatch, Never>
    }

    private let queue: DispatchQueue
    private let workspace = EncoderWorkspace()
    private let encode: Encode
    /// Most texts one merged pass takes (the rest wait for the next), so a pass stays short.
    private let maxTexts: Int
    private let lock = NSLock()
    private var waiting: [Waiting] = []
    private var draining = false
    private var passes = 0
    private var requests = 0

    init(label: String, maxTexts: Int = 256, encode: @escaping Encode) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
        self.maxTexts = max(1, maxTexts)
        self.encode = encode
    }

    /// (merged passes run, requests served) so far.
    var statistics: (passes: Int, requests: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (passes, requests)
    }

    func submit(_ texts: [String]) async -> EmbeddingBatch {
        await withCheckedContinuation { continuation in
            lock.lock()
            waiting.append(Waiting(texts: texts, done: continuation))
            let start = !draining
            draining = true
            lock.unlock()
            if start { queue.async { [self] in drain() } }
        }
    }

    /// Runs merged passes until nobody waits (on the lane's queue).
    private func drain() {
        while true {
            lock.lock()
            var taken: [Waiting] = []
            var count = 0
            while let next = waiting.first, taken.isEmpty || count + next.texts.count <= maxTexts {
                taken.append(waiting.removeFirst())
                count += next.texts.count
            }
            if taken.isEmpty {
                draining = false
                lock.unlock()
                return
            }
            passes += 1
            requests += taken.count
            lock.unlock()
            let merged = encode(taken.flatMap(\.texts), workspace)
            var row = 0
            for request in taken {
                request.done.resume(returning: merged.rows(row..<(row + request.texts.count)))
                row += request.texts.count
            }
        }
    }
}

extension EmbeddingBatch {
    /// The embeddings of inputs `range`, as a batch of their own.
    func rows(_ range: Range<Int>) -> EmbeddingBatch {
        let dimension = vectors.cols
        return EmbeddingBatch(vectors: Matrix(rows: range.count, cols: dimension,
                                              storage: Array(vectors.storage[(range.lowerBound * dimension)..<(range.upperBound * dimension)])),
                              tokenCounts: Array(tokenCounts[range]))
    }
}
