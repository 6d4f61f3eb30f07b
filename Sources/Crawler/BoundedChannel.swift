/// A bounded, single-producer/single-consumer async channel: `send` waits while `capacity`
/// elements are unread (backpressure: a fast crawler cannot outrun a slow embedder by more
/// than the buffer), `cancel` from the consumer makes every later `send` return false.
public actor BoundedChannel<Element: Sendable> {
    private var buffer: [Element] = []
    private var head = 0
    private let capacity: Int
    private var finished = false
    private var cancelled = false
    private var receiver: CheckedContinuation<Element?, Never>?
    private var senders: [CheckedContinuation<Void, Never>] = []

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Queues `element`; waits while the buffer is full. Returns false once cancelled.
    @discardableResult
    public func send(_ element: Element) async -> Bool {
        guard !cancelled, !finished else { return false }
        if let receiver {
            self.receiver = nil
            receiver.resume(returning: element)
            return true
        }
        while buffer.count - head >= capacity, !cancelled {
            await withCheckedContinuation { senders.append($0) }
        }
        guard !cancelled else { return false }
        buffer.append(element)
        return true
    }

    /// No more elements will be sent.
    public func finish() {
        finished = true
        if buffer.count == head, let receiver {
            self.receiver = nil
            receiver.resume(returning: nil)
        }
    }

    /// The consumer stops listening: pending and future sends return false.
    public func cancel() {
        cancelled = true
        finished = true
        for sender in senders { sender.resume() }
        senders.removeAll()
        receiver?.resume(returning: nil)
        receiver = nil
    }

    public var isCancelled: Bool { cancelled }

    /// The next element, or nil when finished and drained (or cancelled).
    public func receive() async -> Element? {
        if cancelled { return nil }
        if head < buffer.count {
            let element = buffer[head]
            head += 1
            if head > 1024, head * 2 > buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            if !senders.isEmpty { senders.removeFirst().resume() }
            return element
        }
        if finished { return nil }
        return await withCheckedContinuation { receiver = $0 }
    }
}
