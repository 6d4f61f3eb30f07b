import Foundation
import Logging
import PlanFormat
import ServiceLifecycle
import Storage

/// Starts plan executions and keeps them going whichever server dies: each execution is
/// stored with its plan and claimed by the server that runs it, which sends a heartbeat every
/// `heartbeatInterval`; as a `Service`, every server also claims executions whose heartbeat is
/// older than `staleAfter` (their server died) and resumes them from their last finished stage
/// (`PlanExecutor.run(resuming:)`). A server that loses its claim stops and cannot write over
/// the one that took over. The quota reservation travels with the execution.
public struct ExecutionService: Service {
    public let executor: PlanExecutor
    public let quota: Quota
    public let worker: String
    let staleAfter: TimeInterval
    let maxAttempts: Int
    let pollInterval: Duration
    let logger: Logger

    public init(executor: PlanExecutor, quota: Quota, staleAfter: TimeInterval = 15, maxAttempts: Int = 3,
                pollInterval: Duration = .seconds(1), logger: Logger = Logger(label: "nextraction.orchestrator")) {
        self.executor = executor
        self.quota = quota
        self.staleAfter = max(2, staleAfter)
        self.maxAttempts = max(1, maxAttempts)
        self.pollInterval = pollInterval
        self.logger = logger
        worker = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))"
    }

    var database: any PlanStore & CollectionStore { executor.database }
    var heartbeatInterval: Duration { .milliseconds(Int(min(1, staleAfter / 3) * 1000)) }

    /// Checks the quota, stores the execution, claims it and runs it in a detached task. A
    /// successful execution counts one generation.
    public func start(plan: Plan, planID: String?, workflow: Workflow, userID: Int64) async throws -> ExecutionState {
        let (state, record) = try await create(plan: plan, planID: planID, workflow: workflow, userID: userID)
        Task.detached { [self] in _ = await execute(record) }
        return state
    }

    /// Runs in the caller's task (the CLI) and returns the final state.
    public func runHere(plan: Plan, workflow: Workflow, userID: Int64, onChange: (@Sendable (ExecutionState) -> Void)? = nil) async throws -> ExecutionState {
        let (_, record) = try await create(plan: plan, planID: nil, workflow: workflow, userID: userID)
        guard let final = await execute(record, onChange: onChange) else { throw StorageError.database("the stored execution cannot be read") }
        return final
    }

    /// Claims and resumes executions abandoned by a server that died, until shutdown.
    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                while let record = try await database.claimStaleExecution(worker: worker, staleBefore: Date().addingTimeInterval(-staleAfter),
                                                                           maxAttempts: maxAttempts, now: Date()) {
                    logger.notice("resuming an execution its server left", metadata: ["execution": "\(record.id)", "attempt": "\(record.attempts)"])
                    Task.detached { [self] in _ = await execute(record) }
                }
            } catch {
                logger.error("cannot claim executions", metadata: ["error": "\(error)"])
            }
            _ = try? await cancelOnGracefulShutdown { try await Task.sleep(for: pollInterval) }
        }
    }

    /// Reserves a generation, stores a queued execution with its plan, and claims it.
    private func create(plan: Plan, planID: String?, workflow: Workflow, userID: Int64) async throws -> (ExecutionState, ExecutionRecord) {
        let reservation = try await quota.reserve(userID: userID, kind: "plan")
        let state = ExecutionState(id: UUID().uuidString.lowercased(), plan: plan, workflow: workflow)
        let now = Date()
        do {
            let planJSON = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
            try await database.createExecution(ExecutionRecord(id: state.id, userID: userID, planID: planID, workflow: workflow.rawValue,
                                                               status: state.status, error: nil, state: state.json(), createdAt: now,
                                                               updatedAt: now, finishedAt: nil, plan: planJSON, reservationID: reservation.id))
            guard let claimed = try await database.claimExecution(id: state.id, worker: worker, now: now) else {
                throw StorageError.database("a new execution was claimed by another server")
            }
            return (state, claimed)
        } catch {
            await reservation.release()
            throw error
        }
    }

    /// Runs (or resumes) a claimed execution with heartbeats; stops if the claim is lost.
    func execute(_ record: ExecutionRecord, onChange: (@Sendable (ExecutionState) -> Void)? = nil) async -> ExecutionState? {
        let reservation = record.reservationID.map { Quota.Reservation(id: $0, database: quota.database) }
        guard let planText = record.plan, let plan = try? JSONDecoder().decode(Plan.self, from: Data(planText.utf8)),
              let workflow = Workflow(rawValue: record.workflow),
              let previous = try? JSONDecoder().decode(ExecutionState.self, from: Data(record.state.utf8)) else {
            try? await database.updateExecution(id: record.id, worker: worker, status: "failed", error: "the stored execution cannot be read",
                                                state: record.state, finished: true)
            await reservation?.release()
            return nil
        }
        let resuming = record.attempts > 1 ? previous : nil
        let work = Task { [executor, worker] in
            await executor.run(id: record.id, plan: plan, workflow: workflow, userID: record.userID, resuming: resuming, worker: worker,
                               onChange: onChange)
        }
        let heartbeat = Task { [database, worker, heartbeatInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeatInterval)
                guard !Task.isCancelled else { return }
                if (try? await database.heartbeatExecution(id: record.id, worker: worker, now: Date())) == false {
                    // Another server took it over (this one looked dead): stop, writing nothing more.
                    work.cancel()
                    return
                }
            }
        }
        let final = await work.value
        heartbeat.cancel()
        if !work.isCancelled {
            if final.status == "completed" { await reservation?.confirm() } else { await reservation?.release() }
        }
        return final
    }
}
