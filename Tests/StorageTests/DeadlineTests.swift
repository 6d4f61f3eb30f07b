import Foundation
@testable import Storage
import Testing

/// The deadline every PostgreSQL operation runs under, and the reachability check that ends
/// it early when the server is gone.
@Suite("Deadlines and reachability")
struct DeadlineTests {
    struct Gone: Error {}
    struct Late: Error {}

    @Test("an operation that never finishes ends with the early check's error when there is one, else at the deadline")
    func early() async throws {
        let forever: @Sendable () async throws -> Int = {
            try await Task.sleep(for: .seconds(3600))
            return 1
        }
        await #expect(throws: Gone.self) {
            try await Deadline.race(.seconds(3600), forever, early: .init(after: .milliseconds(10)) { Gone() }) { Late() }
        }
        await #expect(throws: Late.self) {
            try await Deadline.race(.milliseconds(50), forever, early: .init(after: .milliseconds(10)) { nil }) { Late() }
        }
        // A finished operation's answer wins; the check is never asked.
        let asked = Counter()
        let value = try await Deadline.race(.seconds(3600), { 7 }, early: .init(after: .seconds(3600)) {
            asked.add()
            return Gone()
        }) { Late() }
        #expect(value == 7 && asked.value == 0)
    }

    @Test("a failed check is remembered while fresh (operations fail at once), a stale one is asked again")
    func remembered() async throws {
        let connects = Counter()
        let fresh = PostgresReachability(freshness: .seconds(3600)) {
            connects.add()
            return .unavailable("refused")
        }
        #expect(fresh.knownUnreachable == nil)
        #expect(await fresh.check() != nil)
        #expect(await fresh.check() != nil)
        #expect(connects.value == 1 && fresh.knownUnreachable != nil)

        let answers = Counter()
        let stale = PostgresReachability(freshness: .zero) {
            answers.add()
            return answers.value == 1 ? .unavailable("refused") : nil
        }
        #expect(await stale.check() != nil)
        #expect(stale.knownUnreachable == nil)
        #expect(await stale.check() == nil)
        #expect(answers.value == 2)
    }
}

/// A thread-safe count.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}
