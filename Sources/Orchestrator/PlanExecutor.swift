import Embedding
import Foundation
import LLM
import Logging
import PlanFormat
import Retrieval
import Storage

/// Runs a plan: steps in dependency order, independent ones concurrently (at most
/// `maxConcurrentSteps`), each through the workflow's stages with its dependencies' outputs
/// and its retrieved context in the prompt. A failed step skips its dependants; the others run
/// on. The state is written to SQLite after every change.
public struct PlanExecutor: Sendable {
    public let database: any PlanStore & CollectionStore
    public let router: LLMRouter
    public let retriever: Retriever?
    public let cache: CompletionCache
    public var maxConcurrentSteps: Int
    public var defaultMaxTokens: Int
    let logger: Logger

    public init(database: any PlanStore & CollectionStore, router: LLMRouter, retriever: Retriever?, cache: CompletionCache, maxConcurrentSteps: Int = 4,
                defaultMaxTokens: Int = 256, logger: Logger = Logger(label: "nextraction.orchestrator")) {
        self.database = database
        self.router = router
        self.retriever = retriever
        self.cache = cache
        self.maxConcurrentSteps = max(1, maxConcurrentSteps)
        self.defaultMaxTokens = defaultMaxTokens
        self.logger = logger
    }

    static let systemPrompt = """
        You are one step of a larger plan. Do the task precisely and concisely. When context \
        documents are given, base your answer on them and cite them as [n].
        """

    /// Runs `plan` for `userID` as execution `id` (already stored) and returns the final state.
    /// `onChange` sees every state written. With `previous` (the stored state of an execution
    /// whose server died) it resumes: finished steps and finished stages are kept, not run
    /// again; a step's interrupted stage runs from its last finished one. Writes are made as
    /// `worker` when given (see `PlanStore.updateExecution`).
    public func run(id: String, plan: Plan, workflow: Workflow, userID: Int64, resuming previous: ExecutionState? = nil,
                    worker: String? = nil, onChange: (@Sendable (ExecutionState) -> Void)? = nil) async -> ExecutionState {
        let initial = previous ?? ExecutionState(id: id, plan: plan, workflow: workflow)
        let run = ExecutionRun(state: initial, database: database, worker: worker, onChange: onChange)
        let start = previous?.startedAt ?? Date().timeIntervalSince1970
        await run.update { $0.status = "running"; $0.startedAt = start }
        let steps = Dictionary(uniqueKeysWithValues: plan.steps.map { ($0.id, $0) })
        var outputs: [String: String] = [:]
        var done = Set<String>()
        var launched = Set<String>()
        var interrupted: [String: ExecutionState.StepState] = [:]
        for step in previous?.steps ?? [] {
            switch step.status {
            case "completed":
                outputs[step.id] = step.output ?? ""
                done.insert(step.id)
                launched.insert(step.id)
            case "failed", "skipped":
                done.insert(step.id)
                launched.insert(step.id)
            default:
                if !step.stages.isEmpty { interrupted[step.id] = step }
            }
        }
        // A step that failed just before the server died may not have skipped its dependants yet.
        for failed in previous?.steps.filter({ $0.status == "failed" }) ?? [] {
            let skipped = Self.dependants(of: failed.id, in: plan).filter { !launched.contains($0) }
            for id in skipped { launched.insert(id); done.insert(id) }
            if !skipped.isEmpty {
                await run.update { state in
                    for index in state.steps.indices where skipped.contains(state.steps[index].id) {
                        state.steps[index].status = "skipped"
                        state.steps[index].error = "not run: step \(failed.id) failed"
                    }
                }
            }
        }
        await withTaskGroup(of: (String, Result<StepOutcome, StepFailure>).self) { group in
            var running = 0
            func launchReady() async {
                for step in plan.steps where !launched.contains(step.id) && running < maxConcurrentSteps {
                    guard step.dependsOn.allSatisfy({ outputs[$0] != nil }) else { continue }
                    launched.insert(step.id)
                    running += 1
                    let inputs = step.dependsOn.map { (steps[$0]!, outputs[$0]!) }
                    let resumed = interrupted[step.id]
                    group.addTask {
                        (step.id, await self.runStep(step, inputs: inputs, workflow: workflow, userID: userID, run: run, resuming: resumed))
                    }
                }
            }
            await launchReady()
            while let (stepID, result) = await group.next() {
                running -= 1
                done.insert(stepID)
                switch result {
                case .success(let outcome):
                    outputs[stepID] = outcome.output
                case .failure(let failure):
                    // Everything downstream of a failed step cannot run.
                    let skipped = Self.dependants(of: stepID, in: plan).filter { !launched.contains($0) }
                    for id in skipped { launched.insert(id); done.insert(id) }
                    await run.update { state in
                        for index in state.steps.indices where skipped.contains(state.steps[index].id) {
                            state.steps[index].status = "skipped"
                            state.steps[index].error = "not run: step \(stepID) failed"
                        }
                    }
                    logger.info("plan step failed", metadata: ["execution": "\(id)", "step": "\(stepID)", "error": "\(failure.message)"])
                }
                await launchReady()
            }
        }
        let end = Date().timeIntervalSince1970
        return await run.update { state in
            state.finishedAt = end
            state.metrics.wallSeconds = end - start
            let failed = state.steps.filter { $0.status == "failed" }
            let skipped = state.steps.filter { $0.status == "skipped" }
            if failed.isEmpty && skipped.isEmpty {
                state.status = "completed"
            } else {
                state.status = "failed"
                state.error = (failed.map { "step \($0.id) failed: \($0.error ?? "")" } + (skipped.isEmpty ? [] : ["not run: " + skipped.map(\.id).joined(separator: ", ")]))
                    .joined(separator: "; ")
            }
        }
    }

