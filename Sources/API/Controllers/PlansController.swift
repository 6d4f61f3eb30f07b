import Foundation
import HTTPKit
import HTTPTypes
import Hummingbird
import LLM
import Orchestrator
import PlanFormat
import Storage

/// Plans (`/plans`), their executions (`/execute`, `/executions`) and the generation quota
/// (`/quota`). Plans and executions are private to their owner: another user's id is a 404.
struct PlansController {
    let dependencies: AppDependencies

    func addRoutes(to routes: ScopedRoutes) {
        routes.write.post("plans", use: create)
        routes.read.get("plans", use: list)
        routes.read.get("plans/:id", use: show)
        routes.write.delete("plans/:id", use: delete)
        routes.write.post("execute", use: execute)
        routes.read.get("executions", use: executions)
        routes.read.get("executions/:id", use: execution)
        routes.read.get("executions/:id/events", use: events)
        routes.read.get("quota", use: quota)
        routes.read.get("providers", use: providers)
    }

    struct StepSummary: Encodable {
        var id: String
        var title: String
        var dependsOn: [String]
        enum CodingKeys: String, CodingKey {
            case id, title
            case dependsOn = "depends_on"
        }
    }

    struct PlanCreated: Encodable {
        var planID: String
        var title: String
        var steps: [StepSummary]
        enum CodingKeys: String, CodingKey {
            case title, steps
            case planID = "plan_id"
        }
    }

    struct PlanView: Encodable {
        var planID: String
        var title: String
        var steps: Int
        var createdAt: Date
        var plan: Plan?
        enum CodingKeys: String, CodingKey {
            case title, steps, plan
            case planID = "plan_id"
            case createdAt = "created_at"
        }
    }

    // MARK: Plans

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let plan = try Self.parsePlan(try await Self.planBytes(request, limit: min(dependencies.config.maxBodyBytes, PlanValidator.maxBodyBytes)))
        let id = UUID().uuidString.lowercased()
        let body = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        try await dependencies.database.createPlan(PlanRecord(id: id, userID: user.id, title: plan.title, body: body, stepCount: plan.steps.count,
                                                        createdAt: Date()))
        let created = PlanCreated(planID: id, title: plan.title,
                                  steps: plan.steps.map { StepSummary(id: $0.id, title: $0.title, dependsOn: $0.dependsOn) })
        return try .json(created, status: .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return try await .json(try dependencies.database.plans(userID: user.id).map {
            PlanView(planID: $0.id, title: $0.title, steps: $0.stepCount, createdAt: $0.createdAt, plan: nil)
        })
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let record = try await ownedPlan(try context.parameters.decoded("id"), user: user)
        return try .json(PlanView(planID: record.id, title: record.title, steps: record.stepCount, createdAt: record.createdAt,
                                  plan: try? JSONDecoder().decode(Plan.self, from: Data(record.body.utf8))))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.decoded("id")
        guard try await dependencies.database.deletePlan(id: id, userID: user.id) else { throw APIError.notFound("plan \(id) not found") }
        return Response(status: .noContent)
    }

    private func ownedPlan(_ id: String, user: AuthenticatedUser) async throws -> PlanRecord {
        guard let record = try await dependencies.database.plan(id: id, userID: user.id) else { throw APIError.notFound("plan \(id) not found") }
        return record
    }

