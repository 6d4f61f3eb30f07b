import CCurl
import Foundation

/// C callbacks: they receive the `Transfer` through curl's user pointer, unretained (the
/// multi loop holds the transfer for as long as curl may call back).
private let writeCallback: nex_curl_data_callback = { data, size, count, user in
    guard let data, let user else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
    let bytes = size * count
    return transfer.appendBody(UnsafeRawPointer(data), count: bytes) ? bytes : 0
}

private let headerCallback: nex_curl_data_callback = { data, size, count, user in
    guard let data, let user else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
    let bytes = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: bytes), as: UTF8.self)
    transfer.appendHeaderLine(line)
    return bytes
}

private let openSocketCallback: nex_curl_opensocket_callback = { user, _, address in
    guard let user, let address else { return NEX_CURL_SOCKET_BAD }
    let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
    guard transfer.allowConnection(to: UnsafePointer(address)) else { return NEX_CURL_SOCKET_BAD }
    return nex_open_socket(address)
}

extension Transfer {
    /// Translates the request into curl options.
    func configure() throws {
        let user = Unmanaged.passUnretained(self).toOpaque()
        var ok = true
        func check(_ code: CURLcode) { if code != CURLE_OK { ok = false } }

        check(nex_curl_set_string(handle, CURLOPT_URL, request.url))
        // Only web protocols: no file://, gopher:// etc. even through redirects.
        check(nex_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(nex_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        check(nex_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        check(nex_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000)))
        check(nex_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000)))
        if request.maxRedirects > 0 {
            check(nex_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1))
            check(nex_curl_set_long(handle, CURLOPT_MAXREDIRS, request.maxRedirects))
        }
        if request.acceptCompressed {
            // "" = every encoding this libcurl can decode; the body arrives decoded.
            check(nex_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, ""))
        }
        if let limit = request.maxBodyBytes {
            // Refused up front when Content-Length says so; enforced while streaming otherwise.
            check(nex_curl_set_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limit)))
        }
        switch request.method.uppercased() {
        case "GET": break
        case "HEAD": check(nex_curl_set_long(handle, CURLOPT_NOBODY, 1))
        case "POST": check(nex_curl_set_long(handle, CURLOPT_POST, 1))
        default: check(nex_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method.uppercased()))
        }
        if let body = request.body {
            check(nex_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            if body.isEmpty {
                check(nex_curl_set_string(handle, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                body.withUnsafeBytes { raw in
                    // COPYPOSTFIELDS copies the bytes, so the Data need not outlive this call.
                    if let base = raw.baseAddress {
                        check(nex_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base)))
                    }
                }
            }
        }
        var list: UnsafeMutablePointer<curl_slist>?
        // curl adds "Expect: 100-continue" to larger POSTs; our peers answer directly.
        list = curl_slist_append(list, "Expect:")
        for header in request.headers {
            list = curl_slist_append(list, "\(header.name): \(header.value)")
        }
        headerList = list
        check(nex_curl_set_list(handle, CURLOPT_HTTPHEADER, list))
        if !request.resolveOverrides.isEmpty {
            var resolve: UnsafeMutablePointer<curl_slist>?
            for entry in request.resolveOverrides { resolve = curl_slist_append(resolve, entry) }
            // Freed in deinit with the header list.
            resolveList = resolve
            check(nex_curl_set_list(handle, CURLOPT_RESOLVE, resolve))
        }

        check(nex_curl_set_data_callback(handle, CURLOPT_WRITEFUNCTION, writeCallback))
        check(nex_curl_set_pointer(handle, CURLOPT_WRITEDATA, user))
        check(nex_curl_set_data_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback))
        check(nex_curl_set_pointer(handle, CURLOPT_HEADERDATA, user))
        check(nex_curl_set_opensocket_callback(handle, openSocketCallback))
        check(nex_curl_set_pointer(handle, CURLOPT_OPENSOCKETDATA, user))
        check(nex_curl_set_pointer(handle, CURLOPT_PRIVATE, user))
        guard ok else { throw HTTPClientError.invalidURL(request.url) }
    }
}
