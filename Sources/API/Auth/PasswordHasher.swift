import Dispatch
import Foundation
import HummingbirdBcrypt

/// bcrypt hashing and verification off the async executors: each call costs tens to hundreds
/// of milliseconds of CPU by design, which would stall the cooperative pool (2 threads here).
public struct PasswordHasher: Sendable {
    public let cost: Int
    private let queue = DispatchQueue(label: "nextraction.bcrypt", attributes: .concurrent)
    private let decoy: DecoyHash

    public init(cost: Int) {
        self.cost = cost
        decoy = DecoyHash(cost: cost)
    }

    public func hash(_ password: String) async -> String {
        let cost = UInt8(self.cost)
        return await run { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`. With no hash (unknown email) it verifies against a
    /// decoy of the same cost and answers false, so the reply takes the same time either way.
    public func verify(_ password: String, hash: String?) async -> Bool {
        let decoy = self.decoy
        let matches = await run { Bcrypt.verify(password, hash: hash ?? decoy.value) }
        return matches && hash != nil
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}

/// A hash of a random password, computed on first use (it costs one bcrypt round).
private final class DecoyHash: @unchecked Sendable {
    private let cost: Int
    private let lock = NSLock()
    private var cached: String?

    init(cost: Int) { self.cost = cost }

    var value: String {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let hash = Bcrypt.hash(UUID().uuidString, cost: UInt8(cost))
        cached = hash
        return hash
    }
}
