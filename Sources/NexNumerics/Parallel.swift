import Dispatch

/// Explicit data parallelism for hot loops.
///
/// NexTraction runs BLAS single-threaded (`BLASRuntime.setThreads(1)` at start-up) and splits
/// work itself: big products by rows or columns, attention by (sequence, head), elementwise
/// passes by row blocks. One scheduler for everything avoids oversubscribing the cores with
/// two thread pools, and lets small problems stay on one thread.
public enum Parallel {
    /// The number of CPUs available to this process.
    public static var processorCount: Int { max(1, sysconfThreads()) }

    /// Runs `body(worker)` for `worker` in `0..<workers` concurrently and waits for all.
    /// With one worker it runs inline on the calling thread.
    ///
    /// `body` need not be `@Sendable`: the workers of a hot loop share raw pointers on
    /// purpose, each touching its own disjoint part; that partitioning is the caller's contract.
    @inlinable
    public static func run(workers: Int, _ body: (Int) -> Void) {
        if workers <= 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            // concurrentPerform returns only after every iteration, so the closure never
            // outlives this call.
            let box = UncheckedSendableClosure(body: escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { box.body($0) }
        }
    }

    /// Splits `0..<count` into `workers` contiguous ranges whose boundaries are multiples of
    /// `alignment` (except the end), and runs `body(range)` on each concurrently.
    @inlinable
    public static func forEachRange(count: Int, workers: Int, alignment: Int = 1, _ body: (Range<Int>) -> Void) {
        forEachPartition(count: count, workers: workers, alignment: alignment) { _, range in body(range) }
    }

    /// Like `forEachRange`, also passing the partition's index (`0..<partitions(...)`), for
    /// workers that fill per-partition slots.
    @inlinable
    public static func forEachPartition(count: Int, workers: Int, alignment: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let parts = partitions(count: count, workers: workers, alignment: alignment)
        if parts <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        let blocks = (count + alignment - 1) / alignment
        run(workers: parts) { part in
            let start = min(count, (blocks * part / parts) * alignment)
            let end = min(count, (blocks * (part + 1) / parts) * alignment)
            if start < end { body(part, start..<end) }
        }
    }

    /// How many partitions `forEachPartition` makes.
    @inlinable
    public static func partitions(count: Int, workers: Int, alignment: Int = 1) -> Int {
        max(1, min(workers, (count + alignment - 1) / max(alignment, 1)))
    }

    /// Assigns items with the given costs to `workers` bins, largest first to the least loaded
    /// bin (longest-processing-time rule), so uneven items still balance. Equal costs keep
    /// their order, and each bin lists its items in ascending order, so neighbouring items
    /// (e.g. the heads of one sequence, which share its rows in cache) stay together.
    public static func balance(costs: [Int], workers: Int) -> [[Int]] {
        let bins = max(1, workers)
        var assignment = [[Int]](repeating: [], count: bins)
        guard bins > 1 else { return [Array(costs.indices)] }
        var loads = [Int](repeating: 0, count: bins)
        for index in costs.indices.sorted(by: { costs[$0] > costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }) {
            var target = 0
            for bin in 1..<bins where loads[bin] < loads[target] { target = bin }
            assignment[target].append(index)
            loads[target] += costs[index]
        }
        return assignment.map { $0.sorted() }
    }
}

@usableFromInline
struct UncheckedSendableClosure: @unchecked Sendable {
    @usableFromInline let body: (Int) -> Void
    @usableFromInline init(body: @escaping (Int) -> Void) { self.body = body }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func sysconfThreads() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#else
import Foundation
@usableFromInline func sysconfThreads() -> Int { ProcessInfo.processInfo.activeProcessorCount }
#endif
