import Foundation
import HTTPTypes
import Orchestrator
import Retrieval
import Storage

/// What every question-answering route checks before it answers (`/ask`, `/search`,
/// `/v1/chat/completions`): the model is loaded, the collection is the caller's, the
/// per-user rate limit, and for LLM answers a reserved generation.
struct AskGate: Sendable {
    let dependencies: AppDependencies
    let limiter: any RequestLimiter

    /// The ask service and the user's collection id; 404 for a collection the user lacks,
    /// 503 when the model could not be loaded.
    func prepare(user: AuthenticatedUser, collection: String?) async throws -> (AskService, Int64) {
        guard let service = dependencies.ask else {
            throw APIError(.serviceUnavailable, code: "model_unavailable",
                           message: "the embedding model is not loaded: \(dependencies.embedderError ?? "unknown reason")")
        }
        let name = collection ?? "default"
        guard let record = try await dependencies.database.collection(userID: user.id, name: name), let id = record.id else {
            throw APIError.notFound("collection \(name) not found")
        }
        return (service, id)
    }

    /// The ask service and the user's collections `names` (1 to 10, each 404 when missing).
    func prepare(user: AuthenticatedUser, collections names: [String]) async throws -> (AskService, [(id: Int64, name: String)]) {
        guard (1...10).contains(names.count) else {
            throw APIError.unprocessable("collections must name 1 to 10 collections", code: "invalid_request")
        }
        var service: AskService?
        var found: [(id: Int64, name: String)] = []
        for name in names {
            let (prepared, id) = try await prepare(user: user, collection: name)
            service = prepared
            if !found.contains(where: { $0.id == id }) { found.append((id, name)) }
        }
        guard let service else { throw APIError.internalError }
        return (service, found)
    }

    /// 429 when the user asked too many questions this minute.
    func throttle(_ userID: Int64) async throws {
        if let wait = try await limiter.take(userID) {
            throw APIError.tooManyRequests("too many questions; try again in \(Int(wait.rounded(.up))) seconds",
                                           retryAfter: Int(wait.rounded(.up)), code: "rate_limited")
        }
    }

    /// A generation reserved for an LLM answer; 429 when the quota is used up.
    func reserveGeneration(_ userID: Int64) async throws -> Quota.Reservation {
        do {
            return try await dependencies.quota.reserve(userID: userID, kind: "answer")
        } catch let exhausted as Quota.Exhausted {
            throw APIError.tooManyRequests("\(exhausted.description); GET /quota shows your usage", retryAfter: 3600, code: "quota_exhausted")
        }
    }

    /// Counts the answer in the metrics and keeps the generation only if a model wrote it.
    func record(_ result: AskResult, reservation: Quota.Reservation?) async {
        dependencies.metrics.recordAsk(seconds: result.timings.totalMilliseconds / 1000, answerable: result.answer.answerable)
        if result.mode == "llm" { await reservation?.confirm() } else { await reservation?.release() }
    }
}

extension AskGate {
    /// A whole answer (not streamed) to `question` in the user's collection: the checks above,
    /// then an LLM answer when `mode` is `auto` and a provider is configured, else extractive.
    func answer(_ question: String, collection: String?, topK: Int, mode: String, user: AuthenticatedUser) async throws -> AskResult {
        let (service, collectionID) = try await prepare(user: user, collection: collection)
        try await throttle(user.id)
        let llm = mode != "extractive" && service.usesLLM
        let reservation = llm ? try await reserveGeneration(user.id) : nil
        do {
            let result = try await service.ask(question, collectionID: collectionID, topK: topK, allowLLM: llm)
            await record(result, reservation: reservation)
            return result
        } catch {
            await reservation?.release()
            throw error
        }
    }
}
