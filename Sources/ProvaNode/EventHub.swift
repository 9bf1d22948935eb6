public import ProvaCore

/// One ledger event as the stream delivers it, with its position in the chain (`height:position` is its SSE id).
public struct PositionedEvent: Sendable, Hashable {
    public let height: UInt64
    public let position: Int
    public let event: LedgerEvent

    public var id: String { EventStreamID.make(height: height, index: position) }

    /// Orders events by chain position.
    public func isAfter(height: UInt64, position: Int) -> Bool {
        self.height > height || (self.height == height && self.position > position)
    }
}

/// Which events a subscriber wants; every given field must match (`account` matches the event's account or worker).
public struct EventSelector: Sendable, Hashable {
    public var task: TaskID?
    public var worker: Address?
    public var account: Address?

    public init(task: TaskID? = nil, worker: Address? = nil, account: Address? = nil) {
        self.task = task; self.worker = worker; self.account = account
    }

    public func matches(_ event: LedgerEvent) -> Bool {
        if let task, event.task != task { return false }
        if let worker, event.worker != worker { return false }
        if let account, event.account != account && event.worker != account { return false }
        return true
    }
}

/// Fans committed events out to live subscribers. A slow subscriber loses its oldest buffered events rather than
/// slowing block production; it can resume from the store with `Last-Event-ID`.
actor EventHub {
    private var subscribers: [Int: (filter: EventSelector, continuation: AsyncStream<PositionedEvent>.Continuation)] = [:]
    private var nextID = 0

    func subscribe(_ filter: EventSelector) -> (id: Int, stream: AsyncStream<PositionedEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: PositionedEvent.self, bufferingPolicy: .bufferingNewest(50_000))
        let id = nextID
        nextID += 1
        subscribers[id] = (filter, continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return (id, stream)
    }

    func unsubscribe(_ id: Int) {
        subscribers.removeValue(forKey: id)?.continuation.finish()
    }

    func publish(height: UInt64, events: [LedgerEvent]) {
        guard !subscribers.isEmpty else { return }
        for (position, event) in events.enumerated() {
            let streamed = PositionedEvent(height: height, position: position, event: event)
            for subscriber in subscribers.values where subscriber.filter.matches(event) {
                subscriber.continuation.yield(streamed)
            }
        }
    }

    func finishAll() {
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers = [:]
    }

    var count: Int { subscribers.count }
}
