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
    ///
    /// A password registration would refuse never matches (`isAcceptable`): bcrypt reads a
    /// password only up to a NUL byte and only its first 72 bytes, so "\0anything" hashes like
    /// "" and 72 bytes plus anything like the 72 bytes; such a prefix must not open an account.
    /// It still costs a decoy verification.
    public func verify(_ password: String, hash: String?) async -> Bool {
        let decoy = self.decoy
        let acceptable = Self.isAcceptable(password)
        let matches = await run { Bcrypt.verify(acceptable ? password : "", hash: acceptable ? (hash ?? decoy.value) : decoy.value) }
        return matches && acceptable && hash != nil
    }

    public static let minimumCharacters = 8
    public static let maximumBytes = 72

    /// Whether registration accepts `password`: no NUL, 8 characters to 72 bytes.
    public static func isAcceptable(_ password: String) -> Bool {
        !password.utf8.contains(0) && password.count >= minimumCharacters && password.utf8.count <= maximumBytes
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
