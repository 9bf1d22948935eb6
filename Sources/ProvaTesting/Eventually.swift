/// Waits until `condition` holds, checking it once at once and again after every element of `events` — the node's
/// event stream, a block subscription, anything that says "something changed". No sleeping, no polling interval:
/// the test moves exactly when the system does.
///
/// `limit` only guards against a hang (a test that would otherwise wait for ever); it is not an assertion about
/// speed. Throws `EventuallyFailure` with `what` and the last `describe()` when the stream ends or the limit passes.
public func eventually<Events: AsyncSequence & Sendable>(
    _ what: String, over events: Events, limit: Duration = .seconds(120),
    describe: @escaping @Sendable () async -> String = { "" },
    until condition: @escaping @Sendable () async throws -> Bool
) async throws where Events.Element: Sendable {
    if try await condition() { return }
    let outcome: Bool = try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            for try await _ in events {
                if try await condition() { return true }
            }
            return try await condition()
        }
        group.addTask {
            // A guard against hanging for ever, not a timing assertion: the result is checked once more below.
            try? await Task.sleep(for: limit)
            return false
        }
        let first = try await group.next() ?? false
        group.cancelAll()
        return first
    }
    if outcome { return }
    if try await condition() { return }
    throw EventuallyFailure(what: what, state: await describe())
}

/// `eventually` gave up: the stream ended or the hang guard passed before the condition held.
public struct EventuallyFailure: Error, CustomStringConvertible {
    public let what: String
    public let state: String
    public var description: String { "\(what) did not happen\(state.isEmpty ? "" : "; last seen: \(state)")" }
}

/// For state other processes hold (a cluster's validators, a devnet's children), which cannot announce its changes to
/// the test: a tick every `interval`, for `eventually` to look again. The condition is still what the test asserts.
public func processStateTicks(every interval: Duration = .milliseconds(100)) -> AsyncStream<Void> {
    AsyncStream { continuation in
        // The stream's one producer, ended with its consumer.
        let ticker = Task {
            while !Task.isCancelled {
                continuation.yield()
                try? await Task.sleep(for: interval)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in ticker.cancel() }
    }
}
