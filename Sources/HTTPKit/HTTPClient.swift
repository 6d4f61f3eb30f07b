import Foundation

/// An asynchronous HTTP client on libcurl's multi interface, shared by the crawler, the LLM
/// providers and the tests.
///
/// All transfers of one client run on one event-loop thread (see `CurlMulti`); the client is
/// `Sendable` and meant to be shared. Cancelling the calling task aborts its transfer.
/// Dropping the last reference stops the loop.
public final class HTTPClient: Sendable {
    private let multi: CurlMulti
    /// Sent as `User-Agent` when a request sets none.
    public let userAgent: String

    /// - Parameters:
    ///   - userAgent: the default `User-Agent`.
    ///   - maxConnectionsPerHost: libcurl's cap on parallel connections to one host.
    ///   - maxConnections: libcurl's cap on open connections in all.
    public init(userAgent: String, maxConnectionsPerHost: Int = 8, maxConnections: Int = 64) throws {
        self.userAgent = userAgent
        self.multi = try CurlMulti(maxConnectionsPerHost: maxConnectionsPerHost, maxConnections: maxConnections)
    }

    deinit { multi.stop() }

    /// Performs a request and returns the whole response.
    public func execute(_ request: Request) async throws -> Response {
        let request = withDefaults(request)
        let box = TransferBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Response, any Error>) in
                do {
                    let transfer = try Transfer(request: request) { result in
                        continuation.resume(with: result.mapError { $0 as any Error })
                    }
                    box.set(transfer)
                    multi.submit(transfer)
                    if Task.isCancelled { multi.cancel(transfer) }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            if let transfer = box.get() { multi.cancel(transfer) }
        }
    }

    /// Performs a request and yields the response head, then body pieces as they arrive
    /// (for server-sent events). Non-2xx responses are yielded like any other.
    public func stream(_ request: Request) -> AsyncThrowingStream<StreamEvent, any Error> {
        var request = withDefaults(request)
        request.streaming = true
        return AsyncThrowingStream { continuation in
            do {
                let transfer = try Transfer(request: request) { result in
                    switch result {
                    case .success: continuation.finish()
                    case .failure(let error): continuation.finish(throwing: error)
                    }
                }
                transfer.onEvent = { event in continuation.yield(event) }
                continuation.onTermination = { [multi] termination in
                    if case .cancelled = termination { multi.cancel(transfer) }
                }
                multi.submit(transfer)
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    /// GET `url`.
    public func get(_ url: String, headers: [Header] = []) async throws -> Response {
        try await execute(Request(url: url, headers: headers))
    }

    /// Sends `body` with `method` and content type `application/json`.
    public func send(_ method: String, _ url: String, json body: Data?, headers: [Header] = []) async throws -> Response {
        var all = headers
        if body != nil { all.append(Header("Content-Type", "application/json")) }
        return try await execute(Request(method: method, url: url, headers: all, body: body))
    }

    private func withDefaults(_ request: Request) -> Request {
        var request = request
        if !request.headers.contains(where: { $0.name.caseInsensitiveCompare("User-Agent") == .orderedSame }) {
            request.headers.append(Header("User-Agent", userAgent))
        }
        return request
    }
}

/// Hands the transfer created inside the continuation to the cancellation handler.
private final class TransferBox: @unchecked Sendable {
    private let lock = NSLock()
    private var transfer: Transfer?

    func set(_ transfer: Transfer) {
        lock.lock()
        self.transfer = transfer
        lock.unlock()
    }

    func get() -> Transfer? {
        lock.lock()
        defer { lock.unlock() }
        return transfer
    }
}
