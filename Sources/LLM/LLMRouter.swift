import Foundation
import HTTPKit

/// All configured providers. A call for a role goes to the first provider of that role whose
/// circuit lets it through, and falls back to the next one when it fails (unless streamed text
/// already reached the caller: that cannot be taken back).
public final class LLMRouter: Sendable {
    public let providers: [ProviderClient]

    public init(providers: [ProviderClient]) {
        self.providers = providers
    }

    public convenience init(configurations: [ProviderConfiguration], http: HTTPClient, clock: any LLMClock = SystemClock()) {
        self.init(providers: configurations.map { ProviderClient(configuration: $0, http: http, clock: clock) })
    }

    public var isEmpty: Bool { providers.isEmpty }

    public func providers(for role: ProviderRole) -> [ProviderClient] {
        providers.filter { $0.configuration.roles.contains(role) }
    }

    /// Whether some provider of `role` would take a call now.
    public func isAvailable(_ role: ProviderRole) -> Bool {
        providers(for: role).contains { $0.breaker.state != .open }
    }

    public func complete(role: ProviderRole, _ request: ChatRequest, onDelta: (@Sendable (String) -> Void)? = nil) async throws -> ChatResult {
        let candidates = providers(for: role)
        guard !candidates.isEmpty else { throw LLMError.noProvider(role: role) }
        var reasons: [String] = []
        for provider in candidates {
            let streamed = StreamedFlag()
            var forward: (@Sendable (String) -> Void)?
            if let onDelta {
                forward = { @Sendable piece in
                    streamed.set()
                    onDelta(piece)
                }
            }
            do {
                return try await provider.complete(request, onDelta: forward)
            } catch {
                reasons.append("\(error)")
                if streamed.value { throw error }
            }
        }
        throw LLMError.allFailed(role: role, reasons: reasons)
    }

    /// Name, model, roles, masked key and circuit state of every provider (safe to show).
    public func describe() -> [[String: String]] {
        providers.map { provider in
            let c = provider.configuration
            return ["name": c.name, "model": c.model, "base_url": c.baseURL, "roles": c.roles.map(\.rawValue).joined(separator: ","),
                    "key": c.maskedKey ?? "none", "circuit": provider.breaker.state.rawValue]
        }
    }
}

private final class StreamedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}
