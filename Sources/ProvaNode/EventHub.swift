public import ProvaCore
import Synchronization

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
/// slowing block production; it can resume from the store with `Last-Event-ID`. Mutex-guarded rather than an actor so
/// a stream's termination handler removes its subscriber synchronously; continuations are never touched under the lock.
final class EventHub: Sendable {
    private struct Subscriber {
        let filter: EventSelector
        let continuation: AsyncStream<PositionedEvent>.Continuation
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        /// Set by `finishAll`: a stream opened afterwards ends at once instead of waiting for blocks that never come.
        var finished = false
    }

    private let state = Mutex(State())

    func subscribe(_ filter: EventSelector) -> (id: Int, stream: AsyncStream<PositionedEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: PositionedEvent.self, bufferingPolicy: .bufferingNewest(50_000))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(filter: filter, continuation: continuation)
            return id
        }
        guard let id else {
            continuation.finish()
            return (-1, stream)
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return (id, stream)
    }

    func unsubscribe(_ id: Int) {
        remove(id)?.continuation.finish()
    }

    @discardableResult
    private func remove(_ id: Int) -> Subscriber? {
        state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    func publish(height: UInt64, events: [LedgerEvent]) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        guard !subscribers.isEmpty else { return }
        for (position, event) in events.enumerated() {
            let streamed = PositionedEvent(height: height, position: position, event: event)
            for subscriber in subscribers where subscriber.filter.matches(event) {
                subscriber.continuation.yield(streamed)
            }
        }
    }

    func finishAll() {
        let subscribers = state.withLock { state in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.continuation.finish() }
    }

    var count: Int { state.withLock { $0.subscribers.count } }
}
