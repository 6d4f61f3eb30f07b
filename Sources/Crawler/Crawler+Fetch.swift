import Foundation
import HTTPKit
import TextKit

/// The result of fetching one queued URL, before crawl-wide de-duplication.
enum FetchOutcome: Sendable {
    case page(CrawledPage, follow: [URL])
    case unchanged(URL, depth: Int, follow: [URL])
    case skipped(URL, depth: Int, reason: SkipReason, detail: String?, follow: [URL])
    case failed(URL, reason: String, status: Int?)
}

extension Crawler {
    /// Fetches one URL — robots check, politeness, conditional request, redirects re-checked
    /// against scope and robots on every hop, retries — and extracts it.
    func fetch(_ item: Crawler.Item) async -> FetchOutcome {
        var current = item.url
        let known = await knownPage(item.url)
        var hops = 0
        while true {
            let origin = URLNormalizer.origin(of: current)
            let answer = await robots.robots(for: origin)
            if let unreachable = answer.unreachable {
                // No answer at all (refused, DNS, TLS, timeout): that is the host's failure.
                if answer.hostUnreachable { return .failed(current, reason: unreachable, status: nil) }
                return .failed(current, reason: "\(origin)/robots.txt could not be fetched (\(unreachable)); "
                               + "nothing is crawled from a site whose robots.txt is unreachable (RFC 9309)", status: nil)
            }
            let rules = answer.rules
            guard rules.isAllowed(URLNormalizer.pathAndQuery(of: current), userAgent: configuration.userAgent) else {
                return .skipped(current, depth: item.depth, reason: .robots, detail: "disallowed by \(origin)/robots.txt", follow: [])
            }
            let delay = max(configuration.politenessDelay, rules.crawlDelay(for: configuration.userAgent) ?? 0)
            let response: HTTPClient.Response
            switch await fetchWithRetries(current, origin: origin, delay: delay, known: hops == 0 ? known : nil) {
            case .success(let value): response = value
            case .failure(let failure): return failure.outcome(current, depth: item.depth)
            }
            if (300..<400).contains(response.status), response.status != 304, let location = response.header("Location") {
                hops += 1
                guard hops <= configuration.maxRedirects else {
                    return .failed(item.url, reason: "more than \(configuration.maxRedirects) redirects", status: response.status)
                }
                guard let target = URLNormalizer.resolve(location, against: current) else {
                    return .failed(current, reason: "redirect to an invalid URL: \(location)", status: response.status)
                }
                guard scope.contains(target) else {
                    return .skipped(item.url, depth: item.depth, reason: .outOfScope, detail: "redirects to \(target.absoluteString)", follow: [])
                }
                current = target
                continue
            }
            return classify(response, url: current, depth: item.depth, known: known)
        }
    }

    enum FetchFailure: Error {
        case transport(HTTPClientError)
        case retryAfterTooLong(Double, status: Int)

        func outcome(_ url: URL, depth: Int) -> FetchOutcome {
            switch self {
            case .transport(.tooLarge(let limit)):
                return .skipped(url, depth: depth, reason: .tooLarge, detail: "larger than \(limit) bytes", follow: [])
            case .transport(.blockedAddress):
                // The resolved address is not revealed (it would map the private network).
                return .failed(url, reason: "refused: \(url.host ?? "the host") is not a public address or resolves to one "
                               + "(allow private hosts to crawl it)", status: nil)
            case .transport(let error):
                return .failed(url, reason: error.description, status: nil)
            case .retryAfterTooLong(let seconds, let status):
                return .failed(url, reason: "server asked to retry after \(Int(seconds)) s", status: status)
            }
        }
    }

    /// GET with politeness; retries 429/5xx and transient errors with exponential backoff and
    /// jitter, or after the server's `Retry-After`.
    func fetchWithRetries(_ url: URL, origin: String, delay: Double, known: KnownPage?) async -> Result<HTTPClient.Response, FetchFailure> {
        var request = HTTPClient.Request(url: url.absoluteString, connectTimeout: configuration.connectTimeout,
                                         timeout: configuration.timeout, maxBodyBytes: configuration.maxBodyBytes,
                                         addressPolicy: configuration.allowPrivateHosts ? .any : .publicOnly,
                                         resolveOverrides: configuration.resolveOverrides)
        request.headers = [
            .init("User-Agent", configuration.userAgent),
            .init("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"),
        ]
        if let etag = known?.etag { request.headers.append(.init("If-None-Match", etag)) }
        if let lastModified = known?.lastModified { request.headers.append(.init("If-Modified-Since", lastModified)) }
        var attempt = 0
        while true {
            await scheduler.acquire(origin, delay: delay)
            let result: Result<HTTPClient.Response, HTTPClientError>
            do {
                result = .success(try await client.execute(request))
            } catch let error as HTTPClientError {
                result = .failure(error)
            } catch {
                result = .failure(.transport(code: -1, message: "\(error)"))
            }
            await scheduler.release(origin)
            let retryable: Bool
            var wait = 0.5 * pow(2, Double(attempt)) * Double.random(in: 0.8...1.2)
            var status = 0
            switch result {
            case .success(let response) where [429, 500, 502, 503, 504].contains(response.status):
                retryable = true
                status = response.status
                if let header = response.header("Retry-After"), let seconds = Self.retryAfterSeconds(header) { wait = seconds }
            case .failure(let error) where error.isTransient:
                retryable = true
            default:
                retryable = false
            }
            guard retryable, attempt < configuration.maxRetries, !Task.isCancelled else {
                return result.mapError { .transport($0) }
            }
            guard wait <= configuration.maxRetryAfter else { return .failure(.retryAfterTooLong(wait, status: status)) }
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            attempt += 1
        }
    }

