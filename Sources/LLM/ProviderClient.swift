import Foundation
import HTTPKit

/// One provider: its HTTP calls (`/chat/completions`, streamed or not), rate limits, retries
/// with backoff and its circuit breaker.
public final class ProviderClient: Sendable {
    public let configuration: ProviderConfiguration
    public let breaker: CircuitBreaker
    let requests: TokenBucket
    let tokens: TokenBucket
    let http: HTTPClient
    let clock: any LLMClock
    /// Backoff before retry n (0-based) is `backoffBase · 2ⁿ`, times a jitter in [0.5, 1.5).
    let backoffBase: Double
    let jitter: @Sendable () -> Double

    public init(configuration: ProviderConfiguration, http: HTTPClient, clock: any LLMClock = SystemClock(),
                backoffBase: Double = 0.5, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.5..<1.5) }) {
        self.configuration = configuration
        self.http = http
        self.clock = clock
        self.backoffBase = backoffBase
        self.jitter = jitter
        breaker = CircuitBreaker(threshold: configuration.breakerThreshold, cooldown: configuration.breakerCooldown, clock: clock)
        requests = TokenBucket(perMinute: configuration.requestsPerMinute, clock: clock)
        tokens = TokenBucket(perMinute: configuration.tokensPerMinute, clock: clock)
    }

    public var name: String { configuration.name }

    /// Runs the call with rate limiting and retries; `onDelta` (if given) streams the text.
    /// The breaker is consulted once per call and told the call's final outcome.
    public func complete(_ request: ChatRequest, onDelta: (@Sendable (String) -> Void)? = nil) async throws -> ChatResult {
        guard breaker.allow() else { throw LLMError.circuitOpen(provider: name) }
        let start = clock.now()
        var attempt = 0
        while true {
            // Rate limits: one request, and the prompt plus the completion budget in tokens.
            let promptEstimate = request.messages.reduce(0) { $0 + estimatedTokens($1.content) }
            let wait = max(requests.reserve(1), tokens.reserve(Double(promptEstimate + request.maxTokens)))
            if wait > 0 { try await clock.sleep(wait) }
            do {
                var result = try await perform(request, onDelta: onDelta, start: start)
                result.retries = attempt
                result.seconds = clock.now() - start
                breaker.recordSuccess()
                return result
            } catch let error as LLMError where error.isRetryable && attempt < configuration.retries {
                var delay = backoffBase * pow(2, Double(attempt)) * jitter()
                if case .http(_, _, _, let retryAfter?) = error { delay = retryAfter }
                attempt += 1
                try await clock.sleep(min(delay, 60))
            } catch {
                breaker.recordFailure()
                throw error
            }
        }
    }

    private func endpoint() -> String {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/chat/completions"
    }

    private func body(_ request: ChatRequest, stream: Bool) throws -> Data {
        var object: [String: Any] = [
            "model": configuration.model,
            "messages": request.messages.map { ["role": $0.role.rawValue, "content": $0.content] },
            "max_tokens": request.maxTokens,
            "temperature": request.temperature,
            "stream": stream,
        ]
        if stream { object["stream_options"] = ["include_usage": true] }
        return try JSONSerialization.data(withJSONObject: object)
    }

    private func httpRequest(_ request: ChatRequest, stream: Bool) throws -> HTTPClient.Request {
        var headers = [HTTPClient.Header("Content-Type", "application/json"), HTTPClient.Header("Accept", stream ? "text/event-stream" : "application/json")]
        if let key = configuration.apiKey { headers.append(HTTPClient.Header("Authorization", "Bearer \(key)")) }
        // LLM servers are often on loopback or a private network (Ollama, vLLM, llama.cpp):
        // the address is the operator's configuration, not user input.
        return HTTPClient.Request(method: "POST", url: endpoint(), headers: headers, body: try body(request, stream: stream),
                                  timeout: configuration.timeout, maxBodyBytes: 16 << 20, maxRedirects: 0,
                                  addressPolicy: .any)
    }

    private func perform(_ request: ChatRequest, onDelta: (@Sendable (String) -> Void)?, start: Double) async throws -> ChatResult {
        let prompt = request.messages.reduce(0) { $0 + estimatedTokens($1.content) + 4 }
        if let onDelta {
            return try await performStreaming(request, prompt: prompt, onDelta: onDelta, start: start)
        }
        let response: HTTPClient.Response
        do {
            response = try await http.execute(try httpRequest(request, stream: false))
        } catch {
            throw LLMError.transport(provider: name, message: "\(error)")
        }
        try check(status: response.status, body: response.body, headers: response.headers)
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any],
              let text = message["content"] as? String else {
            throw LLMError.invalidResponse(provider: name, message: String(response.text.prefix(200)))
        }
        return result(text: text, usage: object["usage"] as? [String: Any], promptEstimate: prompt, firstToken: nil)
    }

    private func performStreaming(_ request: ChatRequest, prompt: Int, onDelta: @Sendable (String) -> Void, start: Double) async throws -> ChatResult {
        var text = ""
        var usage: [String: Any]?
        var firstToken: Double?
        var status = 0
        var headers: [HTTPClient.Header] = []
        var errorBody = Data()
        var buffer = Data()
        do {
            for try await event in http.stream(try httpRequest(request, stream: true)) {
                switch event {
                case .head(let code, let fields):
                    status = code
                    headers = fields
                case .data(let data):
                    guard (200..<300).contains(status) else { errorBody.append(data); continue }
                    buffer.append(data)
                    // Server-sent events: "data: {json}" lines separated by blank lines.
                    while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                        buffer.removeSubrange(buffer.startIndex...newline)
                        guard line.hasPrefix("data:") else { continue }
                        let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                        guard payload != "[DONE]", let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else { continue }
                        if let reported = object["usage"] as? [String: Any] { usage = reported }
                        if let choices = object["choices"] as? [[String: Any]], let delta = choices.first?["delta"] as? [String: Any],
                           let piece = delta["content"] as? String, !piece.isEmpty {
                            if firstToken == nil { firstToken = clock.now() - start }
                            text += piece
                            onDelta(piece)
                        }
                    }
                }
            }
        } catch let error as LLMError {
            throw error
        } catch {
            throw LLMError.transport(provider: name, message: "\(error)")
        }
        try check(status: status, body: errorBody, headers: headers)
        return result(text: text, usage: usage, promptEstimate: prompt, firstToken: firstToken)
    }

    private func check(status: Int, body: Data, headers: [HTTPClient.Header]) throws {
        guard !(200..<300).contains(status) else { return }
        let retryAfter = headers.first { $0.name.caseInsensitiveCompare("Retry-After") == .orderedSame }.flatMap { Double($0.value) }
        var message = String(decoding: body.prefix(300), as: UTF8.self)
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
           let error = object["error"] as? [String: Any], let text = error["message"] as? String {
            message = text
        }
        if let key = configuration.apiKey { message = message.replacingOccurrences(of: key, with: Secret.mask(key)) }
        throw LLMError.http(provider: name, status: status, message: message, retryAfter: retryAfter)
    }

    private func result(text: String, usage: [String: Any]?, promptEstimate: Int, firstToken: Double?) -> ChatResult {
        let promptTokens = usage?["prompt_tokens"] as? Int
        let completionTokens = usage?["completion_tokens"] as? Int
        let prompt = promptTokens ?? promptEstimate
        let completion = completionTokens ?? estimatedTokens(text)
        return ChatResult(text: text, promptTokens: prompt, completionTokens: completion,
                          usageEstimated: promptTokens == nil || completionTokens == nil, provider: name,
                          model: configuration.model, cost: configuration.cost(promptTokens: prompt, completionTokens: completion),
                          retries: 0, seconds: 0, firstTokenSeconds: firstToken)
    }
}
