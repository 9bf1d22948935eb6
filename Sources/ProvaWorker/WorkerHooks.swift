public import ProvaCore

/// Points where tests (and operators' tooling) can observe or pause the daemon. Every hook is optional; a hook that
/// suspends pauses only that job. They exist so tests can stop a worker at an exact step instead of guessing with sleeps.
public struct WorkerHooks: Sendable {
    /// Just before the sandbox starts a run for the job.
    public var runStarting: (@Sendable (JobKey) async -> Void)?
    /// After a result or verdict is journaled, before it is signed and sent.
    public var beforeSubmit: (@Sendable (JobKey) async -> Void)?
    /// After a transaction of this worker is committed.
    public var committed: (@Sendable (TransactionBody) async -> Void)?

    public init(runStarting: (@Sendable (JobKey) async -> Void)? = nil, beforeSubmit: (@Sendable (JobKey) async -> Void)? = nil,
                committed: (@Sendable (TransactionBody) async -> Void)? = nil) {
        self.runStarting = runStarting; self.beforeSubmit = beforeSubmit; self.committed = committed
    }
}