    /// `Retry-After` as seconds (a number, or an HTTP date in the future).
    static func retryAfterSeconds(_ value: String) -> Double? {
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// Turns a final response into an outcome: 304, errors, content types, extraction.
    func classify(_ response: HTTPClient.Response, url: URL, depth: Int, known: KnownPage?) -> FetchOutcome {
        if response.status == 304 { return .unchanged(url, depth: depth, follow: known?.links ?? []) }
        guard (200..<300).contains(response.status) else {
            return .failed(url, reason: "HTTP \(response.status)", status: response.status)
        }
        let contentType = response.header("Content-Type") ?? ""
        let mime = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let charset = contentType.split(separator: ";").dropFirst()
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.lowercased().hasPrefix("charset=") }
            .map { String($0.dropFirst(8)) }
        let robotsHeader = (response.header("X-Robots-Tag") ?? "").lowercased()
        var noindex = robotsHeader.contains("noindex") || robotsHeader.contains("none")
        var nofollow = robotsHeader.contains("nofollow") || robotsHeader.contains("none")

        var extracted: ExtractedPage
        switch mime {
        case "text/html", "application/xhtml+xml", "":
            if mime.isEmpty, response.body.first != UInt8(ascii: "<") {
                return .skipped(url, depth: depth, reason: .contentType, detail: "no Content-Type", follow: [])
            }
            extracted = HTMLExtractor.extract(response.body, url: url, charset: charset)
        case "text/plain":
            extracted = PlainText.extract(response.body, url: url, charset: charset)
        default:
            return .skipped(url, depth: depth, reason: .contentType, detail: mime, follow: [])
        }
        noindex = noindex || extracted.noindex
        nofollow = nofollow || extracted.nofollow
        let follow = nofollow ? [] : extracted.links
        if noindex { return .skipped(url, depth: depth, reason: .noindex, detail: "meta robots / X-Robots-Tag", follow: follow) }
        if extracted.isNavigation {
            return .skipped(url, depth: depth, reason: .navigation, detail: "mostly links (a table of contents, an index or a menu)",
                            follow: follow)
        }
        let text = extracted.plainText
        guard !text.isEmpty else { return .skipped(url, depth: depth, reason: .empty, detail: "no main text", follow: follow) }
        let page = CrawledPage(
            url: url, canonicalURL: extracted.canonical, depth: depth, status: response.status,
            etag: response.header("ETag"), lastModified: response.header("Last-Modified"),
            title: extracted.title.isEmpty ? url.lastPathComponent : extracted.title,
            language: LanguageDetector.detect(text: text, declared: extracted.declaredLanguage),
            blocks: extracted.blocks, links: extracted.links, contentHash: ContentHash.sha256(text),
            fetchedAt: Date(), bytes: response.body.count
        )
        return .page(page, follow: follow)
    }
}

/// text/plain pages: paragraphs separated by blank lines; the first line is the title.
enum PlainText {
    static func extract(_ data: Data, url: URL, charset: String?) -> ExtractedPage {
        let encoding = CharsetSniffer.encoding(of: data, declared: charset)
        let text = encoding == "UTF-8"
            ? String(decoding: data, as: UTF8.self)
            : (String(data: data, encoding: .isoLatin1) ?? String(decoding: data, as: UTF8.self))
        let paragraphs = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        let title = paragraphs.first.map { String($0.split(separator: "\n").first ?? "").prefix(120) }.map(String.init) ?? ""
        return ExtractedPage(title: title, declaredLanguage: nil, blocks: paragraphs.map { TextBlock(.paragraph, $0) },
                             links: [], canonical: nil, noindex: false, nofollow: false)
    }
}
