import Foundation
import PlanFormat

/// PROTO = FAST (draft) → DOUBLE-CHECK; PROD = FAST → BUILD (refine) → DOUBLE-CHECK.
public enum Workflow: String, Sendable, Codable, CaseIterable {
    case proto, prod

    public var stages: [Stage] { self == .proto ? [.fast, .check] : [.fast, .build, .check] }
}

public enum Stage: String, Sendable, Codable {
    case fast, build, check
}

/// Where a stage's output came from.
public enum CacheHit: String, Sendable, Codable {
    case none, exact, semantic
}

/// What an execution looks like from outside: stored as JSON after every change and served
/// by `GET /executions/{id}`.
public struct ExecutionState: Sendable, Codable, Equatable {
    public var id: String
    public var title: String
    public var workflow: Workflow
    public var status: String
    public var error: String?
    public var steps: [StepState]
    public var metrics: Metrics
    public var startedAt: Double?
    public var finishedAt: Double?

    public struct StepState: Sendable, Codable, Equatable {
        public var id: String
        public var title: String
        public var dependsOn: [String]
        /// pending, running, completed, failed, skipped (a dependency failed).
        public var status: String
        public var stages: [StageResult] = []
        public var output: String?
        public var sources: [Source] = []
        /// The prompt the first stage sent (task, dependencies' outputs, retrieved context).
        public var prompt: String?
        public var error: String?
        public var startedAt: Double?
        public var finishedAt: Double?
        public var metrics = Metrics()

        enum CodingKeys: String, CodingKey {
            case id, title, status, stages, output, sources, prompt, error, metrics
            case dependsOn = "depends_on"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    public struct StageResult: Sendable, Codable, Equatable {
        public var stage: Stage
        public var provider: String
        public var model: String
        public var output: String
        public var promptTokens: Int
        public var completionTokens: Int
        public var cost: Double
        public var seconds: Double
        public var retries: Int
        public var cache: CacheHit

        enum CodingKeys: String, CodingKey {
            case stage, provider, model, output, cost, seconds, retries, cache
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
        }
    }

    public struct Source: Sendable, Codable, Equatable {
        public var n: Int
        public var url: String
        public var title: String
        public var heading: String
    }

    public struct Metrics: Sendable, Codable, Equatable {
        public var wallSeconds = 0.0
        public var promptTokens = 0
        public var completionTokens = 0
        public var cost = 0.0
        public var providerCalls = 0
        public var cacheHits = 0
        public var retries = 0

        enum CodingKeys: String, CodingKey {
            case cost, retries
            case wallSeconds = "wall_seconds"
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case providerCalls = "provider_calls"
            case cacheHits = "cache_hits"
        }

        mutating func add(_ stage: StageResult) {
            if stage.cache == .none {
                promptTokens += stage.promptTokens
                completionTokens += stage.completionTokens
                cost += stage.cost
                providerCalls += 1
                retries += stage.retries
            } else {
                cacheHits += 1
            }
        }

        mutating func add(_ other: Metrics) {
            promptTokens += other.promptTokens
            completionTokens += other.completionTokens
            cost += other.cost
            providerCalls += other.providerCalls
            cacheHits += other.cacheHits
            retries += other.retries
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, title, workflow, status, error, steps, metrics
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    public init(id: String, plan: Plan, workflow: Workflow) {
        self.id = id
        title = plan.title
        self.workflow = workflow
        status = "queued"
        steps = plan.steps.map { StepState(id: $0.id, title: $0.title, dependsOn: $0.dependsOn, status: "pending") }
        metrics = Metrics()
    }

    public var isFinished: Bool { status == "completed" || status == "failed" }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
