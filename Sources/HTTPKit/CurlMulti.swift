import CCurl
import Foundation

/// A libcurl multi handle driven by one dedicated thread: every transfer of an `HTTPClient`
/// runs concurrently on this single event loop (`curl_multi_poll`), not one thread each.
///
/// Other threads only touch the `pending`/`cancelled` queues under `lock` and wake the loop
/// with `curl_multi_wakeup`; the multi handle and all easy handles belong to the loop thread.
final class CurlMulti: @unchecked Sendable {
    private static let globalInit: Bool = nex_curl_global_init() == CURLE_OK

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var pending: [Transfer] = []
    private var cancelled: [Transfer] = []
    private var stopping = false
    /// Transfers added to the multi handle, by easy-handle address (loop thread only).
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var thread: Thread?

    init(maxConnectionsPerHost: Int, maxConnections: Int) throws {
        guard Self.globalInit, let multi = curl_multi_init() else {
            throw HTTPClientError.transport(code: -1, message: "curl initialisation failed")
        }
        self.multi = multi
        nex_curl_multi_set_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnectionsPerHost)
        nex_curl_multi_set_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxConnections)
        let thread = Thread { [self] in self.run() }
        thread.name = "nextraction.curl"
        self.thread = thread
        thread.start()
    }

    /// Queues a transfer; the loop adds it to the multi handle on its next turn.
    func submit(_ transfer: Transfer) {
        lock.lock()
        let isStopping = stopping
        if !isStopping { pending.append(transfer) }
        lock.unlock()
        if isStopping {
            transfer.finish(.failure(.cancelled))
        } else {
            curl_multi_wakeup(multi)
        }
    }

    /// Aborts a transfer (its caller gets `.cancelled`).
    func cancel(_ transfer: Transfer) {
        lock.lock()
        cancelled.append(transfer)
        lock.unlock()
        curl_multi_wakeup(multi)
    }

    /// Stops the loop: in-flight transfers end with `.cancelled`.
    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            lock.lock()
            let toAdd = pending
            let toCancel = cancelled
            let isStopping = stopping
            pending.removeAll()
            cancelled.removeAll()
            lock.unlock()

            if isStopping {
                for transfer in toAdd { transfer.finish(.failure(.cancelled)) }
                for (_, transfer) in active {
                    curl_multi_remove_handle(multi, transfer.handle)
                    transfer.finish(.failure(.cancelled))
                }
                active.removeAll()
                curl_multi_cleanup(multi)
                return
            }
            for transfer in toAdd {
                active[transfer.handle] = transfer
                curl_multi_add_handle(multi, transfer.handle)
            }
            for transfer in toCancel where active.removeValue(forKey: transfer.handle) != nil {
                curl_multi_remove_handle(multi, transfer.handle)
                transfer.finish(.failure(.cancelled))
            }

            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard nex_curl_message_is_done(message) != 0 else { continue }
                let handle = nex_curl_message_handle(message)
                let code = nex_curl_message_result(message)
                guard let handle, let transfer = active.removeValue(forKey: handle) else { continue }
                curl_multi_remove_handle(multi, handle)
                transfer.complete(code: code)
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}
