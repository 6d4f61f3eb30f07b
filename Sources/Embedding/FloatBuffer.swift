/// An owned, immutable-after-init block of floats with a stable address, so hot loops can
/// use raw pointers without nested `withUnsafeBufferPointer` closures. Freed on `deinit`.
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(1, values.count))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }
}

/// Growable scratch memory of floats, reused across calls.
typealias ScratchBuffer = Scratch<Float>

/// Growable scratch memory, reused across calls (grows, never shrinks).
final class Scratch<Element> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init() {
        capacity = 0
        pointer = .allocate(capacity: 1)
    }

    /// Ensures room for `count` elements (contents are not preserved when growing).
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        capacity = count
        pointer = .allocate(capacity: count)
    }

    deinit { pointer.deallocate() }
}
