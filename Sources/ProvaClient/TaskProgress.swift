public import ProvaCore

/// A task's progress in the terms a requester follows: phase, current prover, time used against the limit, votes, money.
public struct TaskProgress: Sendable, Hashable {
    public var task: TaskID
    public var state: TaskState
    /// The attempt being followed: the verified one, else the newest.
    public var attempt: Int?
    public var attempts: Int
    public var worker: Address?
    /// Block time when the current prover accepted (its run clock starts there).
    public var acceptedAtMilliseconds: Milliseconds?
    public var finishedAtMilliseconds: Milliseconds?
    public var timeLimitSeconds: Seconds
    public var votes: Int
    public var votesNeeded: Int
    public var fee: MicroCredits
    public var refunded: MicroCredits
    public var failure: String?

    public init(_ task: TaskRecord) {
        self.task = task.id
        state = task.state
        let followed = task.verifiedAttempt.flatMap { number in task.attempts.first { $0.number == number } }
            ?? task.attempts.max { $0.number < $1.number }
        attempt = followed?.number
        attempts = task.attempts.count
        worker = followed?.worker
        acceptedAtMilliseconds = followed?.acceptedAtMilliseconds
        finishedAtMilliseconds = followed?.deliveredAtMilliseconds ?? followed?.decidedAtMilliseconds
        timeLimitSeconds = task.timeLimitSeconds
        votes = followed?.verifiers.filter { $0.vote != nil }.count ?? 0
        votesNeeded = followed?.verifiersNeeded ?? Int(task.verifierCount)
        fee = task.feePerSlot * task.redundancy
        refunded = task.refunded
        failure = task.failure ?? followed?.failure
    }

    /// Milliseconds the current prover has been running at `now` (block-time clock), if it has started.
    public func elapsedMilliseconds(now: Milliseconds) -> Milliseconds? {
        guard let start = acceptedAtMilliseconds else { return nil }
        return max(0, (finishedAtMilliseconds ?? now) - start)
    }
}
