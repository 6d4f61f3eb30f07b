import CCurl
import Foundation

/// One request in flight: owns its curl easy handle and header list, collects the response,
/// and resumes its caller exactly once.
///
/// Thread-safety: after `HTTPClient` submits it, only the multi loop's thread touches the
/// handle and the mutable response state; `finish` is guarded so a completion and a
/// cancellation cannot both resume the caller.
final class Transfer: @unchecked Sendable {
    let request: HTTPClient.Request
    let handle: UnsafeMutableRawPointer
    var headerList: UnsafeMutablePointer<curl_slist>?
    var resolveList: UnsafeMutablePointer<curl_slist>?

    // Response state, written by curl callbacks on the loop thread.
    var status = 0
    var headers: [HTTPClient.Header] = []
    var body = Data()
    var received = 0
    var blockedAddress: String?
    var exceededLimit = false
    private var headDelivered = false

    private let lock = NSLock()
    private var completion: ((Result<HTTPClient.Response, HTTPClientError>) -> Void)?
    /// For streaming transfers: receives the head and body pieces as they arrive.
    var onEvent: ((HTTPClient.StreamEvent) -> Void)?

    init(request: HTTPClient.Request, completion: @escaping (Result<HTTPClient.Response, HTTPClientError>) -> Void) throws {
        guard let handle = curl_easy_init() else {
            throw HTTPClientError.transport(code: -1, message: "curl_easy_init failed")
        }
        self.request = request
        self.handle = handle
        self.completion = completion
        try configure()
    }

    deinit {
        curl_easy_cleanup(handle)
        if let headerList { curl_slist_free_all(headerList) }
        if let resolveList { curl_slist_free_all(resolveList) }
    }

    /// Resumes the caller once; later calls are ignored.
    func finish(_ result: Result<HTTPClient.Response, HTTPClientError>) {
        lock.lock()
        let completion = self.completion
        self.completion = nil
        lock.unlock()
        completion?(result)
    }

    /// Builds the result from curl's final code (called on the loop thread).
    func complete(code: CURLcode) {
        if code == CURLE_OK {
            var effective: UnsafeMutablePointer<CChar>?
            nex_curl_get_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
            var ip: UnsafeMutablePointer<CChar>?
            nex_curl_get_string(handle, CURLINFO_PRIMARY_IP, &ip)
            var code: Int = 0
            nex_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &code)
            deliverHeadIfNeeded()
            finish(.success(HTTPClient.Response(
                status: code, headers: headers, body: body,
                url: effective.map { String(cString: $0) } ?? request.url,
                remoteAddress: ip.map { String(cString: $0) }
            )))
        } else {
            finish(.failure(error(for: code)))
        }
    }

    func error(for code: CURLcode) -> HTTPClientError {
        if let blockedAddress { return .blockedAddress(blockedAddress) }
        if exceededLimit, let limit = request.maxBodyBytes { return .tooLarge(limit: limit) }
        let message = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: return .invalidURL(request.url)
        case CURLE_COULDNT_RESOLVE_HOST: return .couldNotResolve(message)
        case CURLE_COULDNT_CONNECT: return .couldNotConnect(message)
        case CURLE_OPERATION_TIMEDOUT: return .timedOut
        case CURLE_TOO_MANY_REDIRECTS: return .tooManyRedirects
        case CURLE_FILESIZE_EXCEEDED:
            return .tooLarge(limit: request.maxBodyBytes ?? 0)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM:
            return .tls(message)
        default: return .transport(code: Int(code.rawValue), message: message)
        }
    }

    // MARK: - Callbacks (loop thread)

    func appendHeaderLine(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            // A new response starts (redirect hop, 100-continue): keep only the last one's.
            headers.removeAll()
            let parts = trimmed.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            return
        }
        if trimmed.isEmpty {
            // End of a head. Interim (1xx) and followed-redirect heads are not delivered.
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = String(trimmed[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(trimmed[trimmed.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        headers.append(HTTPClient.Header(name, value))
    }

    /// Returns false to abort the transfer (body limit exceeded).
    func appendBody(_ pointer: UnsafeRawPointer, count: Int) -> Bool {
        received += count
        if let limit = request.maxBodyBytes, received > limit {
            exceededLimit = true
            return false
        }
        if let onEvent {
            deliverHeadIfNeeded()
            onEvent(.data(Data(bytes: pointer, count: count)))
        } else {
            body.append(pointer.assumingMemoryBound(to: UInt8.self), count: count)
        }
        return true
    }

    func deliverHeadIfNeeded() {
        guard let onEvent, !headDelivered else { return }
        headDelivered = true
        var code: Int = 0
        nex_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &code)
        onEvent(.head(status: code == 0 ? status : code, headers: headers))
    }

    /// Applies the address policy to the address curl is about to connect to.
    func allowConnection(to address: UnsafePointer<curl_sockaddr>) -> Bool {
        guard request.addressPolicy == .publicOnly else { return true }
        var raw = [UInt8](repeating: 0, count: 16)
        let length = Int(nex_sockaddr_ip(address, &raw))
        guard length > 0 else {
            blockedAddress = "non-IP address"
            return false
        }
        let bytes = Array(raw[0..<length])
        if AddressClassifier.isPublic(bytes) { return true }
        blockedAddress = Self.format(bytes)
        return false
    }

    /// Conventional text for a raw address (`inet_ntop`: `127.0.0.1`, `::1`).
    static func format(_ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) != nil }
        return ok ? String(cString: text) : bytes.map(String.init).joined(separator: ".")
    }
}
