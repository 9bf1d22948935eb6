public import ProvaCore
import Synchronization

/// A `BlockClock` that moves only when the test moves it, so a block loop (or anything else that takes a
/// `BlockClock`) can be driven step by step with no sleeping and no timing assumptions.
///
/// - `monotonicMilliseconds()` answers the time last set; it starts at `startingAt`. `nowMilliseconds()` (the wall
///   clock) answers the same plus the offset `jumpWall(by:)` adds: a wall clock that jumps while time does not pass.
/// - `sleep(until:)` (a monotonic deadline) returns at once when the deadline has been reached, and otherwise waits
///   until `advance(by:)` or `set(_:)` reaches it. A sleeper whose task is cancelled wakes at once with `CancellationError`.
/// - `deadlines` lists what the sleepers wait for, and `changes()` yields each time the time moves or a sleeper
///   starts or stops waiting: `eventually("…", over: clock.changes()) { clock.deadlines.contains(t) }` waits, without
///   polling, until the code under test has gone to sleep until `t`.
///
/// Thread-safe (one mutex; continuations are resumed outside it).
public final class ManualClock: BlockClock {
    private struct Sleeper {
        let deadline: Milliseconds
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Milliseconds
        var wallOffset: Milliseconds = 0
        var sleepers: [Int: Sleeper] = [:]
        var watchers: [Int: AsyncStream<Void>.Continuation] = [:]
        var nextID = 0

        mutating func makeID() -> Int {
            defer { nextID += 1 }
            return nextID
        }
    }

    private let state: Mutex<State>

    public init(startingAt now: Milliseconds) {
        state = Mutex(State(now: now))
    }

    public func nowMilliseconds() -> Milliseconds {
        state.withLock { $0.now + $0.wallOffset }
    }

    public func monotonicMilliseconds() -> Milliseconds {
        state.withLock { $0.now }
    }

    /// Steps the wall clock by `milliseconds` (forward or back) while no time passes: what an NTP step or an operator
    /// setting the date does to a real machine. Sleepers are not woken (they wait on the monotonic clock).
    public func jumpWall(by milliseconds: Milliseconds) {
        let watchers = state.withLock { state in
            state.wallOffset += milliseconds
            return Array(state.watchers.values)
        }
        Self.notify(watchers)
    }

    /// The deadlines tasks are sleeping until now, earliest first.
    public var deadlines: [Milliseconds] {
        state.withLock { $0.sleepers.values.map(\.deadline).sorted() }
    }

    public func sleep(until deadline: Milliseconds) async throws {
        let id = state.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (outcome, watchers) = state.withLock { state -> (SleepStart, [AsyncStream<Void>.Continuation]) in
                    if state.now >= deadline { return (.reached, []) }
                    // Cancelled before the sleeper was stored: the cancellation handler found nothing to wake.
                    if Task.isCancelled { return (.cancelled, []) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return (.waiting, Array(state.watchers.values))
                }
                switch outcome {
                case .reached: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: Self.notify(watchers)
                }
            }
        } onCancel: {
            let (sleeper, watchers) = state.withLock { state in
                (state.sleepers.removeValue(forKey: id), Array(state.watchers.values))
            }
            guard let sleeper else { return }
            sleeper.continuation.resume(throwing: CancellationError())
            Self.notify(watchers)
        }
    }

    /// Moves the time forward by `milliseconds` and wakes every sleeper whose deadline it reaches.
    public func advance(by milliseconds: Milliseconds) {
        move { $0 + milliseconds }
    }

    /// Sets the time (forward or back) and wakes every sleeper whose deadline it reaches.
    public func set(_ now: Milliseconds) {
        move { _ in now }
    }

    /// A stream that yields whenever the time moves or a sleeper starts or stops waiting; it ends when dropped.
    public func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            let id = state.makeID()
            state.watchers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    private func move(_ change: (Milliseconds) -> Milliseconds) {
        let (woken, watchers) = state.withLock { state -> ([Sleeper], [AsyncStream<Void>.Continuation]) in
            state.now = change(state.now)
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            return (Array(due.values), Array(state.watchers.values))
        }
        for sleeper in woken { sleeper.continuation.resume() }
        Self.notify(watchers)
    }

    private static func notify(_ watchers: [AsyncStream<Void>.Continuation]) {
        for watcher in watchers { watcher.yield() }
    }

    private enum SleepStart {
        case reached, cancelled, waiting
    }
}
