import Dispatch

/// A serial lane of encoder work: one dispatch queue and the workspace it owns.
///
/// Forward passes block a thread for milliseconds to seconds, so they run here rather than
/// on Swift's cooperative pool (two threads on this machine), and callers `await` them.
final class EncoderLane: @unchecked Sendable {
    private let queue: DispatchQueue
    private let workspace = EncoderWorkspace()

    init(label: String, qos: DispatchQoS) {
        queue = DispatchQueue(label: label, qos: qos)
    }

    /// Runs `work` with the lane's workspace after the work queued before it.
    func run<T: Sendable>(_ work: @escaping @Sendable (EncoderWorkspace) -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { [workspace] in continuation.resume(returning: work(workspace)) }
        }
    }
}
