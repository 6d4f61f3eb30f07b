import Foundation
import PlanFormat
import Storage

/// Starts plan executions in the background (this process) and keeps their records.
public struct ExecutionService: Sendable {
    public let executor: PlanExecutor
    public let quota: Quota

    public init(executor: PlanExecutor, quota: Quota) {
        self.executor = executor
        self.quota = quota
    }

    /// Checks the quota, stores a queued execution and runs it in a detached task. A
    /// successful execution counts one generation.
    public func start(plan: Plan, planID: String?, workflow: Workflow, userID: Int64) async throws -> ExecutionState {
        let (state, reservation) = try await create(plan: plan, planID: planID, workflow: workflow, userID: userID)
        let id = state.id
        let executor = self.executor
        Task.detached {
            let final = await executor.run(id: id, plan: plan, workflow: workflow, userID: userID)
            if final.status == "completed" { await reservation.confirm() } else { await reservation.release() }
        }
        return state
    }

    /// Runs in the caller's task (the CLI) and returns the final state.
    public func runHere(plan: Plan, workflow: Workflow, userID: Int64, onChange: (@Sendable (ExecutionState) -> Void)? = nil) async throws -> ExecutionState {
        let (state, reservation) = try await create(plan: plan, planID: nil, workflow: workflow, userID: userID)
        let final = await executor.run(id: state.id, plan: plan, workflow: workflow, userID: userID, onChange: onChange)
        if final.status == "completed" { await reservation.confirm() } else { await reservation.release() }
        return final
    }

    /// Reserves a generation and stores a queued execution.
    private func create(plan: Plan, planID: String?, workflow: Workflow, userID: Int64) async throws -> (ExecutionState, Quota.Reservation) {
        let reservation = try await quota.reserve(userID: userID, kind: "plan")
        let state = ExecutionState(id: UUID().uuidString.lowercased(), plan: plan, workflow: workflow)
        let now = Date()
        do {
            try await executor.database.createExecution(ExecutionRecord(id: state.id, userID: userID, planID: planID, workflow: workflow.rawValue,
                                                                   status: state.status, error: nil, state: state.json(), createdAt: now,
                                                                   updatedAt: now, finishedAt: nil))
        } catch {
            await reservation.release()
            throw error
        }
        return (state, reservation)
    }
}
