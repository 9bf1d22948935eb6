import Synchronization

/// Wakes the block loop when something it waits for changes (a transaction admitted, an earlier commit-waiter
/// deadline, a stop request): a pending flag and at most one waiting continuation. A signal sent while nobody waits
/// is kept, so the next `wait()` returns at once and no wake-up is lost; a cancelled `wait()` returns at once.
/// One waiter at a time (the block loop); `signal()` may come from anywhere.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Resumes the waiter, or leaves the signal pending for the next `wait()`.
    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Forgets a pending signal: the loop is about to read everything a signal could have announced.
    func clear() {
        state.withLock { $0.pending = false }
    }

    /// Returns when signalled (at once if a signal is pending) or when the waiting task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    // Cancelled before the continuation was stored: the handler below found nothing to resume.
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