    /// Steps that depend on `id`, directly or not.
    static func dependants(of id: String, in plan: Plan) -> Set<String> {
        var result = Set<String>()
        var frontier = [id]
        while let current = frontier.popLast() {
            for step in plan.steps where step.dependsOn.contains(current) && result.insert(step.id).inserted {
                frontier.append(step.id)
            }
        }
        return result
    }

    struct StepOutcome: Sendable { var output: String }
    struct StepFailure: Error, Sendable { var message: String }

    private func runStep(_ step: Plan.Step, inputs: [(Plan.Step, String)], workflow: Workflow, userID: Int64,
                         run: ExecutionRun, resuming previous: ExecutionState.StepState? = nil) async -> Result<StepOutcome, StepFailure> {
        let started = previous?.startedAt ?? Date().timeIntervalSince1970
        await run.updateStep(step.id) { $0.status = "running"; $0.startedAt = started }
        do {
            let prompt = "Task: \(step.title)\n\(step.prompt)"
            let task: String
            let identity: [String]
            if let previous, let stored = previous.prompt {
                // Resumed after a finished stage: the same prompt it was built on.
                task = stored
                identity = previous.sources.map { "source \($0.url)" }
            } else {
                let context = try await retrieveContext(step, userID: userID)
                var built = prompt
                if !inputs.isEmpty {
                    built += "\n\nResults of the steps this one depends on:"
                    for (dependency, output) in inputs { built += "\n\n### \(dependency.title) (\(dependency.id))\n\(output)" }
                }
                if !context.text.isEmpty { built += "\n\nContext from your documents:\n\(context.text)" }
                task = built
                identity = context.identity
                let sources = context.sources
                await run.updateStep(step.id) { $0.prompt = built; $0.sources = sources }
            }
            // Everything besides the prompt that shapes the answer: a cached result is reused
            // only by this user, with the same context and the same inputs.
            let scope = CacheScope(userID: userID, shapedBy: [String(task.dropFirst(prompt.count))] + identity)
            let maxTokens = step.maxTokens ?? defaultMaxTokens
            let finishedStages = previous?.stages ?? []
            var current = finishedStages.last?.output ?? ""
            for stage in workflow.stages.dropFirst(finishedStages.count) {
                let request = Self.request(stage: stage, task: task, current: current, maxTokens: maxTokens)
                let result = try await complete(stage: stage, request: request, scope: scope, semanticText: stage == .fast ? prompt : nil)
                current = result.output
                await run.updateStep(step.id) { state in
                    state.stages.append(result)
                    state.metrics.add(result)
                }
                await run.update { $0.metrics.add(result) }
            }
            let finished = Date().timeIntervalSince1970
            await run.updateStep(step.id) { $0.status = "completed"; $0.output = current; $0.finishedAt = finished }
            return .success(StepOutcome(output: current))
        } catch {
            let finished = Date().timeIntervalSince1970
            let message = (error as? StepFailure)?.message ?? "\(error)"
            await run.updateStep(step.id) { $0.status = "failed"; $0.error = message; $0.finishedAt = finished }
            return .failure(StepFailure(message: message))
        }
    }

    static func request(stage: Stage, task: String, current: String, maxTokens: Int) -> ChatRequest {
        switch stage {
        case .fast:
            return ChatRequest(messages: [ChatMessage(.system, systemPrompt), ChatMessage(.user, task)], maxTokens: maxTokens)
        case .build:
            return ChatRequest(messages: [
                ChatMessage(.system, "You turn drafts into complete, correct, well-structured answers."),
                ChatMessage(.user, "\(task)\n\nDraft:\n\(current)\n\nRewrite the draft into a better answer to the task. Reply with the improved answer only."),
            ], maxTokens: maxTokens)
        case .check:
            return ChatRequest(messages: [
                ChatMessage(.system, "You are a careful reviewer."),
                ChatMessage(.user, "\(task)\n\nAnswer to review:\n\(current)\n\nCheck the answer against the task and the context for mistakes or omissions. Reply with the corrected final answer only."),
            ], maxTokens: maxTokens)
        }
    }

