import Foundation

/// The first of an operation and a timer: whichever finishes first resumes the caller, and
/// the other is cancelled.
enum Deadline {
    /// A question asked once the operation has run `after` without finishing; an error it
    /// returns ends the wait at once (a server known to be gone need not be waited for).
    struct EarlyCheck: Sendable {
        let after: Duration
        let check: @Sendable () async -> (any Error)?
    }

    static func race<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T,
                                  early: EarlyCheck? = nil,
                                  timedOut: @escaping @Sendable () -> any Error) async throws -> T {
        let once = ResumeOnce<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                once.set(continuation)
                let work = Task {
                    do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
                }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    if !Task.isCancelled, once.resume(.failure(timedOut())) { work.cancel() }
                }
                let watcher = early.map { early in
                    Task {
                        try? await Task.sleep(for: early.after)
                        guard !Task.isCancelled, let error = await early.check() else { return }
                        if once.resume(.failure(error)) { work.cancel() }
                    }
                }
                once.onFinish {
                    timer.cancel()
                    watcher?.cancel()
                }
            }
        } onCancel: {
            once.resume(.failure(CancellationError()))
        }
    }
}

/// A continuation resumed at most once, by whoever comes first. Thread-safe.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var pending: Result<T, any Error>?
    private var done = false
    private var finish: (@Sendable () -> Void)?

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        lock.lock()
        if let pending {
            lock.unlock()
            continuation.resume(with: pending)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    func onFinish(_ action: @escaping @Sendable () -> Void) {
        lock.lock()
        if done {
            lock.unlock()
            action()
            return
        }
        finish = action
        lock.unlock()
    }

    /// Resumes with `result` unless something came first; true when this call won.
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        lock.lock()
        guard !done else {
            lock.unlock()
            return false
        }
        done = true
        let continuation = self.continuation
        self.continuation = nil
        if continuation == nil { pending = result }
        let finish = self.finish
        self.finish = nil
        lock.unlock()
        continuation?.resume(with: result)
        finish?()
        return true
    }
}

