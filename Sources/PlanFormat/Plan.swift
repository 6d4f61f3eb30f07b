import Foundation

/// A JSON plan of LLM steps: `{"title", "steps": [{"id", "title", "prompt", "depends_on",
/// "context"?: {"collection", "query"?, "top_k"?}, "max_tokens"?}]}`.
public struct Plan: Sendable, Codable, Equatable {
    public var title: String
    public var steps: [Step]

    public struct Step: Sendable, Codable, Equatable {
        public var id: String
        public var title: String
        public var prompt: String
        public var dependsOn: [String]
        public var context: Context?
        public var maxTokens: Int?

        enum CodingKeys: String, CodingKey {
            case id, title, prompt, context
            case dependsOn = "depends_on"
            case maxTokens = "max_tokens"
        }

        public init(id: String, title: String, prompt: String, dependsOn: [String] = [], context: Context? = nil, maxTokens: Int? = nil) {
            self.id = id
            self.title = title
            self.prompt = prompt
            self.dependsOn = dependsOn
            self.context = context
            self.maxTokens = maxTokens
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            title = try c.decodeIfPresent(String.self, forKey: .title) ?? id
            prompt = try c.decode(String.self, forKey: .prompt)
            dependsOn = try c.decodeIfPresent([String].self, forKey: .dependsOn) ?? []
            context = try c.decodeIfPresent(Context.self, forKey: .context)
            maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
        }
    }

    /// Retrieval for a step: `query` (default: the step's prompt) against `collection`.
    public struct Context: Sendable, Codable, Equatable {
        public var collection: String
        public var query: String?
        public var topK: Int?

        enum CodingKeys: String, CodingKey {
            case collection, query
            case topK = "top_k"
        }

        public init(collection: String, query: String? = nil, topK: Int? = nil) {
            self.collection = collection
            self.query = query
            self.topK = topK
        }
    }

    public init(title: String, steps: [Step]) {
        self.title = title
        self.steps = steps
    }
}

/// Why a plan was refused (the message names the offending step, dependency or cycle).
public struct PlanError: Error, CustomStringConvertible, Equatable {
    public var code: String
    public var description: String
}

public enum PlanValidator {
    public static let maxSteps = 50
    public static let maxPromptCharacters = 20_000
    public static let maxBodyBytes = 512 * 1024

    /// Decodes and validates a plan: unique well-formed ids, known dependencies, no cycles,
    /// sizes within limits.
    public static func parse(_ data: Data) throws -> Plan {
        guard data.count <= maxBodyBytes else { throw PlanError(code: "plan_too_large", description: "a plan is at most \(maxBodyBytes / 1024) KiB") }
        let plan: Plan
        do {
            plan = try JSONDecoder().decode(Plan.self, from: data)
        } catch DecodingError.keyNotFound(let key, let context) {
            throw PlanError(code: "invalid_plan", description: "missing field \(fieldPath(context.codingPath + [key]))")
        } catch DecodingError.typeMismatch(_, let context) {
            throw PlanError(code: "invalid_plan", description: "wrong type at \(fieldPath(context.codingPath))")
        } catch DecodingError.valueNotFound(_, let context) {
            throw PlanError(code: "invalid_plan", description: "\(fieldPath(context.codingPath)) must not be null")
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            throw PlanError(code: "invalid_plan", description: "\(fieldPath(context.codingPath)) is out of range or malformed")
        } catch {
            // Foundation's own wording ("The data isn't in the correct format") is not shown.
            throw PlanError(code: "invalid_plan", description: "not a JSON plan object")
        }
        try validate(plan)
        return plan
    }

    /// A decoding path as messages show it: `steps.[2].prompt`.
    static func fieldPath(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    public static func validate(_ plan: Plan) throws {
        func invalid(_ message: String) -> PlanError { PlanError(code: "invalid_plan", description: message) }
        guard !plan.title.trimmingCharacters(in: .whitespaces).isEmpty, plan.title.count <= 200 else {
            throw invalid("title must be 1 to 200 characters")
        }
        guard !plan.steps.isEmpty else { throw invalid("a plan needs at least one step") }
        guard plan.steps.count <= maxSteps else { throw invalid("a plan has at most \(maxSteps) steps") }
        var ids = Set<String>()
        for step in plan.steps {
            guard step.id.range(of: "^[A-Za-z0-9_.-]{1,64}$", options: .regularExpression) != nil else {
                throw invalid("step id \"\(step.id.prefix(80))\" must be 1 to 64 letters, digits, '.', '_' or '-'")
            }
            guard ids.insert(step.id).inserted else { throw invalid("step id \(step.id) is used twice") }
            guard !step.prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, step.prompt.count <= maxPromptCharacters else {
                throw invalid("step \(step.id): prompt must be 1 to \(maxPromptCharacters) characters")
            }
            if let maxTokens = step.maxTokens, !(1...4096).contains(maxTokens) {
                throw invalid("step \(step.id): max_tokens must be between 1 and 4096")
            }
            if let context = step.context {
                guard !context.collection.isEmpty else { throw invalid("step \(step.id): context.collection must not be empty") }
                if let topK = context.topK, !(1...20).contains(topK) { throw invalid("step \(step.id): context.top_k must be between 1 and 20") }
            }
        }
        for step in plan.steps {
            for dependency in step.dependsOn {
                guard dependency != step.id else { throw invalid("step \(step.id) depends on itself") }
                guard ids.contains(dependency) else { throw invalid("step \(step.id) depends on unknown step \(dependency)") }
            }
        }
        if let cycle = findCycle(plan) {
            throw invalid("the plan has a cycle: " + cycle.joined(separator: " → "))
        }
    }

    /// A dependency cycle as step ids, first id repeated at the end (`a → b → a`), or nil.
    static func findCycle(_ plan: Plan) -> [String]? {
        let edges = Dictionary(uniqueKeysWithValues: plan.steps.map { ($0.id, $0.dependsOn) })
        var state: [String: Int] = [:]   // 1 = on the current path, 2 = done
        var path: [String] = []
        func visit(_ id: String) -> [String]? {
            state[id] = 1
            path.append(id)
            for next in edges[id] ?? [] {
                if state[next] == 1, let start = path.firstIndex(of: next) {
                    return Array(path[start...]) + [next]
                }
                if state[next] == nil, let cycle = visit(next) { return cycle }
            }
            path.removeLast()
            state[id] = 2
            return nil
        }
        for step in plan.steps where state[step.id] == nil {
            if let cycle = visit(step.id) { return cycle }
        }
        return nil
    }
}
