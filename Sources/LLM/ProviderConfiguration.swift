import Foundation

/// What a provider is used for: drafts (`fast`), refinement (`build`), review (`check`) and
/// answers to `/ask` (`answer`).
public enum ProviderRole: String, Sendable, Codable, CaseIterable {
    case fast, build, check, answer
}

/// One OpenAI-compatible endpoint (`POST {baseURL}/chat/completions`): OpenAI, DeepSeek, Groq,
/// Gemini's compatible endpoint, Ollama, vLLM, llama.cpp.
public struct ProviderConfiguration: Sendable, Codable, Equatable {
    public var name: String
    /// Up to and including the version segment, e.g. `https://api.openai.com/v1`.
    public var baseURL: String
    /// The environment variable holding the API key (the key itself never sits in the file).
    public var apiKeyEnv: String?
    public var model: String
    public var roles: [ProviderRole]
    /// Dollars per 1,000 prompt and completion tokens.
    public var priceInputPer1K: Double
    public var priceOutputPer1K: Double
    public var requestsPerMinute: Double
    public var tokensPerMinute: Double
    /// Seconds for a whole call.
    public var timeout: Double
    /// Further attempts after a retryable failure (429, 5xx, timeouts).
    public var retries: Int
    /// Consecutive failed calls that open the circuit, and seconds before it half-opens.
    public var breakerThreshold: Int
    public var breakerCooldown: Double
    /// The key, read from `apiKeyEnv` when the configuration is loaded (never encoded).
    public var apiKey: String?

    enum CodingKeys: String, CodingKey {
        case name, model, roles, timeout, retries
        case baseURL = "base_url"
        case apiKeyEnv = "api_key_env"
        case priceInputPer1K = "price_input_per_1k"
        case priceOutputPer1K = "price_output_per_1k"
        case requestsPerMinute = "requests_per_minute"
        case tokensPerMinute = "tokens_per_minute"
        case breakerThreshold = "breaker_threshold"
        case breakerCooldown = "breaker_cooldown"
    }

    public init(name: String, baseURL: String, apiKeyEnv: String? = nil, model: String, roles: [ProviderRole] = ProviderRole.allCases,
                priceInputPer1K: Double = 0, priceOutputPer1K: Double = 0, requestsPerMinute: Double = 600,
                tokensPerMinute: Double = 1_000_000, timeout: Double = 120, retries: Int = 2, breakerThreshold: Int = 3,
                breakerCooldown: Double = 30, apiKey: String? = nil) {
        self.name = name
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
        self.model = model
        self.roles = roles
        self.priceInputPer1K = priceInputPer1K
        self.priceOutputPer1K = priceOutputPer1K
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.timeout = timeout
        self.retries = retries
        self.breakerThreshold = breakerThreshold
        self.breakerCooldown = breakerCooldown
        self.apiKey = apiKey
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ProviderConfiguration(name: "", baseURL: "", model: "")
        name = try c.decode(String.self, forKey: .name)
        baseURL = try c.decode(String.self, forKey: .baseURL)
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        model = try c.decode(String.self, forKey: .model)
        roles = try c.decodeIfPresent([ProviderRole].self, forKey: .roles) ?? ProviderRole.allCases
        priceInputPer1K = try c.decodeIfPresent(Double.self, forKey: .priceInputPer1K) ?? 0
        priceOutputPer1K = try c.decodeIfPresent(Double.self, forKey: .priceOutputPer1K) ?? 0
        requestsPerMinute = try c.decodeIfPresent(Double.self, forKey: .requestsPerMinute) ?? defaults.requestsPerMinute
        tokensPerMinute = try c.decodeIfPresent(Double.self, forKey: .tokensPerMinute) ?? defaults.tokensPerMinute
        timeout = try c.decodeIfPresent(Double.self, forKey: .timeout) ?? defaults.timeout
        retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? defaults.retries
        breakerThreshold = try c.decodeIfPresent(Int.self, forKey: .breakerThreshold) ?? defaults.breakerThreshold
        breakerCooldown = try c.decodeIfPresent(Double.self, forKey: .breakerCooldown) ?? defaults.breakerCooldown
    }

    /// The key as it may appear in logs and responses: `sk-a…9xyz`.
    public var maskedKey: String? { apiKey.map(Secret.mask) }

    /// Dollars for a call with these token counts.
    public func cost(promptTokens: Int, completionTokens: Int) -> Double {
        Double(promptTokens) / 1000 * priceInputPer1K + Double(completionTokens) / 1000 * priceOutputPer1K
    }
}

public enum Secret {
    /// The first four and last four characters of a secret, or `…` for short ones.
    public static func mask(_ secret: String) -> String {
        secret.count >= 12 ? "\(secret.prefix(4))…\(secret.suffix(4))" : "…"
    }
}

public struct ProviderConfigurationError: Error, CustomStringConvertible {
    public var description: String
}

extension ProviderConfiguration {
    /// Providers from `file` (a JSON array, or `{"providers": [...]}`) when it exists, else the
    /// single provider that `NEX_LLM_BASE_URL` + `NEX_LLM_MODEL` (+ `NEX_LLM_API_KEY`) describe
    /// (serving every role), else none. Keys are read from the environment here.
    public static func load(file: String?, environment: [String: String]) throws -> [ProviderConfiguration] {
        var providers: [ProviderConfiguration] = []
        if let file, FileManager.default.fileExists(atPath: file) {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            struct Wrapper: Decodable { var providers: [ProviderConfiguration] }
            do {
                providers = try (try? JSONDecoder().decode(Wrapper.self, from: data).providers)
                    ?? JSONDecoder().decode([ProviderConfiguration].self, from: data)
            } catch {
                throw ProviderConfigurationError(description: "\(file): not a valid providers file (\(error))")
            }
        }
        if let base = environment["NEX_LLM_BASE_URL"], !base.isEmpty {
            guard let model = environment["NEX_LLM_MODEL"], !model.isEmpty else {
                throw ProviderConfigurationError(description: "NEX_LLM_BASE_URL is set but NEX_LLM_MODEL is not")
            }
            var single = ProviderConfiguration(name: "default", baseURL: base, apiKeyEnv: "NEX_LLM_API_KEY", model: model)
            if let timeout = environment["NEX_LLM_TIMEOUT"].flatMap(Double.init) { single.timeout = timeout }
            providers.append(single)
        }
        var names = Set<String>()
        for index in providers.indices {
            let provider = providers[index]
            guard names.insert(provider.name).inserted else {
                throw ProviderConfigurationError(description: "two providers are named \(provider.name)")
            }
            guard let url = URL(string: provider.baseURL), url.scheme == "http" || url.scheme == "https" else {
                throw ProviderConfigurationError(description: "provider \(provider.name): base_url must be an http(s) URL")
            }
            if let variable = provider.apiKeyEnv, let key = environment[variable], !key.isEmpty {
                providers[index].apiKey = key
            }
        }
        return providers
    }
}
