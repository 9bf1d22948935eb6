import Synchronization

/// Streams that are told "something changed", each ending when its reader stops; behind a lock so a stream that ends
/// removes itself synchronously, from whatever thread ends it.
final class ChangeWatchers: Sendable {
    private let state = Mutex<(next: Int, watchers: [Int: AsyncStream<Void>.Continuation])>((0, [:]))

    /// A new stream that yields after each `notify()`; changes while the reader is busy collapse into one.
    func stream() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            defer { state.next += 1 }
            state.watchers[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) } }
        return stream
    }

    func notify() {
        for watcher in state.withLock({ Array($0.watchers.values) }) { watcher.yield() }
    }
}