    private func role(_ stage: Stage) -> ProviderRole {
        switch stage {
        case .fast: return .fast
        case .build: return .build
        case .check: return .check
        }
    }

    /// A stage's result from the cache (exact, then semantic for the first stage) or the
    /// providers of its role.
    private func complete(stage: Stage, request: ChatRequest, scope: CacheScope, semanticText: String?) async throws
        -> ExecutionState.StageResult {
        let candidates = router.providers(for: role(stage)).filter { $0.breaker.state != .open }
        for provider in candidates {
            if let hit = try? await cache.exact(provider: provider.name, model: provider.configuration.model, request: request, scope: scope) {
                return Self.stageResult(stage, hit, cache: .exact)
            }
        }
        var vector: [Float]?
        if let semanticText, let found = await cache.semanticVector(for: semanticText) {
            vector = found
            for provider in candidates {
                if let hit = try? await cache.semantic(provider: provider.name, model: provider.configuration.model, vector: found, scope: scope) {
                    return Self.stageResult(stage, hit, cache: .semantic)
                }
            }
        }
        let result: ChatResult
        do {
            result = try await router.complete(role: role(stage), request)
        } catch {
            throw StepFailure(message: "\(stage.rawValue) stage: \(error)")
        }
        try? await cache.store(result, request: request, vector: vector, scope: scope)
        return Self.stageResult(stage, result, cache: .none)
    }

    static func stageResult(_ stage: Stage, _ result: ChatResult, cache: CacheHit) -> ExecutionState.StageResult {
        ExecutionState.StageResult(stage: stage, provider: result.provider, model: result.model,
                                   output: result.text.trimmingCharacters(in: .whitespacesAndNewlines),
                                   promptTokens: result.promptTokens, completionTokens: result.completionTokens,
                                   cost: cache == .none ? result.cost : 0, seconds: cache == .none ? result.seconds : 0,
                                   retries: cache == .none ? result.retries : 0, cache: cache)
    }

    /// A step's retrieved context: numbered passages, their sources, and what identifies them
    /// for the cache (the collection and the chunks retrieved).
    struct RetrievedContext: Sendable {
        var text = ""
        var sources: [ExecutionState.Source] = []
        var identity: [String] = []
    }

    private func retrieveContext(_ step: Plan.Step, userID: Int64) async throws -> RetrievedContext {
        guard let context = step.context else { return RetrievedContext() }
        guard let retriever else { throw StepFailure(message: "retrieval is unavailable (the embedding model is not loaded)") }
        guard let collection = try await database.collection(userID: userID, name: context.collection), let collectionID = collection.id else {
            throw StepFailure(message: "collection \(context.collection) not found")
        }
        let retrieval = try await retriever.retrieve(context.query ?? step.prompt, collectionID: collectionID, k: context.topK ?? 4)
        var result = RetrievedContext(identity: ["collection \(collectionID)"])
        for (index, hit) in retrieval.results.enumerated() {
            let n = index + 1
            let heading = hit.chunk.headingPath.isEmpty ? "" : " — \(hit.chunk.headingPath)"
            result.text += "[\(n)] \(hit.chunk.title)\(heading) (\(hit.chunk.url))\n\(hit.chunk.text.prefix(1500))\n\n"
            result.sources.append(ExecutionState.Source(n: n, url: hit.chunk.url, title: hit.chunk.title, heading: hit.chunk.headingPath))
            result.identity.append("chunk \(hit.chunk.id)")
        }
        result.text = result.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return result
    }
}

/// The state of one running execution, written to the database on every change.
actor ExecutionRun {
    private(set) var state: ExecutionState
    let database: any PlanStore
    let worker: String?
    let onChange: (@Sendable (ExecutionState) -> Void)?

    init(state: ExecutionState, database: any PlanStore, worker: String?, onChange: (@Sendable (ExecutionState) -> Void)?) {
        self.state = state
        self.database = database
        self.worker = worker
        self.onChange = onChange
    }

    @discardableResult
    func update(_ change: (inout ExecutionState) -> Void) async -> ExecutionState {
        change(&state)
        try? await database.updateExecution(id: state.id, worker: worker, status: state.status, error: state.error, state: state.json(),
                                            finished: state.isFinished)
        onChange?(state)
        return state
    }

    func updateStep(_ id: String, _ change: (inout ExecutionState.StepState) -> Void) async {
        await update { state in
            if let index = state.steps.firstIndex(where: { $0.id == id }) { change(&state.steps[index]) }
        }
    }
}
