import Foundation
import HTTPKit
@testable import LLM
import TestSupport
import Testing

/// Token buckets, circuit breakers and retries, with an injected clock (no sleeping): the
/// clock only moves when the test moves it or when the code under test "sleeps" on it.
@Suite("Rate limits, breakers and retries")
struct ResilienceTests {
    @Test("a token bucket gives its capacity at once, then asks to wait in proportion to the refill rate")
    func tokenBucket() {
        let clock = ManualClock()
        let bucket = TokenBucket(perMinute: 60, clock: clock)   // 1 token per second
        for _ in 0..<60 { #expect(bucket.reserve() == 0) }
        #expect(bucket.reserve() == 1)            // the 61st waits one second
        #expect(bucket.reserve() == 2)            // and the next two
        clock.advance(5)                          // -2 + 5 = 3 tokens
        #expect(bucket.reserve(3) == 0)
        #expect(abs(bucket.available) < 1e-9)
        // A request larger than the bucket waits for a full bucket, not forever.
        let small = TokenBucket(perMinute: 6, clock: clock)
        #expect(small.reserve(100) == 0)
        #expect(small.reserve(6) == 60)
    }

    @Test("a breaker opens after N consecutive failures, half-opens after the cooldown for one trial, and closes on success")
    func breaker() {
        let clock = ManualClock()
        let breaker = CircuitBreaker(threshold: 3, cooldown: 30, clock: clock)
        breaker.recordFailure()
        breaker.recordFailure()
        breaker.recordSuccess()                  // not consecutive: starts over
        breaker.recordFailure()
        breaker.recordFailure()
        #expect(breaker.state == .closed && breaker.allow())
        breaker.recordFailure()
        #expect(breaker.state == .open && !breaker.allow())
        clock.advance(29.9)
        #expect(breaker.state == .open)
        clock.advance(0.1)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.allow())                 // the one trial call
        #expect(!breaker.allow())                // no second one while it runs
        breaker.recordFailure()                  // the trial failed: open for another cooldown
        #expect(breaker.state == .open)
        clock.advance(30)
        #expect(breaker.allow())
        breaker.recordSuccess()
        #expect(breaker.state == .closed && breaker.allow())
    }

    @Test("retries back off exponentially on a refused connection, then the breaker opens and calls stop at once")
    func backoffAndBreaker() async throws {
        let clock = ManualClock()
        let deadPort = try ServerProcess.freePort()   // nothing listens here: connection refused, for real
        let configuration = ProviderConfiguration(name: "dead", baseURL: "http://127.0.0.1:\(deadPort)/v1", model: "m", retries: 2,
                                                  breakerThreshold: 2, breakerCooldown: 60)
        let provider = ProviderClient(configuration: configuration, http: try HTTPClient(userAgent: "tests"), clock: clock,
                                      backoffBase: 0.5, jitter: { 1.0 })
        let request = ChatRequest(messages: [ChatMessage(.user, "hi")], maxTokens: 4)
        await #expect(throws: LLMError.self) { try await provider.complete(request) }
        #expect(clock.sleeps == [0.5, 1.0])      // base · 2ⁿ for the two retries
        #expect(provider.breaker.state == .closed)
        await #expect(throws: LLMError.self) { try await provider.complete(request) }
        #expect(provider.breaker.state == .open)
        let before = clock.sleeps.count
        do {
            _ = try await provider.complete(request)
            Issue.record("an open circuit let a call through")
        } catch let error as LLMError {
            #expect(error == .circuitOpen(provider: "dead"))
        }
        #expect(clock.sleeps.count == before)    // refused without trying
    }

    @Test("429 waits for Retry-After, 503 backs off, then the answer and its usage and cost are parsed")
    func retryAfter() async throws {
        let server = try await FixtureSite(script: "llm_errors.py")
        let clock = ManualClock()
        let configuration = ProviderConfiguration(name: "flaky", baseURL: server.baseURL + "/v1", model: "m", priceInputPer1K: 0.5,
                                                  priceOutputPer1K: 2, retries: 2)
        let provider = ProviderClient(configuration: configuration, http: try HTTPClient(userAgent: "tests"), clock: clock,
                                      backoffBase: 0.25, jitter: { 1.0 })
        let result = try await provider.complete(ChatRequest(messages: [ChatMessage(.user, "hi")], maxTokens: 4))
        #expect(result.text == "third time lucky")
        #expect(result.retries == 2)
        #expect(clock.sleeps == [7, 0.5])        // Retry-After: 7, then 0.25 · 2¹
        #expect(result.promptTokens == 12 && result.completionTokens == 3 && !result.usageEstimated)
        #expect(abs(result.cost - (12 * 0.5 + 3 * 2) / 1000) < 1e-12)
    }

    @Test("rate limits make a provider wait on the injected clock before calling")
    func rateLimitWaits() async throws {
        let server = try await FixtureSite(script: "llm_errors.py")
        let clock = ManualClock()
        // 1 request per minute: the second call must wait 60 s (on the test clock).
        let configuration = ProviderConfiguration(name: "slow", baseURL: server.baseURL + "/v1", model: "m", requestsPerMinute: 1, retries: 0)
        let provider = ProviderClient(configuration: configuration, http: try HTTPClient(userAgent: "tests"), clock: clock, jitter: { 1.0 })
        let request = ChatRequest(messages: [ChatMessage(.user, "hi")], maxTokens: 4)
        _ = try? await provider.complete(request)    // 429 (no retries left)
        #expect(clock.sleeps.isEmpty)
        _ = try? await provider.complete(request)
        #expect(clock.sleeps == [60])
    }

    @Test("keys are masked; configuration comes from providers.json and NEX_LLM_*; bad files are refused")
    func configuration() throws {
        #expect(Secret.mask("sk-abcdefghijklmnop9xyz") == "sk-a…9xyz")
        #expect(Secret.mask("short") == "…")
        let directory = try TemporaryDirectory()
        let file = directory.appending("providers.json")
        try """
            {"providers": [{"name": "main", "base_url": "http://127.0.0.1:1/v1", "model": "m1", "api_key_env": "MAIN_KEY",
                            "roles": ["fast", "answer"], "price_input_per_1k": 0.1, "requests_per_minute": 30}]}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let providers = try ProviderConfiguration.load(file: file, environment: [
            "MAIN_KEY": "sk-main-0123456789abcd", "NEX_LLM_BASE_URL": "http://127.0.0.1:2/v1", "NEX_LLM_MODEL": "m2",
        ])
        #expect(providers.map(\.name) == ["main", "default"])
        #expect(providers[0].roles == [.fast, .answer] && providers[0].apiKey == "sk-main-0123456789abcd")
        #expect(providers[0].maskedKey == "sk-m…abcd" && providers[0].requestsPerMinute == 30)
        #expect(providers[1].roles == ProviderRole.allCases && providers[1].apiKey == nil)
        // The key never goes back out through encoding.
        let encoded = String(decoding: try JSONEncoder().encode(providers[0]), as: UTF8.self)
        #expect(!encoded.contains("sk-main"))
        try "[{\"name\": \"a\", \"base_url\": \"ftp://x\", \"model\": \"m\"}]".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ProviderConfigurationError.self) { try ProviderConfiguration.load(file: file, environment: [:]) }
        #expect(throws: ProviderConfigurationError.self) {
            try ProviderConfiguration.load(file: nil, environment: ["NEX_LLM_BASE_URL": "http://127.0.0.1:2/v1"])
        }
    }
}