    /// The plan file from a JSON body or the first file of a `multipart/form-data` upload.
    static func planBytes(_ request: Request, limit: Int) async throws -> Data {
        let data = try await request.collectBody(limit: limit)
        let contentType = request.headers[.contentType] ?? ""
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let part = Multipart.firstPart(data, contentType: contentType) else {
                throw APIError.badRequest("the upload holds no file part", code: "invalid_upload")
            }
            return part
        }
        return data
    }

    static func parsePlan(_ data: Data) throws -> Plan {
        guard !data.isEmpty else { throw APIError.badRequest("request body is empty; expected a JSON plan", code: "invalid_json") }
        guard (try? JSONSerialization.jsonObject(with: data)) != nil else {
            throw APIError.badRequest("the plan is not valid JSON", code: "invalid_json")
        }
        do {
            return try PlanValidator.parse(data)
        } catch let error as PlanError {
            throw APIError.unprocessable(error.description, code: error.code)
        }
    }

    // MARK: Executions

    struct ExecuteRequest: Decodable {
        var planID: String?
        var plan: Plan?
        var workflow: String?
        enum CodingKeys: String, CodingKey {
            case plan, workflow
            case planID = "plan_id"
        }
    }

    @Sendable func execute(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let input = try await request.decodeJSON(ExecuteRequest.self, limit: dependencies.config.maxBodyBytes)
        guard let workflow = Workflow(rawValue: (input.workflow ?? "proto").lowercased()) else {
            throw APIError.unprocessable("workflow must be proto or prod", code: "invalid_request")
        }
        let plan: Plan
        switch (input.planID, input.plan) {
        case (let id?, nil):
            let record = try await ownedPlan(id, user: user)
            plan = try JSONDecoder().decode(Plan.self, from: Data(record.body.utf8))
        case (nil, let inline?):
            do { try PlanValidator.validate(inline) } catch let error as PlanError { throw APIError.unprocessable(error.description, code: error.code) }
            plan = inline
        default:
            throw APIError.unprocessable("give exactly one of plan_id and plan", code: "invalid_request")
        }
        guard let service = dependencies.executions, !dependencies.router.isEmpty else {
            throw APIError(.serviceUnavailable, code: "no_llm_provider",
                           message: "no LLM provider is configured (NEX_LLM_BASE_URL + NEX_LLM_MODEL, or providers.json)")
        }
        let state: ExecutionState
        do {
            state = try await service.start(plan: plan, planID: input.planID, workflow: workflow, userID: user.id)
        } catch let exhausted as Quota.Exhausted {
            throw APIError.tooManyRequests("\(exhausted.description); GET /quota shows your usage", retryAfter: 3600, code: "quota_exhausted")
        }
        struct Accepted: Encodable {
            var execution_id: String
            var status: String
        }
        return try .json(Accepted(execution_id: state.id, status: state.status), status: .accepted)
    }

    struct ExecutionView: Encodable {
        var executionID: String
        var planID: String?
        var workflow: String
        var status: String
        var error: String?
        var createdAt: Date
        var finishedAt: Date?
        var state: ExecutionState?
        enum CodingKeys: String, CodingKey {
            case workflow, status, error, state
            case executionID = "execution_id"
            case planID = "plan_id"
            case createdAt = "created_at"
            case finishedAt = "finished_at"
        }

        init(_ record: ExecutionRecord, withState: Bool) {
            executionID = record.id
            planID = record.planID
            workflow = record.workflow
            status = record.status
            error = record.error
            createdAt = record.createdAt
            finishedAt = record.finishedAt
            state = withState ? try? JSONDecoder().decode(ExecutionState.self, from: Data(record.state.utf8)) : nil
        }
    }

    @Sendable func executions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return try await .json(try dependencies.database.executions(userID: user.id).map { ExecutionView($0, withState: false) })
    }

    @Sendable func execution(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return try await .json(ExecutionView(try ownedExecution(try context.parameters.decoded("id"), user: user), withState: true))
    }

    private func ownedExecution(_ id: String, user: AuthenticatedUser) async throws -> ExecutionRecord {
        guard let record = try await dependencies.database.execution(id: id, userID: user.id) else {
            throw APIError.notFound("execution \(id) not found")
        }
        return record
    }

    /// Server-sent events: a `state` event (the whole execution) whenever it changes, then
    /// `done`. Read from SQLite, so any replica can serve it.
    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.decoded("id")
        _ = try await ownedExecution(id, user: user)
        let database = dependencies.database
        return Response(status: .ok, headers: ServerSentEvents.headers, body: .init { writer in
            var last: Date?
            let deadline = Date().addingTimeInterval(3600)
            while Date() < deadline {
                guard let record = try await database.execution(id: id, userID: user.id) else { break }
                if record.updatedAt != last {
                    last = record.updatedAt
                    try await writer.write(ServerSentEvents.event("state", ExecutionView(record, withState: true)))
                }
                if record.finishedAt != nil || record.status == "completed" || record.status == "failed" {
                    try await writer.write(ServerSentEvents.event("done", ["status": record.status]))
                    break
                }
                try await Task.sleep(for: .milliseconds(250))   // polling the stored state for changes
            }
            try await writer.finish(nil)
        })
    }

    // MARK: Quota and providers

    @Sendable func quota(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return try await .json(try dependencies.quota.usage(userID: user.id))
    }

    /// Configured providers: name, model, roles and circuit state. Where they run (base URLs)
    /// and their keys, even masked, are the operator's business, not every user's: they stay
    /// in the server's log.
    @Sendable func providers(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let shown: Set<String> = ["name", "model", "roles", "circuit"]
        return try .json(dependencies.router.describe().map { $0.filter { shown.contains($0.key) } })
    }
}
