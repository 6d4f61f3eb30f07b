import Foundation

public struct ChatMessage: Sendable, Codable, Equatable, Hashable {
    public enum Role: String, Sendable, Codable { case system, user, assistant }
    public var role: Role
    public var content: String

    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

public struct ChatRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    public var maxTokens: Int
    public var temperature: Double

    public init(messages: [ChatMessage], maxTokens: Int = 512, temperature: Double = 0) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
    }
}

/// A finished completion with what it cost.
public struct ChatResult: Sendable, Codable, Equatable {
    public var text: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// True when the provider reported no usage and the counts are estimates.
    public var usageEstimated: Bool
    public var provider: String
    public var model: String
    public var cost: Double
    /// Attempts beyond the first (retries) on the provider that answered.
    public var retries: Int
    public var seconds: Double
    /// Seconds until the first streamed token (nil when not streamed).
    public var firstTokenSeconds: Double?

    public init(text: String, promptTokens: Int, completionTokens: Int, usageEstimated: Bool, provider: String, model: String,
                cost: Double, retries: Int, seconds: Double, firstTokenSeconds: Double?) {
        self.text = text
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.usageEstimated = usageEstimated
        self.provider = provider
        self.model = model
        self.cost = cost
        self.retries = retries
        self.seconds = seconds
        self.firstTokenSeconds = firstTokenSeconds
    }

    enum CodingKeys: String, CodingKey {
        case text, provider, model, cost, retries, seconds
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case usageEstimated = "usage_estimated"
        case firstTokenSeconds = "first_token_seconds"
    }
}

public enum LLMError: Error, CustomStringConvertible, Equatable {
    /// The provider answered with an HTTP error.
    case http(provider: String, status: Int, message: String, retryAfter: Double?)
    case transport(provider: String, message: String)
    case invalidResponse(provider: String, message: String)
    case circuitOpen(provider: String)
    case noProvider(role: ProviderRole)
    case allFailed(role: ProviderRole, reasons: [String])

    public var description: String {
        switch self {
        case .http(let provider, let status, let message, _): return "\(provider): HTTP \(status): \(message)"
        case .transport(let provider, let message): return "\(provider): \(message)"
        case .invalidResponse(let provider, let message): return "\(provider): invalid response: \(message)"
        case .circuitOpen(let provider): return "\(provider): circuit open"
        case .noProvider(let role): return "no provider has the role \(role.rawValue)"
        case .allFailed(let role, let reasons): return "every \(role.rawValue) provider failed: " + reasons.joined(separator: "; ")
        }
    }

    /// Whether the same call may succeed if retried (rate limits, server errors, timeouts).
    public var isRetryable: Bool {
        switch self {
        case .http(_, let status, _, _): return status == 429 || status == 408 || status >= 500
        case .transport: return true
        default: return false
        }
    }
}

/// Rough token count for text whose usage a provider did not report: about four characters
/// per token for English with BPE vocabularies.
public func estimatedTokens(_ text: String) -> Int {
    max(1, (text.utf8.count + 3) / 4)
}
